/**
 * DynamoDB's conflict rule in front of DynamoDB Local (infra/local/conflict-rule.ts), through the real AWS SDK
 * clients: what the SDK throws for a refused transaction or write is what it throws against DynamoDB, the
 * refusals last while a transaction commits (its caller answered once it is over, no sooner than the commit window
 * after it was sent), and everything else (reads, other items, the Streams API) goes through untouched.
 *
 * A caller's answer comes once its transaction's commit is over: to meet a held item, a test sends a transaction
 * without awaiting it, waits until the rule holds its items (`untilHeld`), sends what should meet them, then awaits
 * the transaction.
 */
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ExecuteStatementCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactGetItemsCommand,
  type TransactGetItemsCommandOutput,
  TransactionCanceledException,
  TransactionConflictException,
  TransactWriteItemsCommand,
  type TransactWriteItemsCommandInput,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { ulid } from 'ulid';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../infra/local/aws-identity.js';
import { CONFLICT_MESSAGE } from '../../infra/local/conflict-rule.js';
import { localClient } from '../../infra/local/dynamodb-local.js';
import { type ConflictRule, useConflictRule } from '../support/conflict-rule.js';
import { createTestTable, type TestTable } from '../support/dynamo.js';

/**
 * Long enough that what a test sends while a transaction commits always arrives inside it on a busy machine (a few
 * requests, some answered by DynamoDB Local), short enough to wait for: every transaction takes at least this long.
 */
const WINDOW_MS = 600;

let table: TestTable;
let rule: ConflictRule;
let db: DynamoDBClient;

beforeAll(async () => {
  table = await createTestTable('conflict-rule', { conflictWindowMs: WINDOW_MS });
  rule = table.conflictRule as ConflictRule;
  db = table.rawClient;
});

afterAll(async () => {
  await table?.drop();
});

