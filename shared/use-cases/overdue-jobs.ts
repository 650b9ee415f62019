/**
 * The overdue and escalation job (spec 3, "Overdue and escalation"), every minute. For each workspace of the jobs'
 * registry it reads, under the workspace's settings as they are now, only the open items whose wait has passed a
 * limit: the `waiting` index holds the open items still to be marked, by stage, oldest first by creation, so a
 * query up to `now - limit` answers exactly the due ones (docs/table-design.md, "Overdue and escalation"). A
 * settings change therefore reaches the pending items at the next run, with nothing rewritten.
 *
 * Each mark is one conditional change of the item (its version and status as read: a reviewer's action that came
 * first wins, and a decided item is never marked), with its history entry and event; the overdue counts follow from
 * the change's tally. Escalation adds the escalation reviewers who can see the item, within the 16-reviewer bound,
 * as reviewers added by hand are (a replacement keeps them); an item none of them can see is only marked.
 *
 * Requests: the registry (one Query per shard) and the settings (one BatchGetItem per 100 workspaces) per run; per
 * workspace a Query per stage its settings ask for (at most 3) and, when it escalates, the admins (one Query) or the
 * named users (one BatchGetItem); per due item one TransactWriteItems per mark. The function's run also does each
 * workspace's retention on the same reads (`runWorkspaceJobs`, retention.ts).
 */
import { escalated, markedOverdue } from '../domain/lifecycle.js';
import { historyEntry, isOpen, type Member, type ReviewItem } from '../domain/review-item.js';
import { canSee, MAX_REVIEWERS } from '../domain/routing.js';
import type { WorkspaceSettings } from '../domain/settings.js';
import { itemEvent } from '../events/out-events.js';
import type { Deps } from './deps.js';
import type { WaitStage } from './ports.js';
import { emptyRetentionOutcome, expireDecidedOf, type RetentionOutcome } from './retention.js';

const PAGE = 100;
/** Settings read per request (BatchGetItem's 100 keys). */
const SETTINGS_BATCH = 100;
/** Pages of one stage per workspace and run: a burst's backlog is worked off over a few runs. */
const MAX_PAGES = 20;

export interface OverdueOutcome {
  workspaces: number;
  overdue: number;
  escalated: number;
}

const actor = (reason: string) => ({ kind: 'system' as const, reason });

export async function markOverdueItems(deps: Deps): Promise<OverdueOutcome> {
  const now = deps.clock();
  const outcome: OverdueOutcome = { workspaces: 0, overdue: 0, escalated: 0 };
  await visitWorkspaces(deps, async (workspaceId, settings) => {
    outcome.workspaces += 1;
    await markWorkspace(deps, workspaceId, settings, now, outcome);
  });
  return outcome;
}

/**
 * The every-minute run of the workspaces' jobs (`mark-overdue-items`): each workspace's overdue and escalation
 * marks, then its retention (retention.ts), on one read of the registry and the settings.
 */
export async function runWorkspaceJobs(
  deps: Deps,
): Promise<OverdueOutcome & { retention: RetentionOutcome }> {
  const now = deps.clock();
  const outcome: OverdueOutcome = { workspaces: 0, overdue: 0, escalated: 0 };
  const retention = emptyRetentionOutcome();
  await visitWorkspaces(deps, async (workspaceId, settings) => {
    outcome.workspaces += 1;
    await markWorkspace(deps, workspaceId, settings, now, outcome);
    await expireDecidedOf(deps, workspaceId, settings, now, retention);
  });
  return { ...outcome, retention };
}

/** Every workspace of the jobs' registry with its settings: the registry's shards, then 100 settings a request. */
async function visitWorkspaces(
  deps: Deps,
  visit: (workspaceId: string, settings: WorkspaceSettings) => Promise<void>,
): Promise<void> {
  const workspaces = await deps.store.registeredWorkspaces();
  for (let start = 0; start < workspaces.length; start += SETTINGS_BATCH) {
    const chunk = workspaces.slice(start, start + SETTINGS_BATCH);
    const settings = await deps.store.settingsOf(chunk);
    for (const workspaceId of chunk) {
      const ofWorkspace = settings.get(workspaceId);
      if (ofWorkspace) await visit(workspaceId, ofWorkspace);
    }
  }
}

/** When an item created at `createdAt` passes a limit of `minutes`. */
const passedAt = (createdAt: string, minutes: number) => Date.parse(createdAt) + minutes * 60_000;

