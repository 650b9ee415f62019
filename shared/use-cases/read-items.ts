/**
 * Read side: the queue, the workspace's open items, one item, its history, a record's items, the summary.
 * Visibility is `canSee` (shared/domain/routing.ts), applied to every row that leaves here: the one rule.
 */
import { awayAt } from '../domain/delegation.js';
import { canTransition, statusAt } from '../domain/lifecycle.js';
import {
  type HistoryEntry,
  isOpen,
  type Member,
  type ReviewItem,
  type ReviewStatus,
} from '../domain/review-item.js';
import { canSee, scopeOf } from '../domain/routing.js';
import { kindOf } from '../drafts/index.js';
import type { FieldConflict } from '../drafts/kind.js';
import { invalidCursor, NotFoundError } from '../errors.js';
import type { Caller } from '../http/request.js';
import type { ListQuery } from '../http/requests.js';
import type { ItemSummary, ListSpec, Page, PageRequest, ReadStorePort } from './ports.js';

export interface ReadDeps {
  store: ReadStorePort;
  clock: () => Date;
}

export interface Permissions {
  canEdit: boolean;
  canApprove: boolean;
  canDismiss: boolean;
}

type AnyItem = ReviewItem | ItemSummary;

/** A pending item past its expiresAt is expired, whether or not the scheduled job has marked it yet. */
export const effectiveStatus = (item: AnyItem, now: Date): ReviewStatus => statusAt(item, now);

export function permissionsOf(item: AnyItem, member: Member, now: Date): Permissions {
  const status = effectiveStatus(item, now);
  const mayAct = canSee(member, item) && (item.reviewers.includes(member.userId) || member.role === 'admin');
  return {
    canEdit: mayAct && canTransition('edit', status),
    canApprove:
      mayAct &&
      canTransition(kindOf(item.draft).approveTransition, status) &&
      kindOf(item.draft).approveRefusal(member, item.draft) === null,
    canDismiss: mayAct && canTransition('dismiss', status),
  };
}

/** The item as the API answers it (spec 4). */
export function presentItem(item: AnyItem, member: Member, now: Date) {
  return {
    id: item.id,
    workspaceId: item.workspaceId,
    type: item.type,
    status: effectiveStatus(item, now),
    version: item.version,
    draft: item.draft,
    edited: item.edited,
    reason: item.reason,
    relatedRecords: item.relatedRecords,
    origin: {
      automationId: item.origin.automationId,
      automationName: item.origin.automationName ?? null,
      runId: item.origin.runId,
      stepId: item.origin.stepId,
      runUrl: item.origin.runUrl ?? null,
      executedAs: item.origin.executedAs,
      automationVersion: item.origin.automationVersion ?? null,
    },
    reviewers: item.reviewers,
    permissions: permissionsOf(item, member, now),
    proposedAt: item.proposedAt,
    expiresAt: item.expiresAt ?? null,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    decision: item.decision,
    lastSendError: item.lastSendError ?? null,
    delivery: item.delivery ?? null,
    stale: item.stale ?? null,
    overdue: item.overdue ? { since: item.overdue.since } : null,
    apply: item.apply
      ? {
          applyId: item.apply.applyId,
          by: item.apply.by,
          claimedAt: item.apply.claimedAt,
          fields: item.apply.fields,
          publications: item.apply.publications,
        }
      : null,
    lastApplyError: item.lastApplyError ?? null,
    hold: item.hold ? { executeAt: item.hold.executeAt, by: item.hold.by } : null,
    holdCancelled: item.holdCancelled ?? null,
    away: awayAt(item.away, now),
    // Read for one item only (conflictMarks): a list would need a request per item.
    conflicts: null as ConflictMark[] | null,
    hiddenConflicts: null as number | null,
  };
}
export type PresentedItem = ReturnType<typeof presentItem>;

/** A field another open draft the caller may see proposes a different result for (spec 3). */
export type ConflictMark = { itemId: string } & FieldConflict;

/**
 * spec 3 "Conflicts between drafts": the other open drafts of the item's record that propose different results for
 * its fields, read when asked (one Query of the record's open drafts), so the marks follow every change of either
 * item and cost ingest nothing. `conflicts` names what `member` may see, `hiddenConflicts` counts the rest; `all`
 * is both, for the approval's check. Undefined for a kind whose drafts cannot conflict, or an item no longer open.
 */
