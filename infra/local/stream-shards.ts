/**
 * Shard discovery for the stream reader: the stream's shards as DescribeStream lists them, each with where one
 * consumer stands in it, and their lineage (a child shard is read only once its parent has been read to its end,
 * so the records of one key stay in order across a split).
 */
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import type { ConsumerCheckpoint } from './stream-checkpoints.js';

export interface QueuedRecord {
  record: DynamoDBRecord;
  sequenceNumber: string;
  matches: boolean;
}

export interface ShardState {
  id: string;
  parentId: string | undefined;
  iterator: string | undefined;
  /** Sequence number of the last record read into the queue (where a re-acquired iterator starts). */
  lastRead: string | undefined;
  /** Read, not yet done with, in stream order (non-matching records included, so checkpoints can pass them). */
  queue: QueuedRecord[];
  firstQueuedAt: number;
  /** GetRecords answered no next iterator: a closed shard read to its end. */
  ended: boolean;
  /** Ended, and every record done. */
  done: boolean;
  /** Failed invocations of the batch at the head of the queue. */
  failedAttempts: number;
  /** Batches to invoke next, as they are (a bisected batch, the rest of a partial failure). */
  planned: QueuedRecord[][];
}

type SavedShard = ConsumerCheckpoint['shards'][string];

/** Every shard of the stream, through DescribeStream's pages. */
export async function listShards(
  client: DynamoDBStreamsClient,
  streamArn: string,
  signal: AbortSignal,
): Promise<Shard[]> {
  const listed: Shard[] = [];
  let exclusiveStartShardId: string | undefined;
  do {
    const { StreamDescription } = await client.send(
      new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: exclusiveStartShardId }),
      { abortSignal: signal },
    );
    listed.push(...(StreamDescription?.Shards ?? []));
    exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
  } while (exclusiveStartShardId);
  return listed;
}

/** One consumer's shards, as the stream last listed them. */
export class ConsumerShards {
  private readonly shards = new Map<string, ShardState>();

  get size(): number {
    return this.shards.size;
  }

  /**
   * Takes a listing of the stream: a shard new to the consumer starts after its checkpoint (`saved`), else at
   * TRIM_HORIZON. A shard no longer listed is past the stream's trim horizon and is forgotten, unless records
   * read from it still wait. Answers the ids forgotten, whose checkpoints can go too.
   */
  update(listed: Shard[], saved: (shardId: string) => SavedShard | undefined): string[] {
    const ids = new Set<string>();
    for (const shard of listed) {
      if (!shard.ShardId) continue;
      ids.add(shard.ShardId);
      if (this.shards.has(shard.ShardId)) continue;
      const position = saved(shard.ShardId);
      this.shards.set(shard.ShardId, {
        id: shard.ShardId,
        parentId: shard.ParentShardId,
        iterator: undefined,
        lastRead: position?.after,
        queue: [],
        firstQueuedAt: 0,
        ended: position?.ended === true,
        done: position?.ended === true,
        failedAttempts: 0,
        planned: [],
      });
    }
    const forgotten: string[] = [];
    for (const id of this.shards.keys()) {
      if (ids.has(id) || this.shards.get(id)?.queue.length) continue;
      this.shards.delete(id);
      forgotten.push(id);
    }
    return forgotten;
  }

  /** The shards not done whose parent is done (or unknown), leaving out those in `skip`. */
  readable(skip: ReadonlySet<string>): ShardState[] {
    return [...this.shards.values()].filter(
      (shard) => !shard.done && !skip.has(shard.id) && this.parentDone(shard),
    );
  }

  private parentDone(shard: ShardState): boolean {
    if (shard.parentId === undefined) return true;
    const parent = this.shards.get(shard.parentId);
    return parent === undefined || parent.done;
  }
}
