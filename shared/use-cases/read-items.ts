/**
 * Read side: the queue, the workspace's open items, one item, its history, a record's items, the summary.
 * Visibility is `canSee` (shared/domain/routing.ts), applied to every row that leaves here: the one rule.
 */
import { canTake, statusAt } from '../domain/lifecycle.js';
import type { HistoryEntry, Member, ReviewItem, ReviewStatus } from '../domain/review-item.js';
import { canSee, hasMailbox } from '../domain/routing.js';
import type { ListQuery } from '../domain/schemas.js';
import { NotFoundError } from '../errors.js';
import type { Caller } from '../http/request.js';
import type { ItemSummary, Page, PageRequest } from '../store/review-store.js';
import type { ReviewStorePort } from './ports.js';

export interface ReadDeps {
  store: ReviewStorePort;
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
    canEdit: mayAct && canTake('edit', status),
    canApprove: mayAct && canTake('claim', status) && hasMailbox(member, item.draft.from),
    canDismiss: mayAct && canTake('dismiss', status),
  };
}

/** The item as the API answers it (SPEC 4). */
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
    },
    reviewers: item.reviewers,
    permissions: permissionsOf(item, member, now),
    proposedAt: item.proposedAt,
    expiresAt: item.expiresAt ?? null,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    decision: item.decision,
    lastSendError: item.lastSendError ?? null,
  };
}
export type PresentedItem = ReturnType<typeof presentItem>;

const isListable = (member: Member, now: Date) => (item: ItemSummary) =>
  canSee(member, item) && effectiveStatus(item, now) !== 'expired';

/** The caller as a member who may see anything at all, or undefined (unknown or inactive). */
async function viewerOf(deps: ReadDeps, caller: Caller): Promise<Member | undefined> {
  const member = await deps.store.getMember(caller.workspaceId, caller.userId);
  return member?.active ? member : undefined;
}

const emptyPage = { items: [], nextCursor: null };

/** GET /review-items: the caller's queue (scope=mine) or every open item the caller may see (scope=workspace). */
export async function listReviewItems(deps: ReadDeps, caller: Caller, query: ListQuery) {
  const member = await viewerOf(deps, caller);
  if (!member) return emptyPage;
  const now = deps.clock();
  const page: PageRequest = { limit: query.limit, cursor: query.cursor };
  const accept = isListable(member, now);
  let result: Page<ItemSummary>;
  if (query.scope === 'mine') {
    result = await deps.store.listQueue(caller.workspaceId, caller.userId, page, accept, query.automationId);
  } else {
    result = await deps.store.listOpen(
      caller.workspaceId,
      page,
      accept,
      workspaceFilter(member, query.automationId),
    );
  }
  return present(result, member, now);
}

/**
 * For a non-admin, the index read is narrowed in DynamoDB to the runs they may see (workspace runs and their
 * own); `canSee` still decides in memory.
 */
function workspaceFilter(member: Member, automationId?: string) {
  const parts: string[] = [];
  const values: Record<string, unknown> = {};
  const names: Record<string, string> = {};
  if (member.role !== 'admin') {
    parts.push('(origin.executedAs.#kind = :wsKind OR origin.executedAs.userId = :me)');
    names['#kind'] = 'kind';
    values[':wsKind'] = 'workspace';
    values[':me'] = member.userId;
  }
  if (automationId) {
    parts.push('origin.automationId = :automationId');
    values[':automationId'] = automationId;
  }
  if (parts.length === 0) return undefined;
  return { expression: parts.join(' AND '), values, ...(Object.keys(names).length ? { names } : {}) };
}

/** GET /records/{recordType}/{recordId}/review-items: open items about that record that the caller may see. */
export async function listRecordItems(
  deps: ReadDeps,
  caller: Caller,
  record: { type: string; id: string },
  page: PageRequest,
) {
  const member = await viewerOf(deps, caller);
  if (!member) return emptyPage;
  const now = deps.clock();
  const result = await deps.store.listOpen(caller.workspaceId, page, isListable(member, now), {
    expression: 'contains(recordKeys, :record)',
    values: { ':record': `${record.type}#${record.id}` },
  });
  return present(result, member, now);
}

/** GET /review-items/summary: for Up next. */
export async function summarize(deps: ReadDeps, caller: Caller, latestCount = 5) {
  const member = await viewerOf(deps, caller);
  if (!member) return { pendingCount: 0, byAutomation: [], latest: [] };
  const now = deps.clock();
  const items = (await deps.store.listWholeQueue(caller.workspaceId, caller.userId)).filter(
    isListable(member, now),
  );
  const byAutomation = new Map<
    string,
    { automationId: string; automationName: string | null; count: number }
  >();
  for (const item of items) {
    const { automationId, automationName } = item.origin;
    const entry = byAutomation.get(automationId) ?? {
      automationId,
      automationName: automationName ?? null,
      count: 0,
    };
    entry.count += 1;
    byAutomation.set(automationId, entry);
  }
  return {
    pendingCount: items.length,
    byAutomation: [...byAutomation.values()].sort(
      (a, b) => b.count - a.count || a.automationId.localeCompare(b.automationId),
    ),
    latest: items.slice(0, latestCount).map((item) => presentItem(item, member, now)),
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
  return presentItem(item, member, deps.clock());
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
  const history = await deps.store.getHistory(caller.workspaceId, itemId);
  return { item: presentItem(item, member, deps.clock()), history };
}

function present(page: Page<ItemSummary>, member: Member, now: Date) {
  return { items: page.items.map((item) => presentItem(item, member, now)), nextCursor: page.nextCursor };
}
