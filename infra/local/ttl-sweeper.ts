/**
 * DynamoDB's Time to Live, locally. DynamoDB Local takes the TTL setting but never deletes, so the runtime does it:
 * every record whose `ttl` (epoch seconds) is at or before the time is deleted, as AWS's background process does
 * (in AWS within a few days after; here at the next sweep). A Scan of the whole table is fine here: it stands in
 * for that process, which is no function's request (no role may Scan). The deletes reach the stream as REMOVE
 * records, which no consumer takes (the manifest's filters take INSERT).
 *
 * Under `npm start` it sweeps every few minutes as of the wall clock; tests call `sweep(at)` with the time they
 * act at (a retention of 30 days is checked by sweeping 30 days ahead).
 */
import { BatchWriteCommand, type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { TABLE } from '../table-definition.js';
import { describeError, type LocalLog } from './log.js';

/** DynamoDB's BatchWriteItem: 25 requests at most. */
const BATCH_WRITE = 25;
const SWEEP_EVERY_MS = 5 * 60_000;

export interface TtlSweeper {
  /** Deletes every record whose `ttl` is at or before `at` (default now); resolves to how many it deleted. */
  sweep(at?: Date): Promise<number>;
  stop(): void;
}

export interface TtlSweeperOptions {
  db: DynamoDBDocumentClient;
  tableName: string;
  log: LocalLog;
  /** Sweep on a timer (default true). Tests turn it off and call sweep. */
  timers?: boolean;
}

export function startTtlSweeper(options: TtlSweeperOptions): TtlSweeper {
  const { db, tableName, log } = options;
  const { partitionKey, sortKey, ttlAttribute } = TABLE;

  async function sweep(at: Date = new Date()): Promise<number> {
    const now = Math.floor(at.getTime() / 1000);
    let deleted = 0;
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await db.send(
        new ScanCommand({
          TableName: tableName,
          FilterExpression: '#ttl <= :now',
          ProjectionExpression: '#pk, #sk',
          ExpressionAttributeNames: { '#ttl': ttlAttribute, '#pk': partitionKey, '#sk': sortKey },
          ExpressionAttributeValues: { ':now': now },
          ExclusiveStartKey,
        }),
      );
      const keys = page.Items ?? [];
      for (let start = 0; start < keys.length; start += BATCH_WRITE) {
        let requests = keys.slice(start, start + BATCH_WRITE).map((Key) => ({ DeleteRequest: { Key } }));
        while (requests.length > 0) {
          const out = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
          requests = (out.UnprocessedItems?.[tableName] ?? []) as typeof requests;
        }
      }
      deleted += keys.length;
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    if (deleted > 0) log.debug(`deleted ${deleted} record(s) whose ttl passed`);
    return deleted;
  }

  let running = false;
  const timer =
    (options.timers ?? true)
      ? setInterval(() => {
          if (running) return;
          running = true;
          sweep()
            .catch((error) => log.error(`ttl sweep failed: ${describeError(error)}`))
            .finally(() => {
              running = false;
            });
        }, SWEEP_EVERY_MS)
      : undefined;
  timer?.unref();

  return { sweep, stop: () => clearInterval(timer) };
}
