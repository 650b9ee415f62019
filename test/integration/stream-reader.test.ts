/**
 * The local stream reader against the real DynamoDB Streams API of DynamoDB Local: what a Lambda event source
 * mapping on the table's stream would deliver, and what it does when the function fails. The function is a
 * real handler file in a temporary folder, loaded by the runtime's invoker; what it does on each call is set
 * by the test (globalThis.__streamProbe).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeTableCommand,
  type DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTable, localClient, startDynamoDbLocal } from '../../infra/local/dynamodb-local.js';
import { createHandlerInvoker, type HandlerInvoker } from '../../infra/local/handlers.js';
import { createLocalLog } from '../../infra/local/log.js';
import {
  CHECKPOINT_FILE_NAME,
  type CheckpointStore,
  fileCheckpoints,
  memoryCheckpoints,
} from '../../infra/local/stream-checkpoints.js';
import { type StreamConsumer, startStreamReader } from '../../infra/local/stream-reader.js';
import type { FunctionSpec } from '../../infra/manifest.js';
import { createTestTable, type TestTable } from '../support/dynamo.js';
import { dynamodbEndpoint } from '../support/endpoints.js';

type Probe = (event: DynamoDBStreamEvent) => Promise<unknown>;
declare global {
  var __streamProbe: Probe | undefined;
}

const fn: FunctionSpec = {
  name: 'stream-probe',
  description: 'test',
  triggers: [],
  access: {},
  timeoutSeconds: 5,
};
const consumerOf = (overrides: Partial<StreamConsumer> = {}): StreamConsumer => ({
  name: 'Probe',
  fn,
  filter: { eventName: ['INSERT'], dynamodb: { NewImage: { entity: { S: ['Outbox'] } } } },
  batchSize: 10,
  maxBatchingWindowSeconds: 0,
  retryAttempts: 3,
  bisectOnError: false,
  ...overrides,
});

let root: string;
let invoker: HandlerInvoker;
const quiet = createLocalLog('silent', 'stream');

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'stream-reader-'));
  await mkdir(join(root, 'functions'));
  await writeFile(
    join(root, 'functions/stream-probe.ts'),
    'export const handler = (event: unknown) => (globalThis as any).__streamProbe(event);\n',
  );
  invoker = createHandlerInvoker(root);
});

afterAll(async () => {
  globalThis.__streamProbe = undefined;
  await rm(root, { recursive: true, force: true });
});

/** Every invocation's records, and (for convenience) the sort keys of each batch. */
function recorder(behaviour: (event: DynamoDBStreamEvent, call: number) => unknown = () => undefined) {
  const batches: DynamoDBRecord[][] = [];
  globalThis.__streamProbe = async (event) => {
    batches.push(event.Records);
    return behaviour(event, batches.length);
  };
  return {
    batches,
    keys: () => batches.map((records) => records.map(sortKeyOf)),
  };
}

const sortKeyOf = (record: DynamoDBRecord) => record.dynamodb?.NewImage?.sk?.S ?? '?';

async function put(client: DynamoDBClient, tableName: string, pk: string, sk: string, entity = 'Outbox') {
  await client.send(
    new PutItemCommand({
      TableName: tableName,
      Item: { pk: { S: pk }, sk: { S: sk }, entity: { S: entity } },
    }),
  );
}

async function streamArnOf(client: DynamoDBClient, tableName: string): Promise<string> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  if (!Table?.LatestStreamArn) throw new Error('the test table has no stream');
  return Table.LatestStreamArn;
}

async function withReader<T>(
  table: { tableName: string; rawClient: DynamoDBClient },
  consumer: StreamConsumer,
  run: (reader: ReturnType<typeof startStreamReader>) => Promise<T>,
  options: { checkpoints?: CheckpointStore; endpoint?: string } = {},
): Promise<T> {
  const reader = startStreamReader({
    endpoint: options.endpoint ?? dynamodbEndpoint(),
    streamArn: await streamArnOf(table.rawClient, table.tableName),
    consumers: [consumer],
    invoker,
    checkpoints: options.checkpoints ?? memoryCheckpoints(),
    log: quiet,
    pollIntervalMs: 50,
    retryBackoff: { baseMs: 5, maxMs: 20 },
  });
  try {
    return await run(reader);
  } finally {
    await reader.stop();
  }
}