beforeEach(async () => {
  await untilHeld(0); // nothing a previous test sent is still committing
  rule.resetStats();
  table.counter.reset();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until the rule holds `count` items: once a transaction sent without awaiting has arrived, it holds its items
 * for at least WINDOW_MS, so what is sent right after meets them.
 */
async function untilHeld(count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (rule.stats().held !== count) {
    if (Date.now() > deadline) throw new Error(`the rule holds ${rule.stats().held} items, not ${count}`);
    await sleep(1);
  }
}

const key = (pk: string) => ({ pk: { S: pk }, sk: { S: 'item' } });
const put = (pk: string, extra: Record<string, { S: string }> = {}) => ({
  Put: { TableName: table.tableName, Item: { ...key(pk), note: { S: 'put' }, ...extra } },
});
const update = (pk: string) => ({
  Update: {
    TableName: table.tableName,
    Key: key(pk),
    UpdateExpression: 'SET note = :n',
    ExpressionAttributeValues: { ':n': { S: 'updated' } },
  },
});
const transact = (...items: NonNullable<TransactWriteItemsCommandInput['TransactItems']>) =>
  db.send(new TransactWriteItemsCommand({ TransactItems: items }));
const unique = (label: string) => `${label}-${ulid()}`;

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the request to fail');
}

describe('TransactWriteItems', () => {
  it('of two transactions on one item sent at once, one is cancelled: TransactionConflict for that item, None for the others', async () => {
    const [a1, shared, b1, b2] = [unique('a1'), unique('shared'), unique('b1'), unique('b2')];
    const sent = [transact(put(a1), update(shared)), transact(put(b1), put(shared), put(b2))];

    // The loser is answered at once; the winner once its commit is over, no sooner than the window.
    const first = await Promise.race(
      sent.map((promise, at) =>
        promise.then(
          () => ({ at, error: undefined }),
          (error: unknown) => ({ at, error }),
        ),
      ),
    );
    const lostAt = first.at;
    const error = first.error as TransactionCanceledException;
    expect(error).toBeInstanceOf(TransactionCanceledException);
    const codes = lostAt === 0 ? ['None', 'TransactionConflict'] : ['None', 'TransactionConflict', 'None'];
    expect(error.CancellationReasons).toEqual(
      codes.map((Code) => (Code === 'None' ? { Code } : { Code, Message: CONFLICT_MESSAGE })),
    );
    expect(error.message).toBe(
      `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
    );
    // A client error the SDK's standard retry strategy does not retry: one attempt.
    expect(error.$metadata).toMatchObject({ httpStatusCode: 400, attempts: 1 });

    // While the winner commits, the refused transaction holds nothing: its own items can be written; the shared
    // one cannot.
    const loserOnly = lostAt === 0 ? a1 : b1;
    const [free, held] = await Promise.allSettled([
      db.send(new PutItemCommand({ TableName: table.tableName, Item: key(loserOnly) })),
      db.send(new PutItemCommand({ TableName: table.tableName, Item: key(shared) })),
    ]);
    expect(free.status).toBe('fulfilled');
    expect((held as PromiseRejectedResult).reason).toBeInstanceOf(TransactionConflictException);

    const results = await Promise.allSettled(sent);
    expect(results.map((r) => r.status)).toEqual(
      lostAt === 0 ? ['rejected', 'fulfilled'] : ['fulfilled', 'rejected'],
    );
    // The client's counter counts every request it sent, the refused ones included.
    expect(table.counter.byCommand).toEqual({ TransactWriteItems: 2, PutItem: 2 });
    expect(rule.stats()).toMatchObject({
      refused: {
        total: 2,
        transactions: 1,
        writes: 1,
        byOperation: { TransactWriteItems: 1, PutItem: 1 },
      },
      forwarded: { byOperation: { TransactWriteItems: 1, PutItem: 1 } },
      held: 0,
    });
  });

  it('never refuses transactions on different items', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) => transact(put(unique(`x${i}`)), update(unique(`y${i}`)))),
    );
    expect(results.map((r) => r.status)).toEqual(Array(12).fill('fulfilled'));
    expect(rule.stats().refused.total).toBe(0);
    expect(rule.stats().forwarded.byOperation).toEqual({ TransactWriteItems: 12 });
  });

  it('refuses a transaction for an item held by a committing one while it commits, and not once its caller has its answer', async () => {
    const item = unique('held');
    const committing = transact(put(item));
    await untilHeld(1);
    const refused = await failure(transact(update(unique('other')), update(item)));
    expect(refused).toBeInstanceOf(TransactionCanceledException);
    expect((refused as TransactionCanceledException).CancellationReasons?.map((r) => r.Code)).toEqual([
      'None',
      'TransactionConflict',
    ]);

    // Its caller has its answer: the item is free at once, the next transaction on it is not refused.
    await committing;
    expect(rule.stats().held).toBe(0);
    await transact(update(unique('other')), update(item));
    expect(rule.stats().refused.byOperation).toEqual({ TransactWriteItems: 1 });
  });

  it('answers a transaction no sooner than the commit window after it was sent', async () => {
    const sentAt = Date.now();
    await transact(put(unique('timed')));
    // A timer may fire a few ms early against Date.now().
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(WINDOW_MS - 5);
    expect(rule.stats().held).toBe(0);
  });

  it('lets go of the items of a transaction DynamoDB Local cancelled (a condition failed) when it is answered', async () => {
    const item = unique('cancelled');
    const cancelled = await failure(
      transact(put(item), {
        ConditionCheck: {
          TableName: table.tableName,
          Key: key(unique('missing')),
          ConditionExpression: 'attribute_exists(pk)',
        },
      }),
    );
    expect((cancelled as TransactionCanceledException).CancellationReasons?.map((r) => r.Code)).toEqual([
      'None',
      'ConditionalCheckFailed',
    ]);
    await db.send(new PutItemCommand({ TableName: table.tableName, Item: key(item) }));
    expect(rule.stats().refused.total).toBe(0);
  });

  it('does not refuse a transaction retried with its ClientRequestToken: DynamoDB Local answers it idempotently', async () => {
    const input = { TransactItems: [put(unique('token'))], ClientRequestToken: ulid() };
    await db.send(new TransactWriteItemsCommand(input));
    await db.send(new TransactWriteItemsCommand(input));
    expect(rule.stats().refused.total).toBe(0);
  });
});

describe('single writes', () => {
  it('PutItem, UpdateItem and DeleteItem of a held item fail with TransactionConflictException, and succeed once it has committed', async () => {
    const item = unique('single');
    const committing = transact(put(item, { by: { S: 'transaction' } }));
    await untilHeld(1);
    const writes = () => [
      db.send(new PutItemCommand({ TableName: table.tableName, Item: { ...key(item), by: { S: 'put' } } })),
      db.send(
        new UpdateItemCommand({
          TableName: table.tableName,
          Key: key(item),
          UpdateExpression: 'SET #by = :by',
          ExpressionAttributeNames: { '#by': 'by' },
          ExpressionAttributeValues: { ':by': { S: 'update' } },
        }),
      ),
      db.send(new DeleteItemCommand({ TableName: table.tableName, Key: key(item) })),
    ];

    const refused = await Promise.allSettled(writes());
    for (const result of refused) {
      expect(result.status).toBe('rejected');
      const error = (result as PromiseRejectedResult).reason;
      expect(error).toBeInstanceOf(TransactionConflictException);
      expect(error.name).toBe('TransactionConflictException');
      expect(error.message).toBe(CONFLICT_MESSAGE);
      expect(error.$metadata).toMatchObject({ httpStatusCode: 400, attempts: 1 });
    }
    await committing;
    // None of them reached the table.
    const { Item } = await db.send(
      new GetItemCommand({ TableName: table.tableName, Key: key(item), ConsistentRead: true }),
    );
    expect(Item?.by).toEqual({ S: 'transaction' });
    expect(rule.stats().refused).toEqual({
      total: 3,
      transactions: 0,
      writes: 3,
      byOperation: { PutItem: 1, UpdateItem: 1, DeleteItem: 1 },
    });
    expect(rule.stats().forwarded.byOperation).toEqual({ TransactWriteItems: 1, GetItem: 1 });

    // The transaction's caller has its answer: the item is free.
    for (const write of writes()) await write;
    expect(rule.stats().refused.total).toBe(3);
  });

  it('refuses no write of an item no transaction holds', async () => {
    const committing = transact(put(unique('held')));
    await untilHeld(1);
    await db.send(new PutItemCommand({ TableName: table.tableName, Item: key(unique('free')) }));
    await db.send(new DeleteItemCommand({ TableName: table.tableName, Key: key(unique('free')) }));
    await committing;
    expect(rule.stats().refused.total).toBe(0);
  });

  it('forwards a BatchWriteItem even on a held item: DynamoDB documents no conflict answer for it', async () => {
    const item = unique('batch');
    const committing = transact(put(item));
    await untilHeld(1);
    const out = await db.send(
      new BatchWriteItemCommand({
        RequestItems: { [table.tableName]: [{ PutRequest: { Item: { ...key(item), by: { S: 'batch' } } } }] },
      }),
    );
    await committing;
    expect(out.UnprocessedItems ?? {}).toEqual({});
    expect(rule.stats().refused.total).toBe(0);
    expect(rule.stats().forwarded.byOperation.BatchWriteItem).toBe(1);
  });
});

describe('reads', () => {
  it('are never refused, even of a held item: GetItem, Query, Scan, BatchGetItem, ExecuteStatement', async () => {
    const item = unique('read');
    await transact(put(item)); // it exists, whichever version the reads see
    const committing = transact(update(item));
    await untilHeld(1);
    const [, , , , selected] = await Promise.all([
      db.send(new GetItemCommand({ TableName: table.tableName, Key: key(item), ConsistentRead: true })),
      db.send(
        new QueryCommand({
          TableName: table.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: item } },
        }),
      ),
      db.send(new ScanCommand({ TableName: table.tableName, Limit: 5 })),
      db.send(new BatchGetItemCommand({ RequestItems: { [table.tableName]: { Keys: [key(item)] } } })),
      db.send(
        new ExecuteStatementCommand({
          Statement: `SELECT * FROM "${table.tableName}" WHERE pk = ?`,
          Parameters: [{ S: item }],
        }),
      ),
    ]);
    await committing;
    expect(selected.Items).toHaveLength(1);
    expect(rule.stats().refused.total).toBe(0);
  });

  it('cancels a TransactGetItems touching a held item, with a reason per item; one touching other items is read', async () => {
    const item = unique('tget');
    const other = unique('tget-other');
    await transact(put(item), put(other)); // both exist, and neither is held once it is answered
    const committing = transact(update(item));
    await untilHeld(1);

    // Both sent while the update commits.
    const [cancelled, read] = await Promise.allSettled([
      db.send(
        new TransactGetItemsCommand({
          TransactItems: [
            { Get: { TableName: table.tableName, Key: key(other) } },
            { Get: { TableName: table.tableName, Key: key(item) } },
          ],
        }),
      ),
      db.send(
        new TransactGetItemsCommand({
          TransactItems: [{ Get: { TableName: table.tableName, Key: key(other) } }],
        }),
      ),
    ]);
    await committing;
    const error = (cancelled as PromiseRejectedResult).reason;
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect((error as TransactionCanceledException).CancellationReasons).toEqual([
      { Code: 'None' },
      { Code: 'TransactionConflict', Message: CONFLICT_MESSAGE },
    ]);
    expect(read.status).toBe('fulfilled');
    expect(
      (read as PromiseFulfilledResult<TransactGetItemsCommandOutput>).value.Responses?.[0]?.Item?.pk,
    ).toEqual({ S: other });
    expect(rule.stats().refused).toEqual({
      total: 1,
      transactions: 1,
      writes: 0,
      byOperation: { TransactGetItems: 1 },
    });
  });
});

describe('everything else', () => {
  it('counts what it forwarded by operation, and resetStats() starts again from zero', async () => {
    const item = unique('count');
    const committing = transact(put(item));
    await untilHeld(1);
    // While the transaction commits (it holds its item).
    await Promise.all([
      db.send(new GetItemCommand({ TableName: table.tableName, Key: key(item) })),
      db.send(new DescribeTableCommand({ TableName: table.tableName })),
    ]);
    expect(rule.stats()).toEqual({
      commitWindowMs: WINDOW_MS,
      refused: { total: 0, transactions: 0, writes: 0, byOperation: {} },
      forwarded: { total: 3, byOperation: { TransactWriteItems: 1, GetItem: 1, DescribeTable: 1 } },
      held: 1,
    });
    rule.resetStats();
    expect(rule.stats()).toMatchObject({ forwarded: { total: 0, byOperation: {} }, held: 1 });
    await committing;
    expect(rule.stats()).toMatchObject({ forwarded: { total: 0, byOperation: {} }, held: 0 });
  });

  it("forwards DynamoDB Local's own answer to a put into a table it cannot describe", async () => {
    const error = await failure(
      db.send(new PutItemCommand({ TableName: 'no-such-table', Item: key(unique('nowhere')) })),
    );
    expect(error.name).toBe('ResourceNotFoundException');
  });
});

describe('the Streams API through the rule', () => {
  const streamRule = useConflictRule(WINDOW_MS);
  let streamTable: TestTable;

  beforeAll(async () => {
    streamTable = await createTestTable('conflict-stream', { stream: true });
  });
  afterAll(async () => {
    await streamTable?.drop();
  });

  it('reads the records of a transaction written through it', async () => {
    const client = localClient(streamRule().endpoint);
    const streams = new DynamoDBStreamsClient({
      endpoint: streamRule().endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    try {
      const pk = unique('streamed');
      await client.send(
        new TransactWriteItemsCommand({
          TransactItems: [{ Put: { TableName: streamTable.tableName, Item: key(pk) } }],
        }),
      );
      const { Table } = await client.send(new DescribeTableCommand({ TableName: streamTable.tableName }));
      const { StreamDescription } = await streams.send(
        new DescribeStreamCommand({ StreamArn: Table?.LatestStreamArn }),
      );
      const shard = StreamDescription?.Shards?.[0];
      const { ShardIterator } = await streams.send(
        new GetShardIteratorCommand({
          StreamArn: Table?.LatestStreamArn,
          ShardId: shard?.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      const { Records = [] } = await streams.send(new GetRecordsCommand({ ShardIterator }));
      expect(Records.map((record) => record.dynamodb?.Keys?.pk?.S)).toContain(pk);
      expect(streamRule().stats().forwarded.byOperation).toMatchObject({
        DescribeStream: 1,
        GetShardIterator: 1,
        GetRecords: 1,
      });
    } finally {
      client.destroy();
      streams.destroy();
    }
  });
});
