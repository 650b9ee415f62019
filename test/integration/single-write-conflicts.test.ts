/**
 * A single write that meets a committing transaction: DynamoDB refuses it with TransactionConflictException, which
 * says nothing about the item, so the store retries it (shared/store/table.ts `write`) instead of failing the
 * request with a 500. Driven through DynamoDB's conflict rule (infra/local/conflict-rule.ts).
 */
import { randomUUID } from 'node:crypto';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookKeys } from '../../shared/store/entities/webhook-delivery.js';
import { ReviewStore } from '../../shared/store/review-store.js';
import { createTestTable, type TestTable } from '../support/dynamo.js';

/** Long enough that the second request surely arrives while the first transaction commits. */
const WINDOW_MS = 300;

let table: TestTable;
let store: ReviewStore;

beforeAll(async () => {
  table = await createTestTable('single-writes', { conflictWindowMs: WINDOW_MS });
  store = new ReviewStore(table.client, table.tableName);
});

afterAll(async () => {
  await table?.drop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a single write meeting a committing transaction', () => {
  it('is retried and lands once the transaction is done: a webhook claim answers, never a 500', async () => {
    const webhookId = `msg_${randomUUID()}`;
    // Another transaction commits on the delivery's record (it only checks that it is not there).
    const holding = table.client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            ConditionCheck: {
              TableName: table.tableName,
              Key: webhookKeys.delivery(webhookId),
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
      }),
    );
    await sleep(30);
    const claim = await store.claimWebhook(webhookId, new Date(), 60_000);
    await holding;

    expect(claim).toEqual({ kind: 'claimed' });
    const { refused } = table.conflictRule!.stats();
    // The claim met the hold at least once (or this would prove nothing), and was sent again.
    expect(refused.byOperation.PutItem ?? 0).toBeGreaterThan(0);
    expect(refused.writes).toBe(refused.byOperation.PutItem);
  });
});
