/**
 * The delegation job (spec 3, Delegation): brings a delegating member's open items in line with their delegation.
 * A PUT or DELETE of /me/delegation leaves a job due at once; the job walks the member's queue a page at a time
 * (their queue partition: exactly their open items), and each item whose delegate, or away mark, must change is one
 * conditional item change like a reassignment (history `reassigned` with reason delegation, `Review Item
 * Reassigned`; or `marked_away`). Its place in the queue is saved after every page, so a walk that stops (a timeout,
 * a crash) resumes there, and a newer change of the same delegation replaces the job and the older walk stops.
 * When the walk ends, an active delegation's job is due again at `until`, when the same walk takes the delegate
 * off what the delegation added.
 *
 * Nothing hot: an item change writes only its own item's records (its queue entries, its history with the change's
 * tally); the queue counters move through the tallies (docs/table-design.md, "Counters out of the transaction"),
 * and the job's own record is written once per page. Requests: the member and delegate (2 per job), then per page a
 * Query and a BatchGetItem, and one transaction per item that changes.
 */
import { activeDelegation, type Cover, reconcileDelegation, withMarks } from '../domain/delegation.js';
import { stampAfter } from '../domain/lifecycle.js';
import { historyEntry, isOpen, type ReviewItem } from '../domain/review-item.js';
import { itemEvent } from '../events/out-events.js';
import type { Deps } from './deps.js';
import type { DelegationJob } from './ports.js';

/** Queue entries read at a time: their items are read in one BatchGetItem. */
export const DELEGATION_PAGE = 50;
/** Item changes in flight at once within a page. */
const IN_FLIGHT = 8;
/** Jobs one run takes from the due list. */
const JOBS_PER_RUN = 25;
/** Pages one run walks in all, so it ends well within the function's timeout; the rest waits for the next run. */
export const PAGES_PER_RUN = 100;
/** Attempts at one item that keeps changing under the job (a reviewer acting at the same time). */
const ITEM_ATTEMPTS = 4;

export interface DelegationRun {
  jobs: number;
  pages: number;
  changed: number;
}

export async function runDelegationJobs(
  deps: Deps,
  options: { pages?: number } = {},
): Promise<DelegationRun> {
  const now = deps.clock();
  const run: DelegationRun = { jobs: 0, pages: 0, changed: 0 };
  const budget = options.pages ?? PAGES_PER_RUN;
  for (const due of await deps.store.dueDelegationJobs(now.toISOString(), JOBS_PER_RUN)) {
    if (run.pages >= budget) break;
    // The due index lags the table: the job as it stands now, and only if it still serves the same change.
    const job = await deps.store.getDelegationJob(due.workspaceId, due.userId);
    if (!job || job.jobId !== due.jobId || Date.parse(job.dueAt) > now.getTime()) continue;
    run.jobs += 1;
    await walk(deps, job, now, run, budget);
  }
  return run;
}

async function walk(deps: Deps, job: DelegationJob, now: Date, run: DelegationRun, budget: number) {
  const { workspaceId, userId } = job;
  const member = await deps.store.getMember(workspaceId, userId);
  const delegation = activeDelegation(member, now);
  const delegate = delegation ? await deps.store.getMember(workspaceId, delegation.delegateTo) : undefined;
  const cover: Cover | undefined = delegation ? { memberId: userId, delegation, delegate } : undefined;

  let cursor = job.cursor;
  for (;;) {
    const page = await deps.store.queuePage(workspaceId, userId, cursor, DELEGATION_PAGE);
    const items = page.itemIds.length > 0 ? await deps.store.getItems(workspaceId, page.itemIds) : [];
    for (let start = 0; start < items.length; start += IN_FLIGHT) {
      const changes = await Promise.all(
        items.slice(start, start + IN_FLIGHT).map((item) => reconcileItem(deps, item, userId, cover, now)),
      );
      run.changed += changes.filter(Boolean).length;
    }
    run.pages += 1;
    cursor = page.next;
    if (!cursor) break;
    // Progress is saved page by page; a newer delegation change replaced the job: its own walk does the rest.
    if (!(await deps.store.saveDelegationJob({ ...job, cursor }))) return;
    if (run.pages >= budget) return;
  }
  if (delegation) await deps.store.saveDelegationJob({ ...job, cursor: null, dueAt: delegation.until });
  else await deps.store.finishDelegationJob(job);
}

/** One item in line with the member's delegation: true when it changed. A lost race reads the item again. */
export async function reconcileItem(
  deps: Deps,
  read: ReviewItem,
  memberId: string,
  cover: Cover | undefined,
  now: Date,
): Promise<boolean> {
  let item: ReviewItem | undefined = read;
  for (let attempt = 0; item && attempt < ITEM_ATTEMPTS; attempt++) {
    if (!isOpen(item.status)) return false;
    const change = reconcileDelegation(item, memberId, cover);
    if (!change) return false;
    const before: ReviewItem = item;
    const added = change.reviewers.filter((u) => !before.reviewers.includes(u));
    const removed = before.reviewers.filter((u) => !change.reviewers.includes(u));
    const after: ReviewItem = {
      ...withMarks(before, change),
      version: before.version + 1,
      updatedAt: stampAfter(before.updatedAt, now.toISOString()),
    };
    const actor = { kind: 'system' as const, reason: 'delegation' };
    const reassigned = added.length > 0 || removed.length > 0;
    const changed = await deps.store.changeItemIfCurrent({
      before,
      after,
      entry: historyEntry(after, reassigned ? 'reassigned' : 'marked_away', actor, {
        detail: {
          reason: 'delegation',
          delegatedBy: memberId,
          ...(reassigned
            ? { added: added.join(','), removed: removed.join(','), reviewers: change.reviewers.join(',') }
            : { away: change.away.map((mark) => `${mark.userId} until ${mark.until}`).join(',') }),
        },
      }),
      events: reassigned
        ? [
            itemEvent('Review Item Reassigned', after, actor, {
              added,
              removed,
              reviewers: change.reviewers,
              reason: 'delegation',
              delegatedBy: memberId,
            }),
          ]
        : [],
    });
    if (changed) return true;
    item = await deps.store.getItem(read.workspaceId, read.id);
  }
  return false;
}
