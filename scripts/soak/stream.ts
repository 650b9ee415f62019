/**
 * The table's stream as Lambda hands it to a consumer, driven step by step: the soak calls `pump` when it wants the
 * consumer to run (no timers, so a seed replays the same run). Each consumer keeps its own checkpoint per shard and
 * moves it only past what its handler finished: a handler that throws (a crash) gets the same records again on the
 * next pump, and one that reports a batch item failure gets them again from that record (ReportBatchItemFailures).
 */
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import { matchesStreamFilter } from '../../infra/local/stream-filter.js';
import { lambdaRecord } from '../../infra/local/stream-records.js';
import type { StreamFilterPattern } from '../../infra/manifest.js';

/** The manifest's batch size for both stream consumers is larger; smaller batches make more checkpoints to crash at. */
const BATCH_SIZE = 25;

export type BatchHandler = (records: DynamoDBRecord[]) => Promise<DynamoDBBatchResponse | undefined>;

export class StreamConsumerPump {
  /** Per shard, the sequence number of the last record finished. */
  private readonly positions = new Map<string, string>();
  private streamArn?: string;

  constructor(
    private readonly raw: DynamoDBClient,
    private readonly streams: DynamoDBStreamsClient,
    private readonly tableName: string,
    private readonly filter: StreamFilterPattern,
  ) {}

  /** Hands every record past the checkpoints to `handle`, batch by batch; stops at a batch that failed. */
  async pump(handle: BatchHandler): Promise<{ records: number; failed: boolean }> {
    const streamArn = await this.arn();
    const { StreamDescription } = await this.streams.send(
      new DescribeStreamCommand({ StreamArn: streamArn }),
    );
    let count = 0;
    for (const shard of StreamDescription?.Shards ?? []) {
      const shardId = shard.ShardId as string;
      const after = this.positions.get(shardId);
      let { ShardIterator: iterator } = await this.streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shardId,
          ...(after
            ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }
            : { ShardIteratorType: 'TRIM_HORIZON' }),
        }),
      );
      while (iterator) {
        const out = await this.streams.send(
          new GetRecordsCommand({ ShardIterator: iterator, Limit: BATCH_SIZE }),
        );
        const records = (out.Records ?? []).map((record) => lambdaRecord(record, streamArn));
        if (records.length === 0) break;
        const batch = records.filter((record) => matchesStreamFilter(record, this.filter));
        const response = batch.length > 0 ? await handle(batch) : undefined;
        count += batch.length;
        const failure = response?.batchItemFailures[0]?.itemIdentifier;
        if (failure !== undefined) {
          const index = records.findIndex((record) => record.dynamodb?.SequenceNumber === failure);
          const done = records[index - 1]?.dynamodb?.SequenceNumber;
          if (done) this.positions.set(shardId, done);
          return { records: count, failed: true };
        }
        this.positions.set(shardId, records.at(-1)?.dynamodb?.SequenceNumber as string);
        iterator = out.NextShardIterator;
      }
    }
    return { records: count, failed: false };
  }

  private async arn(): Promise<string> {
    if (!this.streamArn) {
      const { Table } = await this.raw.send(new DescribeTableCommand({ TableName: this.tableName }));
      if (!Table?.LatestStreamArn) throw new Error(`${this.tableName} has no stream`);
      this.streamArn = Table.LatestStreamArn;
    }
    return this.streamArn;
  }
}
