/**
 * The `due` index's partitions: what the scheduled jobs read. A kind of due work (`DUE#EXPIRY`, `DUE#DELEGATION`,
 * ...) is spread over `DUE_SHARDS` partitions by a hash of the row's owner (the workspace and item, or the workspace
 * and member), so no one partition takes every workspace's writes: one workspace's burst of expiring drafts lands
 * an eighth in each, and the index takes eight partitions' write rate before it throttles anyone
 * (docs/table-design.md, "Which partitions one workspace can make hot"). A job reads every shard in parallel.
 */
import { sha256Shard } from '../key-parts.js';
import type { Attributes, Table } from '../table.js';

export const DUE_SHARDS = 8;

const shardOf = (owner: string): number => sha256Shard(owner, DUE_SHARDS);

/** The partition of a row of `kindKey` (e.g. `DUE#EXPIRY`) owned by `owner` (its workspace and item or member). */
export const dueShardKey = (kindKey: string, owner: string): string => `${kindKey}#${shardOf(owner)}`;

/**
 * Every partition of a kind: its shards, and the unsharded key rows written before the shards were (they move to
 * their shard at their next write, and leave the index when their work is done).
 */
export const duePartitions = (kindKey: string): string[] => [
  kindKey,
  ...Array.from({ length: DUE_SHARDS }, (_, shard) => `${kindKey}#${shard}`),
];

/**
 * The earliest `limit` rows of a kind due by `until`: one Query per partition, in parallel, merged by due time. A
 * run needs the same requests whatever the number of due rows; each row read is due.
 */
export async function queryDue(
  table: Table,
  kindKey: string,
  until: string,
  limit: number,
): Promise<Attributes[]> {
  const pages = await Promise.all(
    duePartitions(kindKey).map((pk) =>
      table.query({
        IndexName: 'due',
        KeyConditionExpression: 'duePk = :pk AND dueSk <= :until',
        ExpressionAttributeValues: { ':pk': pk, ':until': `${until}#~` },
        Limit: limit,
      }),
    ),
  );
  return pages
    .flatMap((page) => page.Items ?? [])
    .sort((a, b) => (String(a.dueSk) < String(b.dueSk) ? -1 : String(a.dueSk) > String(b.dueSk) ? 1 : 0))
    .slice(0, limit);
}
