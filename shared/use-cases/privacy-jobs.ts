/**
 * The privacy job (spec 3, "Data lifecycle"; every minute): works off the running erasures. An erasure walks its
 * workspace's items through the tenant index's 16 shards, 100 items a page (a Query of keys, a BatchGetItem of the
 * items), erases each item that names the address or is about the record (repositories/privacy.ts), and saves the
 * position reached and the counts after every page: a run that stops (its time is up, a crash) resumes there at the
 * next run. When every shard is walked it finishes: the target dropped, an audit entry, `Privacy Erasure Completed`.
 *
 * **Decided:** an erasure erases the matching items created up to its request (`createdAt` ≤ `requestedAt`), open or
 * decided, as they stand when the walk reaches them: a replacement or a change of such an item while it runs is erased
 * too, since it keeps the item's id and creation. An item a proposal creates after the request is new processing and
 * is kept (another erasure erases it), so what an erasure removes never depends on how fast its walk went.
 *
 * A workspace deletion walks the same shards for every record of the workspace, 1,000 keys a page (a Query of the
 * keys, BatchWriteItem deletes of 25), saving its position after each page, and passes again until a pass finds
 * nothing; then the workspace leaves the jobs' registry and its deletion record (`AUDIT#<ws>`) is the audit.
 *
 * Nothing hot: each erased item is its own transaction on its own records; the queue and open counts of an open item
 * move through its tally; the erasure's record is written once per page by the one walker.
 */
import { type Erasure, itemMatches, newPositions, type WorkspaceDeletion } from '../domain/erasure.js';
import type { OutEvent } from '../events/out-events.js';
import type { Deps } from './deps.js';

/** Items read at a time: one Query and one BatchGetItem. */
export const ERASURE_PAGE = 100;
/** Erasures one run takes. */
const ERASURES_PER_RUN = 10;
/** How long a run walks before it leaves the rest to the next one, well within the function's timeout. */
const RUN_BUDGET_MS = 10 * 60 * 1000;

/** Keys deleted at a time by a workspace deletion: one Query, 40 BatchWriteItem requests. */
export const DELETION_PAGE = 1000;

export interface PrivacyRun {
  erasures: number;
  deletions: number;
  completed: number;
  pages: number;
  itemsErased: number;
  recordsDeleted: number;
}

/** `pages`: at most this many pages in the run (the rest waits for the next run, as when its time is up). */
export async function runPrivacyJobs(
  deps: Deps,
  limits: { budgetMs?: number; pages?: number } = {},
): Promise<PrivacyRun> {
  const stopAt = Date.now() + (limits.budgetMs ?? RUN_BUDGET_MS);
  const maxPages = limits.pages ?? Number.POSITIVE_INFINITY;
  const run: PrivacyRun = {
    erasures: 0,
    deletions: 0,
    completed: 0,
    pages: 0,
    itemsErased: 0,
    recordsDeleted: 0,
  };
  const more = () => Date.now() <= stopAt && run.pages < maxPages;
  const { deletions, erasures } = await deps.store.duePrivacyWork(ERASURES_PER_RUN);
  for (const deletion of deletions) {
    run.deletions += 1;
    if (await walkDeletion(deps, deletion, run, more)) run.completed += 1;
  }
  for (const erasure of erasures) {
    run.erasures += 1;
    if (await walkErasure(deps, erasure, run, more)) run.completed += 1;
  }
  return run;
}

/** Deletes the workspace's records on from where the walk stands; true when a whole pass found nothing. */
async function walkDeletion(
  deps: Deps,
  deletion: WorkspaceDeletion,
  run: PrivacyRun,
  more: () => boolean,
): Promise<boolean> {
  for (;;) {
    for (let shard = 0; shard < deletion.positions.length; shard++) {
      while (deletion.positions[shard] !== 'done') {
        if (!more()) return false;
        const position = deletion.positions[shard];
        const page = await deps.store.deleteTenantPage(
          deletion.workspaceId,
          shard,
          position && position !== 'done' ? position : undefined,
          DELETION_PAGE,
        );
        deletion.pass.deleted += page.deleted;
        deletion.recordsDeleted += page.deleted;
        run.recordsDeleted += page.deleted;
        deletion.positions[shard] = page.next ?? 'done';
        run.pages += 1;
        await deps.store.saveDeletion(deletion);
      }
    }
    if (deletion.pass.deleted === 0) break;
    deletion.positions = newPositions();
    deletion.pass = { number: deletion.pass.number + 1, deleted: 0 };
    await deps.store.saveDeletion(deletion);
  }
  deletion.status = 'completed';
  deletion.completedAt = deps.clock().toISOString();
  await deps.store.saveDeletion(deletion);
  return true;
}

/** Walks the erasure on from where it stands; true when it finished. */
async function walkErasure(
  deps: Deps,
  erasure: Erasure,
  run: PrivacyRun,
  more: () => boolean,
): Promise<boolean> {
  const { target } = erasure;
  if (!target) throw new Error(`Erasure ${erasure.id} is running without its target`);
  for (let shard = 0; shard < erasure.positions.length; shard++) {
    while (erasure.positions[shard] !== 'done') {
      if (!more()) return false;
      const position = erasure.positions[shard];
      const page = await deps.store.tenantItemsPage(
        erasure.workspaceId,
        shard,
        position && position !== 'done' ? position : undefined,
        ERASURE_PAGE,
      );
      for (const item of page.items) {
        erasure.counts.itemsChecked += 1;
        if (item.createdAt > erasure.requestedAt || !itemMatches(item, target)) continue;
        const deleted = await deps.store.eraseItem(item, erasure.id, deps.clock());
        if (deleted === 0) continue;
        erasure.counts.itemsErased += 1;
        erasure.counts.recordsDeleted += deleted;
        run.itemsErased += 1;
      }
      erasure.positions[shard] = page.next ?? 'done';
      run.pages += 1;
      await deps.store.saveErasure(erasure);
    }
  }
  const at = deps.clock();
  erasure.status = 'completed';
  erasure.completedAt = at.toISOString();
  await deps.store.completeErasure(erasure, completedEvent(erasure), at);
  return true;
}

function completedEvent(erasure: Erasure): OutEvent {
  return {
    detailType: 'Privacy Erasure Completed',
    detail: {
      workspaceId: erasure.workspaceId,
      erasureId: erasure.id,
      scope: erasure.scope,
      requestedBy: erasure.requestedBy,
      ...erasure.counts,
      at: erasure.completedAt,
    },
  };
}