export async function conflictMarks(
  store: Pick<ReadStorePort, 'openRecordUpdates'>,
  item: ReviewItem,
  member: Member | undefined,
): Promise<{ conflicts: ConflictMark[]; hiddenConflicts: number; all: ConflictMark[] } | undefined> {
  const kind = kindOf(item.draft);
  if (!kind.conflicts || !isOpen(item.status)) return undefined;
  const others = await store.openRecordUpdates(item.workspaceId, kind.conflicts.recordOf(item.draft));
  const all: ConflictMark[] = [];
  const conflicts: ConflictMark[] = [];
  for (const other of others) {
    if (other.id === item.id || other.type !== item.type || !isOpen(other.status)) continue;
    if (other.dedupHash === item.dedupHash) continue;
    for (const conflict of kind.conflicts.between(item.draft, other.draft)) {
      const mark = { itemId: other.id, ...conflict };
      all.push(mark);
      if (member && canSee(member, other)) conflicts.push(mark);
    }
  }
  conflicts.sort((a, b) => a.field.localeCompare(b.field) || a.itemId.localeCompare(b.itemId));
  return { conflicts, hiddenConflicts: all.length - conflicts.length, all };
}

/** The item as GET answers it: with its conflict marks. */
async function presentOne(deps: ReadDeps, item: ReviewItem, member: Member) {
  const presented = presentItem(item, member, deps.clock());
  const marks = await conflictMarks(deps.store, item, member);
  return marks
    ? { ...presented, conflicts: marks.conflicts, hiddenConflicts: marks.hiddenConflicts }
    : presented;
}

/** Lists never show an item past its expiresAt, whether or not the expiry job has marked it yet. */
const isListed = (item: ItemSummary, now: Date) => effectiveStatus(item, now) !== 'expired';
const isListable = (member: Member, now: Date) => (item: ItemSummary) =>
  canSee(member, item) && isListed(item, now);

/** The caller as a member who may see anything at all, or undefined (unknown or inactive). */
async function viewerOf(deps: ReadDeps, caller: Caller): Promise<Member | undefined> {
  return activeOf({ member: await deps.store.getMember(caller.workspaceId, caller.userId) });
}

/** The caller's member record, when the caller read it already (with other records, in the same request). */
export interface Viewer {
  member: Member | undefined;
}

const activeOf = (viewer: Viewer): Member | undefined => (viewer.member?.active ? viewer.member : undefined);

const emptyPage = { items: [], nextCursor: null };

/**
 * What a caller who is not an active member gets from any list: nothing, and a cursor refused as an altered one is
 * rather than ignored, since it continues no list of theirs, even one made while they were a member (spec 4
 * "Cursors and bounds").
 */
export function noListFor(page: { cursor?: string }) {
  if (page.cursor !== undefined) throw invalidCursor();
  return emptyPage;
}

/** The visibility scopes a member may see (shared/domain/routing.ts canSee): every one for an admin. */
export const scopesOf = (member: Member): 'all' | string[] =>
  member.role === 'admin'
    ? 'all'
    : [scopeOf({ kind: 'workspace' }), scopeOf({ kind: 'user', userId: member.userId })];

/**
 * GET /review-items: the caller's queue (scope=mine) or every open item the caller may see (scope=workspace).
 * The queue is read in parallel with the caller's membership (2 requests); the workspace view needs the role
 * first: 1 partition for an admin, 2 for a member (workspace runs, their own runs), so 2 or 3 requests.
 */
export async function listReviewItems(
  deps: ReadDeps,
  caller: Caller,
  query: ListQuery & { automationIds?: string[] },
  viewer?: Viewer,
) {
  const page: PageRequest = { limit: query.limit, cursor: query.cursor };
  const now = deps.clock();
  if (query.scope === 'mine') {
    const spec: ListSpec = {
      kind: 'queue',
      userId: caller.userId,
      ...optionalAutomation(query),
    };
    const [member, result] = await Promise.all([
      viewer ? activeOf(viewer) : viewerOf(deps, caller),
      deps.store.listItems(caller.workspaceId, caller.userId, spec, page, (item) => isListed(item, now)),
    ]);
    if (!member) return noListFor(page);
    return present(filterVisible(result, member), member, now);
  }
  const member = viewer ? activeOf(viewer) : await viewerOf(deps, caller);
  if (!member) return noListFor(page);
  const spec: ListSpec = {
    kind: 'open',
    scopes: scopesOf(member),
    ...optionalAutomation(query),
  };
  const result = await deps.store.listItems(
    caller.workspaceId,
    caller.userId,
    spec,
    page,
    isListable(member, now),
  );
  return present(result, member, now);
}

/** The list's automation filter: one automation, or several merged (the agent's list by a name several share). */
const optionalAutomation = ({
  automationId,
  automationIds,
}: {
  automationId?: string;
  automationIds?: string[];
}) =>
  automationIds !== undefined && automationIds.length > 0
    ? { automationIds: [...new Set(automationIds)].sort() }
    : automationId
      ? { automationId }
      : {};

/**
 * A queue holds the items its reviewer could see when they were routed; should the reviewer's role change since
 * (an admin who is now a member), the rows they may no longer see are not answered.
 */