async function markWorkspace(
  deps: Deps,
  workspaceId: string,
  settings: WorkspaceSettings,
  now: Date,
  outcome: OverdueOutcome,
): Promise<void> {
  const overdueAfter = settings.overdueAfterMinutes;
  const escalateAfter = settings.escalateAfterMinutes;
  const createdBefore = (minutes: number) => new Date(now.getTime() - minutes * 60_000).toISOString();
  // Which stage holds items due for which mark: unmarked items for the first limit they pass; overdue items for
  // escalation; items escalated (while no overdue limit was set) for the overdue mark.
  const reads: [WaitStage, string][] = [];
  const limits = [overdueAfter, escalateAfter].filter((m): m is number => m !== null);
  if (limits.length > 0) reads.push(['fresh', createdBefore(Math.min(...limits))]);
  if (escalateAfter !== null) reads.push(['overdue', createdBefore(escalateAfter)]);
  if (overdueAfter !== null) reads.push(['escalated', createdBefore(overdueAfter)]);

  let escalation: EscalationReviewers | undefined;
  for (const [stage, createdUntil] of reads) {
    let after: Record<string, unknown> | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const read = await deps.store.waiting(workspaceId, stage, createdUntil, { limit: PAGE, after });
      for (let item of read.items) {
        // The index is eventually consistent: an item decided or marked meanwhile is left as it is.
        if (!isOpen(item.status)) continue;
        if (
          overdueAfter !== null &&
          !item.overdue &&
          passedAt(item.createdAt, overdueAfter) <= now.getTime()
        ) {
          const marked = await markOverdue(deps, item, overdueAfter, now);
          if (!marked) continue;
          item = marked;
          outcome.overdue += 1;
        }
        if (
          escalateAfter !== null &&
          !item.escalated &&
          passedAt(item.createdAt, escalateAfter) <= now.getTime()
        ) {
          escalation ??= await escalationReviewers(deps, workspaceId, settings);
          if (await escalate(deps, item, escalation, now)) outcome.escalated += 1;
        }
      }
      after = read.after;
      if (!after) break;
    }
  }
}

async function markOverdue(
  deps: Deps,
  item: ReviewItem,
  overdueAfter: number,
  now: Date,
): Promise<ReviewItem | undefined> {
  const since = new Date(passedAt(item.createdAt, overdueAfter)).toISOString();
  const after = markedOverdue(item, since, now.toISOString());
  const by = actor('overdueAfterMinutes passed');
  const changed = await deps.store.changeItemIfCurrent({
    before: item,
    after,
    entry: historyEntry(after, 'overdue', by, { detail: { since } }),
    events: [
      itemEvent('Review Item Overdue', after, by, { overdueSince: since, reviewers: after.reviewers }),
    ],
  });
  return changed ? after : undefined;
}

/** The escalation reviewers of a workspace, read once per run: who they are, and whether each may see an item. */
interface EscalationReviewers {
  userIds: string[];
  /** The named users' member records (admins see every item: none needed). */
  members?: Map<string, Member>;
}

async function escalationReviewers(
  deps: Deps,
  workspaceId: string,
  settings: WorkspaceSettings,
): Promise<EscalationReviewers> {
  if (settings.escalateTo === 'admins') return { userIds: await deps.store.activeAdmins(workspaceId) };
  const { userIds } = settings.escalateTo;
  const found = await deps.store.candidates(workspaceId, userIds, []);
  // candidates() also answers mailbox matches (changedAt ''): only the member records themselves count here.
  return { userIds, members: new Map(found.filter((m) => m.changedAt !== '').map((m) => [m.userId, m])) };
}

async function escalate(
  deps: Deps,
  item: ReviewItem,
  reviewers: EscalationReviewers,
  now: Date,
): Promise<boolean> {
  const mayAdd = (userId: string) =>
    !item.reviewers.includes(userId) &&
    (reviewers.members === undefined || canSee(reviewers.members.get(userId), item));
  const added = reviewers.userIds.filter(mayAdd).slice(0, Math.max(0, MAX_REVIEWERS - item.reviewers.length));
  const after = escalated(item, added, now.toISOString());
  const by = actor('escalateAfterMinutes passed');
  return deps.store.changeItemIfCurrent({
    before: item,
    after,
    entry: historyEntry(after, 'escalated', by, {
      detail: { added: added.join(','), reviewers: after.reviewers.join(',') },
    }),
    events: [itemEvent('Review Item Escalated', after, by, { added, reviewers: after.reviewers })],
  });
}
