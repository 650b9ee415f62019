/**
 * Retention (spec 3, "Data lifecycle"): a decided item, its history and its dismiss note are deleted
 * `retentionDays` after the decision. The every-minute run of the workspaces' jobs (overdue-jobs.ts
 * `runWorkspaceJobs`) visits each workspace of the jobs' registry under its settings as they are now and reads, from
 * one shard of the sparse `decided` index in turn (8 shards: each is read every 8 minutes), only the items whose
 * retention ends within the next day; it stamps each one's records with `ttl` = decision + `retentionDays`, and
 * DynamoDB's TTL deletes them (locally the runtime's sweeper, infra/local/ttl-sweeper.ts). A stamped item leaves the
 * index, so each item is read once.
 *
 * A settings change needs no rewrite: a shorter retention moves the bound back at the next runs, which read only the
 * items that now end within a day; a longer one moves it forward, and items not yet stamped wait for it. An item
 * stamped already (its end under the old settings less than a day away) keeps its stamp (docs/table-design.md,
 * "Retention").
 *
 * Requests per workspace and run: one Query of the turn's shard (more pages only when more items are due); per
 * expiring item one Query of its partition and one TransactWriteItems per 100 records (one, unless its history
 * passes 97 entries).
 */
import type { WorkspaceSettings } from '../domain/settings.js';
import type { Deps } from './deps.js';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** Items read per page. */
const PAGE = 100;
/**
 * Items visited per run, all workspaces together, so the run stays well within its timeout: a backlog (a retention
 * shortened by years) is worked off over the following minutes, 500 a minute.
 */
const ITEMS_PER_RUN = 500;

export interface RetentionOutcome {
  /** Items read from the index this run. */
  visited: number;
  /** Items whose records were given their expiry. */
  stamped: number;
  /** Records stamped, the items' included. */
  records: number;
}

export const emptyRetentionOutcome = (): RetentionOutcome => ({ visited: 0, stamped: 0, records: 0 });

/** When a decided item's records expire: `retentionDays` after the decision, in epoch seconds (DynamoDB's TTL). */
const expiryOf = (decidedAt: string, retentionDays: number): number =>
  Math.floor((Date.parse(decidedAt) + retentionDays * DAY_MS) / 1000);

/** One workspace's retention at a run: the shard of the run's minute, up to a day ahead of now. */
export async function expireDecidedOf(
  deps: Deps,
  workspaceId: string,
  settings: WorkspaceSettings,
  now: Date,
  outcome: RetentionOutcome,
): Promise<void> {
  const { retentionDays } = settings;
  const turn = Math.floor(now.getTime() / MINUTE_MS);
  // Every item whose retention ends before the next day is over, under the settings as they are now.
  const decidedUntil = new Date(now.getTime() + DAY_MS - retentionDays * DAY_MS).toISOString();
  let after: Record<string, unknown> | undefined;
  while (outcome.visited < ITEMS_PER_RUN) {
    const limit = Math.min(PAGE, ITEMS_PER_RUN - outcome.visited);
    const read = await deps.store.decidedItems(workspaceId, turn, decidedUntil, { limit, after });
    for (const { itemId, decidedAt } of read.items) {
      outcome.visited += 1;
      const result = await deps.store.stampExpiry(workspaceId, itemId, expiryOf(decidedAt, retentionDays));
      if (result.stamped > 0) {
        outcome.stamped += 1;
        outcome.records += result.stamped;
      }
    }
    after = read.after;
    if (!after) break;
  }
}