function filterVisible(page: Page<ItemSummary>, member: Member): Page<ItemSummary> {
  const items = page.items.filter((item) => canSee(member, item));
  return items.length === page.items.length ? page : { ...page, items };
}

/** GET /records/{recordType}/{recordId}/review-items: open items about that record that the caller may see. */
export async function listRecordItems(
  deps: ReadDeps,
  caller: Caller,
  record: { type: string; id: string },
  page: PageRequest,
  viewer?: Viewer,
) {
  const member = viewer ? activeOf(viewer) : await viewerOf(deps, caller);
  if (!member) return noListFor(page);
  const now = deps.clock();
  const spec: ListSpec = {
    kind: 'record',
    record: { type: record.type, id: record.id },
    scopes: scopesOf(member),
  };
  const result = await deps.store.listItems(
    caller.workspaceId,
    caller.userId,
    spec,
    page,
    isListable(member, now),
  );
  return present(result, member, now);
}

/**
 * GET /review-items/summary, for Up next: the caller's queue counts (one record kept with every queue change) and
 * the latest items, read in parallel with the membership: 3 requests whatever the queue size. An item past its
 * expiresAt that the expiry job has not marked yet is counted until the job marks it (within its schedule), and is
 * never among the latest.
 */
export async function summarize(deps: ReadDeps, caller: Caller, latestCount = 5) {
  const now = deps.clock();
  const spec: ListSpec = { kind: 'queue', userId: caller.userId };
  const [member, counts, latest] = await Promise.all([
    viewerOf(deps, caller),
    deps.store.queueCounts(caller.workspaceId, caller.userId),
    latestCount > 0
      ? deps.store.listItems(caller.workspaceId, caller.userId, spec, { limit: latestCount }, (item) =>
          isListed(item, now),
        )
      : Promise.resolve({ items: [], nextCursor: null }),
  ]);
  if (!member) return { pendingCount: 0, overdueCount: 0, byAutomation: [], latest: [] };
  return {
    pendingCount: counts.pending,
    overdueCount: counts.overdue,
    byAutomation: [...counts.byAutomation].sort(
      (a, b) => b.count - a.count || a.automationId.localeCompare(b.automationId),
    ),
    latest: filterVisible(latest, member).items.map((item) => presentItem(item, member, now)),
  };
}

/**
 * GET /automations: the automations that have proposed in the workspace, with their latest name and the open items
 * the caller may see (an admin: all; a member: workspace runs' and their own). 2 requests, 3 for a member.
 */
export async function listAutomations(deps: ReadDeps, caller: Caller, page: PageRequest) {
  const [member, result] = await Promise.all([
    viewerOf(deps, caller),
    deps.store.automations(caller.workspaceId, caller.userId, page, true),
  ]);
  if (!member) return noListFor(page);
  const admin = member.role === 'admin';
  return {
    items: result.automations.map((entry) => ({
      automationId: entry.automationId,
      automationName: entry.automationName ?? null,
      openItems: Math.max(0, admin ? (entry.openAll ?? 0) : (entry.openWorkspace ?? 0) + entry.ownOpen),
    })),
    nextCursor: result.nextCursor,
  };
}

/** The item if the caller may see it; otherwise it does not exist (404, never 403). */
export async function visibleItem(
  deps: ReadDeps,
  caller: Caller,
  itemId: string,
): Promise<{ item: ReviewItem; member: Member }> {
  const [member, item] = await Promise.all([
    deps.store.getMember(caller.workspaceId, caller.userId),
    deps.store.getItem(caller.workspaceId, itemId),
  ]);
  if (!item || !canSee(member, item)) throw new NotFoundError(`No review item ${itemId}`);
  return { item, member };
}

export async function getReviewItem(deps: ReadDeps, caller: Caller, itemId: string) {
  const { item, member } = await visibleItem(deps, caller, itemId);
  return presentOne(deps, item, member);
}

export async function getHistory(
  deps: ReadDeps,
  caller: Caller,
  itemId: string,
): Promise<{ items: HistoryEntry[] }> {
  await visibleItem(deps, caller, itemId);
  return { items: await deps.store.getHistory(caller.workspaceId, itemId) };
}

/** The item and its history, with one visibility check (the agent's get_review_item). */
export async function getItemWithHistory(deps: ReadDeps, caller: Caller, itemId: string) {
  const { item, member } = await visibleItem(deps, caller, itemId);
  const [presented, history] = await Promise.all([
    presentOne(deps, item, member),
    deps.store.getHistory(caller.workspaceId, itemId),
  ]);
  return { item: presented, history };
}

function present(page: Page<ItemSummary>, member: Member, now: Date) {
  return { items: page.items.map((item) => presentItem(item, member, now)), nextCursor: page.nextCursor };
}