describe('the local stream reader (DynamoDB Local Streams API → Lambda-shaped batches)', () => {
  let table: TestTable;
  beforeAll(async () => {
    table = await createTestTable('stream', { stream: true });
  });

  it('delivers only matching records, Lambda-shaped, in batches of at most batchSize, in order per partition key', async () => {
    const probe = recorder();
    const written: Record<string, string[]> = { a: [], b: [], c: [] };
    for (let index = 0; index < 30; index += 1) {
      const pk = ['a', 'b', 'c'][index % 3] as string;
      const sk = `${pk}-${String(index).padStart(2, '0')}`;
      written[pk]?.push(sk);
      await put(table.rawClient, table.tableName, pk, sk);
      if (index % 6 === 0) await put(table.rawClient, table.tableName, pk, `item-${index}`, 'Item');
    }
    await table.rawClient.send(
      new UpdateItemCommand({
        TableName: table.tableName,
        Key: { pk: { S: 'a' }, sk: { S: 'a-00' } },
        UpdateExpression: 'SET touched = :t',
        ExpressionAttributeValues: { ':t': { BOOL: true } },
      }),
    );

    await withReader(table, consumerOf({ batchSize: 7 }), (reader) => reader.sync());

    const delivered = probe.batches.flat();
    expect(probe.batches.every((batch) => batch.length >= 1 && batch.length <= 7)).toBe(true);
    expect(delivered.map(sortKeyOf).sort()).toEqual(Object.values(written).flat().sort());
    for (const [pk, keys] of Object.entries(written))
      expect(delivered.filter((r) => r.dynamodb?.Keys?.pk?.S === pk).map(sortKeyOf)).toEqual(keys);
    const sequence = delivered.map((r) => BigInt(r.dynamodb?.SequenceNumber ?? '0'));
    expect(sequence).toEqual([...sequence].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
    expect(delivered[0]).toMatchObject({
      eventID: expect.any(String),
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: expect.any(String),
      eventSourceARN: await streamArnOf(table.rawClient, table.tableName),
      dynamodb: {
        Keys: { pk: { S: 'a' }, sk: { S: 'a-00' } },
        NewImage: { pk: { S: 'a' }, sk: { S: 'a-00' }, entity: { S: 'Outbox' } },
        SequenceNumber: expect.stringMatching(/^\d+$/),
        SizeBytes: expect.any(Number),
        StreamViewType: 'NEW_IMAGE',
        ApproximateCreationDateTime: expect.any(Number),
      },
    });
  });
});

describe('failures', () => {
  it('retries a batch whose function crashed (between reading the stream and publishing): nothing is lost', async () => {
    const table = await createTestTable('stream', { stream: true });
    const probe = recorder((_, call) => {
      if (call === 1) throw new Error('crashed before PutEvents');
    });
    for (let index = 0; index < 5; index += 1) await put(table.rawClient, table.tableName, 'p', `r${index}`);

    const failures = await withReader(table, consumerOf(), async (reader) => {
      await reader.sync();
      return reader.failures();
    });

    expect(probe.keys()).toEqual([
      ['r0', 'r1', 'r2', 'r3', 'r4'],
      ['r0', 'r1', 'r2', 'r3', 'r4'],
    ]);
    expect(failures).toEqual([]);
  });

  it('resumes a batch from the record the function reported (ReportBatchItemFailures), not from its start', async () => {
    const table = await createTestTable('stream', { stream: true });
    const probe = recorder((event, call) =>
      call === 1
        ? { batchItemFailures: [{ itemIdentifier: event.Records[3]?.dynamodb?.SequenceNumber }] }
        : {},
    );
    for (let index = 0; index < 6; index += 1) await put(table.rawClient, table.tableName, 'p', `r${index}`);

    await withReader(table, consumerOf(), (reader) => reader.sync());

    expect(probe.keys()).toEqual([
      ['r0', 'r1', 'r2', 'r3', 'r4', 'r5'],
      ['r3', 'r4', 'r5'],
    ]);
  });

  it('halves a failing batch (bisectOnError) until the bad record is alone, then sends it to the on-failure list', async () => {
    const table = await createTestTable('stream', { stream: true });
    const probe = recorder((event) => {
      if (event.Records.some((record) => sortKeyOf(record) === 'r5')) throw new Error('poison r5');
    });
    for (let index = 0; index < 8; index += 1) await put(table.rawClient, table.tableName, 'p', `r${index}`);

    const failures = await withReader(
      table,
      consumerOf({ batchSize: 8, bisectOnError: true, retryAttempts: 3 }),
      async (reader) => {
        await reader.sync();
        return reader.failures();
      },
    );

    expect(probe.keys().slice(0, 4)).toEqual([
      ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7'],
      ['r0', 'r1', 'r2', 'r3'],
      ['r4', 'r5', 'r6', 'r7'],
      ['r4', 'r5'],
    ]);
    const succeeded = probe.batches.filter((batch) => !batch.some((r) => sortKeyOf(r) === 'r5'));
    expect(succeeded.flat().map(sortKeyOf).sort()).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r6', 'r7']);
    expect(probe.keys().filter((keys) => keys.join() === 'r5')).toHaveLength(4); // 1 + retryAttempts, alone
    expect(failures).toEqual([
      expect.objectContaining({
        consumer: 'stream-probe:Probe',
        functionName: 'stream-probe',
        error: 'Error: poison r5',
        requestContext: expect.objectContaining({ condition: 'RetryAttemptsExhausted' }),
        DDBStreamBatchInfo: expect.objectContaining({ batchSize: 1, streamArn: expect.any(String) }),
        records: [
          expect.objectContaining({
            dynamodb: expect.objectContaining({ Keys: { pk: { S: 'p' }, sk: { S: 'r5' } } }),
          }),
        ],
      }),
    ]);
  });

  it('after retryAttempts sends the batch to the on-failure list and moves on to the next records', async () => {
    const table = await createTestTable('stream', { stream: true });
    const probe = recorder((event) => {
      if (sortKeyOf(event.Records[0] as DynamoDBRecord) === 'bad') throw new Error('always fails');
    });
    await put(table.rawClient, table.tableName, 'p', 'bad');

    await withReader(table, consumerOf({ retryAttempts: 2 }), async (reader) => {
      await reader.sync();
      await put(table.rawClient, table.tableName, 'p', 'good');
      await reader.sync();
      expect(reader.failures()).toHaveLength(1);
      expect(reader.failures()[0]?.requestContext.approximateInvokeCount).toBe(3);
    });

    expect(probe.keys()).toEqual([['bad'], ['bad'], ['bad'], ['good']]);
  });

  it('fails the whole batch when the function reports an identifier that is not in it', async () => {
    const table = await createTestTable('stream', { stream: true });
    const probe = recorder((_, call) =>
      call === 1 ? { batchItemFailures: [{ itemIdentifier: 'nope' }] } : undefined,
    );
    await put(table.rawClient, table.tableName, 'p', 'r0');
    await put(table.rawClient, table.tableName, 'p', 'r1');

    await withReader(table, consumerOf(), (reader) => reader.sync());

    expect(probe.keys()).toEqual([
      ['r0', 'r1'],
      ['r0', 'r1'],
    ]);
  });
});

describe('batching window', () => {
  it('gathers records for maxBatchingWindowSeconds into one batch, and sync() cuts the wait short', async () => {
    const table = await createTestTable('stream', { stream: true });
    const probe = recorder();
    await withReader(table, consumerOf({ batchSize: 100, maxBatchingWindowSeconds: 1 }), async (reader) => {
      const started = Date.now();
      for (let index = 0; index < 3; index += 1)
        await put(table.rawClient, table.tableName, 'p', `w${index}`);
      while (probe.batches.length === 0 && Date.now() - started < 5_000) await sleep(25);
      const waited = Date.now() - started;

      expect(probe.keys()).toEqual([['w0', 'w1', 'w2']]);
      expect(waited).toBeGreaterThanOrEqual(900);

      const again = Date.now();
      await put(table.rawClient, table.tableName, 'p', 'w3');
      await reader.sync();
      expect(probe.keys()).toEqual([['w0', 'w1', 'w2'], ['w3']]);
      expect(Date.now() - again).toBeLessThan(900);
    });
  });
});

describe('checkpoints', () => {
  it('starts a fresh data folder at TRIM_HORIZON and resumes after its checkpoint: no loss, no replay', async () => {
    const table = await createTestTable('stream', { stream: true });
    const dataDir = await mkdtemp(join(tmpdir(), 'stream-checkpoints-'));
    try {
      for (let index = 0; index < 4; index += 1)
        await put(table.rawClient, table.tableName, 'p', `before-${index}`);
      const first = recorder();
      await withReader(table, consumerOf({ batchSize: 3 }), (reader) => reader.sync(), {
        checkpoints: fileCheckpoints(dataDir),
      });
      expect(first.batches.flat().map(sortKeyOf)).toEqual(['before-0', 'before-1', 'before-2', 'before-3']);

      for (let index = 0; index < 3; index += 1)
        await put(table.rawClient, table.tableName, 'p', `while-down-${index}`);
      const second = recorder();
      await withReader(table, consumerOf({ batchSize: 3 }), (reader) => reader.sync(), {
        checkpoints: fileCheckpoints(dataDir),
      });

      expect(second.batches.flat().map(sortKeyOf)).toEqual(['while-down-0', 'while-down-1', 'while-down-2']);
      const saved = JSON.parse(await readFile(join(dataDir, CHECKPOINT_FILE_NAME), 'utf8'));
      expect(saved.consumers['stream-probe:Probe']).toMatchObject({
        streamArn: await streamArnOf(table.rawClient, table.tableName),
        shards: expect.any(Object),
      });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('delivers again, after a restart, a batch that never succeeded before the stop (at least once)', async () => {
    const table = await createTestTable('stream', { stream: true });
    const dataDir = await mkdtemp(join(tmpdir(), 'stream-checkpoints-'));
    try {
      await put(table.rawClient, table.tableName, 'p', 'done');
      await put(table.rawClient, table.tableName, 'p', 'interrupted');
      const first = recorder((event) => {
        if (event.Records.some((record) => sortKeyOf(record) === 'interrupted')) throw new Error('down');
      });
      await withReader(
        table,
        consumerOf({ batchSize: 1, retryAttempts: 10_000 }),
        async () => {
          while (!first.keys().some((keys) => keys[0] === 'interrupted')) await sleep(20);
        },
        { checkpoints: fileCheckpoints(dataDir) },
      );

      const second = recorder();
      await withReader(table, consumerOf({ batchSize: 1 }), (reader) => reader.sync(), {
        checkpoints: fileCheckpoints(dataDir),
      });

      expect(first.keys()[0]).toEqual(['done']);
      expect(second.keys()).toEqual([['interrupted']]);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('resumes after a restart of DynamoDB Local itself (data on disk, as under npm start)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'stream-restart-'));
    const tableName = 'restart-table';
    const round = async (keys: string[]) => {
      const dynamodb = await startDynamoDbLocal({ dbPath: join(dataDir, 'dynamodb') });
      const rawClient = localClient(dynamodb.endpoint);
      try {
        await ensureTable(rawClient, tableName);
        for (const key of keys) await put(rawClient, tableName, 'p', key);
        const probe = recorder();
        await withReader({ tableName, rawClient }, consumerOf(), (reader) => reader.sync(), {
          checkpoints: fileCheckpoints(dataDir),
          endpoint: dynamodb.endpoint,
        });
        return probe.batches.flat().map(sortKeyOf);
      } finally {
        rawClient.destroy();
        await dynamodb.stop();
      }
    };
    try {
      expect(await round(['one', 'two'])).toEqual(['one', 'two']);
      expect(await round(['three'])).toEqual(['three']);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
