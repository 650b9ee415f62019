/**
 * Counters in integration tests. A change's counters are counted from its tally, read from the table's stream by
 * apply-tallies (shared/store/tallies.ts): in AWS and under `npm start` shortly after the change commits. A test that
 * drives the use cases directly has no stream consumer running, so it settles the tallies itself before it reads a
 * counter: `settleTallies` reads what the table's stream holds since the last call, through the real Streams API
 * (the table needs its stream: `createTestTable(prefix, { stream: true })`), and counts it with the very code
 * apply-tallies runs. Its requests go through a client of its own, so request counts of the operation under test
 * stay what they are.
 *
 * `SettlingStore` is the store with that step before each counter read (queue counts, automation entries, review
 * stats, review feedback): what a reader sees once the stream has caught up.
 */
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../infra/local/aws-identity.js';
import { localClient } from '../../infra/local/dynamodb-local.js';
import { matchesStreamFilter } from '../../infra/local/stream-filter.js';
import { lambdaRecord } from '../../infra/local/stream-records.js';
import { TALLY_STREAM_FILTER } from '../../infra/manifest.js';
import { createDocumentClient } from '../../shared/aws-clients.js';
import { ReviewStore } from '../../shared/store/review-store.js';
import { Table } from '../../shared/store/table.js';
import { applyTallies, type TallyOutcome, talliesOfRecords } from '../../shared/store/tallies.js';
import type { PageRequest } from '../../shared/use-cases/ports.js';
import { dynamodbEndpoint } from './endpoints.js';

interface Settler {
  raw: DynamoDBClient;
  table: Table;
  streams: DynamoDBStreamsClient;
  streamArn?: string;
  /** Per shard, the last sequence number counted. */
  positions: Map<string, string>;
}
const settlers = new Map<string, Settler>();

function settlerOf(tableName: string): Settler {
  let settler = settlers.get(tableName);
  if (!settler) {
    const raw = localClient(dynamodbEndpoint());
    settler = {
      raw,
      table: new Table(createDocumentClient(raw), tableName),
      streams: new DynamoDBStreamsClient({
        endpoint: dynamodbEndpoint(),
        region: LOCAL_REGION,
        credentials: LOCAL_CREDENTIALS,
      }),
      positions: new Map(),
    };
    settlers.set(tableName, settler);
  }
  return settler;
}

async function streamArnOf(settler: Settler, tableName: string): Promise<string> {
  if (!settler.streamArn) {
    const { Table } = await settler.raw.send(new DescribeTableCommand({ TableName: tableName }));
    if (!Table?.LatestStreamArn)
      throw new Error(`${tableName} has no stream: create it with createTestTable(prefix, { stream: true })`);
    settler.streamArn = Table.LatestStreamArn;
  }
  return settler.streamArn;
}

/**
 * The tally records of the table's stream, as Lambda would hand them to apply-tallies: from the start, or after the
 * positions given (which it moves on), passing each page to `take`.
 */
async function readTallyRecords(
  settler: Settler,
  tableName: string,
  positions: Map<string, string>,
  take: (records: DynamoDBRecord[]) => Promise<void>,
): Promise<void> {
  const streamArn = await streamArnOf(settler, tableName);
  const { StreamDescription } = await settler.streams.send(
    new DescribeStreamCommand({ StreamArn: streamArn }),
  );
  // Parents first: DynamoDB Local lists shards oldest first.
  for (const shard of StreamDescription?.Shards ?? []) {
    const shardId = shard.ShardId as string;
    const after = positions.get(shardId);
    let { ShardIterator: iterator } = await settler.streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shardId,
        ...(after
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }
          : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    while (iterator) {
      const out = await settler.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      const records = (out.Records ?? []).map((record) => lambdaRecord(record, streamArn));
      if (records.length === 0) break;
      await take(records.filter((record) => matchesStreamFilter(record, TALLY_STREAM_FILTER)));
      positions.set(shardId, records.at(-1)?.dynamodb?.SequenceNumber as string);
      iterator = out.NextShardIterator;
    }
  }
}

/** Counts every tally the table's stream holds that was not counted yet; answers what apply-tallies made of them. */
export async function settleTallies(tableName: string): Promise<TallyOutcome> {
  const settler = settlerOf(tableName);
  const total: TallyOutcome = { counted: 0, alreadyCounted: 0, transactions: 0 };
  await readTallyRecords(settler, tableName, settler.positions, async (records) => {
    const outcome = await applyTallies(settler.table, talliesOfRecords(records));
    total.counted += outcome.counted;
    total.alreadyCounted += outcome.alreadyCounted;
    total.transactions += outcome.transactions;
  });
  return total;
}

/** Every tally record the table's stream holds, from its start (nothing is counted). */
export async function tallyRecords(tableName: string): Promise<DynamoDBRecord[]> {
  const all: DynamoDBRecord[] = [];
  await readTallyRecords(settlerOf(tableName), tableName, new Map(), async (records) => {
    all.push(...records);
  });
  return all;
}

/** The store, with the tallies settled before each counter read. */
export class SettlingStore extends ReviewStore {
  constructor(
    db: DynamoDBDocumentClient,
    private readonly name: string,
  ) {
    super(db, name);
  }

  override async queueCounts(workspaceId: string, userId: string) {
    await settleTallies(this.name);
    return super.queueCounts(workspaceId, userId);
  }

  override async automations(workspaceId: string, viewer: string, page: PageRequest, withOwn: boolean) {
    await settleTallies(this.name);
    return super.automations(workspaceId, viewer, page, withOwn);
  }

  override async counters(workspaceId: string, automationId: string) {
    await settleTallies(this.name);
    return super.counters(workspaceId, automationId);
  }

  override async feedback(workspaceId: string, automationId: string) {
    await settleTallies(this.name);
    return super.feedback(workspaceId, automationId);
  }

  /** The jobs' registry of workspaces is written from the tallies of items' creations. */
  override async registeredWorkspaces() {
    await settleTallies(this.name);
    return super.registeredWorkspaces();
  }
}
