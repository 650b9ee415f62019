/**
 * `ensureTable` on a table a data folder from an older version left behind (real DynamoDB Local): what can be
 * brought up to the definition in place is (stream, indexes), keeping the items; what cannot fails with a
 * message that says `npm start -- --fresh`.
 */

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateTableCommand,
  DescribeTableCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DynamoDbLocal,
  ensureTable,
  localClient,
  startDynamoDbLocal,
  TableMismatchError,
} from '../../infra/local/dynamodb-local.js';
import { createTableInput } from '../../infra/table-definition.js';
import { uniqueTableName } from '../support/dynamo.js';

// Its own DynamoDB Local, as `npm start` has one per data folder: on the run's shared instance, which by then holds
// the tables of every other test file, an index change was seen not to settle within ensureTable's 180 s (twice in
// full runs on this machine, never alone, in 9 s here).
let dynamodb: DynamoDbLocal;
let client: DynamoDBClient;
beforeAll(async () => {
  dynamodb = await startDynamoDbLocal();
  client = localClient(dynamodb.endpoint);
}, 120_000);
afterAll(async () => {
  client?.destroy();
  await dynamodb?.stop();
});

describe('ensureTable on a table made by an older version', () => {
  it('enables the stream, adds and rebuilds indexes, drops unknown ones, and keeps every item', async () => {
    const tableName = uniqueTableName('old');
    const wanted = createTableInput(tableName);
    // An index that projects every attribute, so the item read back through it shows its payload.
    const indexes = wanted.GlobalSecondaryIndexes ?? [];
    const kept = indexes.find((index) => index.Projection?.ProjectionType === 'ALL');
    if (!kept) throw new Error('the definition has no index projecting ALL');
    const others = indexes.filter((index) => index !== kept);
    const keyNames = (kept.KeySchema ?? []).map((key) => key.AttributeName as string);
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: wanted.KeySchema,
        AttributeDefinitions: [
          ...(wanted.AttributeDefinitions ?? []).filter((a) =>
            ['pk', 'sk', ...keyNames].includes(a.AttributeName as string),
          ),
          { AttributeName: 'legacy', AttributeType: 'S' },
        ],
        GlobalSecondaryIndexes: [
          { ...kept, Projection: { ProjectionType: 'KEYS_ONLY' } },
          {
            IndexName: 'legacy_index',
            KeySchema: [{ AttributeName: 'legacy', KeyType: 'HASH' }],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
    const item: Record<string, { S: string }> = { pk: { S: 'p' }, sk: { S: 's' }, payload: { S: 'kept' } };
    for (const name of keyNames) item[name] = { S: `${name}-value` };
    await client.send(new PutItemCommand({ TableName: tableName, Item: item }));

    const lines: string[] = [];
    const log = {
      debug: () => {},
      info: (line: string) => lines.push(line),
      warn: () => {},
      error: () => {},
    };
    await ensureTable(client, tableName, log);

    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    expect(Table?.StreamSpecification).toEqual(wanted.StreamSpecification);
    expect(Table?.LatestStreamArn).toEqual(expect.any(String));
    const shape = (index: { IndexName?: string; KeySchema?: unknown; Projection?: unknown }) => ({
      IndexName: index.IndexName,
      KeySchema: index.KeySchema,
      Projection: index.Projection,
    });
    const byName = (a: { IndexName?: string }, b: { IndexName?: string }) =>
      String(a.IndexName).localeCompare(String(b.IndexName));
    expect((Table?.GlobalSecondaryIndexes ?? []).map(shape).sort(byName)).toEqual(
      [kept, ...others].map(shape).sort(byName),
    );
    const [partitionKey] = keyNames;
    const found = await client.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: kept.IndexName,
        KeyConditionExpression: '#k = :v',
        ExpressionAttributeNames: { '#k': partitionKey as string },
        ExpressionAttributeValues: { ':v': { S: `${partitionKey}-value` } },
      }),
    );
    expect(found.Items?.map((i) => i.payload?.S)).toEqual(['kept']);
    expect(lines.join('\n')).toMatch(/enabled its stream/);
    expect(lines.join('\n')).toMatch(/dropped index legacy_index/);

    await expect(ensureTable(client, tableName, log)).resolves.toBeUndefined();
  }, 600_000);

  it('refuses a table whose primary key differs, saying npm start -- --fresh', async () => {
    const tableName = uniqueTableName('old');
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      }),
    );

    const attempt = ensureTable(client, tableName);

    await expect(attempt).rejects.toThrow(TableMismatchError);
    await expect(attempt).rejects.toThrow(/npm start -- --fresh/);
  });
});
