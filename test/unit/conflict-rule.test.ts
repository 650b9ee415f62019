/** The pure parts of DynamoDB's conflict rule (infra/local/conflict-rule.ts): the setting, the items, the answers. */
import { describe, expect, it } from 'vitest';
import {
  CONFLICT_MESSAGE,
  conflictWindowFromEnv,
  itemsTouched,
  transactionCanceled,
  transactionConflict,
} from '../../infra/local/conflict-rule.js';
import { StartupError } from '../../infra/local/errors.js';

describe('DYNAMODB_CONFLICT_WINDOW_MS', () => {
  it('is off (0) when unset, empty or 0, and a whole number of milliseconds otherwise', () => {
    expect(conflictWindowFromEnv({})).toBe(0);
    expect(conflictWindowFromEnv({ DYNAMODB_CONFLICT_WINDOW_MS: ' ' })).toBe(0);
    expect(conflictWindowFromEnv({ DYNAMODB_CONFLICT_WINDOW_MS: '0' })).toBe(0);
    expect(conflictWindowFromEnv({ DYNAMODB_CONFLICT_WINDOW_MS: '50' })).toBe(50);
  });

  it('refuses anything else at start, naming the variable', () => {
    for (const raw of ['-1', '1.5', 'ten', '1e3', '3600001'])
      expect(() => conflictWindowFromEnv({ DYNAMODB_CONFLICT_WINDOW_MS: raw })).toThrow(StartupError);
    expect(() => conflictWindowFromEnv({ DYNAMODB_CONFLICT_WINDOW_MS: 'x' })).toThrow(
      /DYNAMODB_CONFLICT_WINDOW_MS/,
    );
  });
});

describe('the items a request touches', () => {
  const schemas: Record<string, string[]> = { t: ['pk', 'sk'], h: ['id'] };
  const keyNames = async (table: string) => schemas[table];
  const id = (table: string, key: Record<string, unknown>) =>
    `${table}\u0000${JSON.stringify(Object.entries(key).sort(([a], [b]) => a.localeCompare(b)))}`;
  const k = { pk: { S: 'a' }, sk: { S: '1' } };

  it('takes a put’s key from its item with the table’s key schema, and the others’ from Key', async () => {
    expect(
      await itemsTouched('PutItem', { TableName: 't', Item: { ...k, x: { N: '1' } } }, keyNames),
    ).toEqual([id('t', k)]);
    // Key attributes in another order name the same item.
    expect(
      await itemsTouched('UpdateItem', { TableName: 't', Key: { sk: k.sk, pk: k.pk } }, keyNames),
    ).toEqual([id('t', k)]);
    expect(await itemsTouched('DeleteItem', { TableName: 't', Key: k }, keyNames)).toEqual([id('t', k)]);
  });

  it('lists a transaction’s items in the order of its actions, a table ARN naming its table', async () => {
    const items = await itemsTouched(
      'TransactWriteItems',
      {
        TransactItems: [
          { ConditionCheck: { TableName: 'h', Key: { id: { S: 'c' } } } },
          { Put: { TableName: 'arn:aws:dynamodb:us-east-1:000000000000:table/t', Item: k } },
          { Update: { TableName: 't', Key: { pk: { S: 'b' }, sk: { S: '2' } } } },
          { Delete: { TableName: 'h', Key: { id: { S: 'd' } } } },
        ],
      },
      keyNames,
    );
    expect(items).toEqual([
      id('h', { id: { S: 'c' } }),
      id('t', k),
      id('t', { pk: { S: 'b' }, sk: { S: '2' } }),
      id('h', { id: { S: 'd' } }),
    ]);
    expect(
      await itemsTouched(
        'TransactGetItems',
        { TransactItems: [{ Get: { TableName: 't', Key: k } }] },
        keyNames,
      ),
    ).toEqual([id('t', k)]);
  });

  it('lists a BatchWriteItem’s puts and deletes', async () => {
    expect(
      await itemsTouched(
        'BatchWriteItem',
        {
          RequestItems: {
            t: [{ PutRequest: { Item: k } }],
            h: [{ DeleteRequest: { Key: { id: { S: 'e' } } } }],
          },
        },
        keyNames,
      ),
    ).toEqual([id('t', k), id('h', { id: { S: 'e' } })]);
  });

  it('cannot tell the key of a put into an unknown table, or of a malformed entry', async () => {
    expect(await itemsTouched('PutItem', { TableName: 'unknown', Item: k }, keyNames)).toEqual([undefined]);
    expect(await itemsTouched('PutItem', { TableName: 't', Item: { pk: k.pk } }, keyNames)).toEqual([
      undefined,
    ]);
    expect(await itemsTouched('TransactWriteItems', { TransactItems: [{}, 'x'] }, keyNames)).toEqual([
      undefined,
      undefined,
    ]);
    expect(await itemsTouched('PutItem', null, keyNames)).toEqual([]);
  });
});

describe("DynamoDB's answers", () => {
  it('a cancelled transaction: a reason per action, the codes listed in the message', () => {
    expect(transactionCanceled([false, true, false])).toEqual({
      __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
      CancellationReasons: [
        { Code: 'None' },
        { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' },
        { Code: 'None' },
      ],
      Message:
        'Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict, None]',
    });
  });

  it('a refused single write', () => {
    expect(transactionConflict()).toEqual({
      __type: 'com.amazonaws.dynamodb.v20120810#TransactionConflictException',
      message: CONFLICT_MESSAGE,
    });
  });
});
