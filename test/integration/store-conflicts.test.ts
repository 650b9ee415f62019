/**
 * The store's answer to DynamoDB's transaction conflicts, against the rule itself (infra/local/conflict-rule.ts in
 * front of DynamoDB Local) rather than a stubbed client (test/unit/transaction-conflict.test.ts pins the same with
 * made-up cancellations): a transaction cancelled only for `TransactionConflict` is retried and lands; one that
 * keeps meeting a held item becomes a lost race after its attempts; a failed condition is a lost race at once.
 * The changes race for real, through the real SDK clients; the rule's counts say what it refused.
 */
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { localClient } from '../../infra/local/dynamodb-local.js';
import { countRequests } from '../../scripts/lib/request-counter.js';
import { createDocumentClient } from '../../shared/aws-clients.js';
import { dismissed, edited } from '../../shared/domain/lifecycle.js';
import { historyEntry, type ReviewItem } from '../../shared/domain/review-item.js';
import { WriteConflictError } from '../../shared/errors.js';
import { itemKeys } from '../../shared/store/entities/review-item.js';
import { ReviewStore } from '../../shared/store/review-store.js';
import { TRANSACTION_CONFLICT_ATTEMPTS } from '../../shared/store/table.js';
import { decisionCounters } from '../../shared/use-cases/commit.js';
import { ItemConflictError, type ItemWrite } from '../../shared/use-cases/ports.js';
import { type ConflictRule, useConflictRule } from '../support/conflict-rule.js';
import {
  createItemEnv,
  emailOf,
  type ItemEnv,
  RUN_USER,
  SENDING_ADMIN,
  seedItem,
  seedMembers,
  uniqueProposal,
} from '../support/items.js';

/**
 * The commit window of the file's table. A transaction is held from when it arrives until DynamoDB Local has answered
 * it (100–250 ms for an item change on a busy machine, DynamoDB a fraction of that) and the window has passed since
 * it arrived, and its caller is answered only then: so a test that needs a change to meet a commit sends the
 * committing transaction without awaiting it, waits until the rule holds its items (`untilHolding`), then sends the
 * change, inside the window. The window is far shorter than the store's retries (full jitter: random waits under 25,
 * 50, 100, ... 800 ms), so a retried change lands once the commit is over.
 */
const WINDOW_MS = 120;
/**
 * A window no retry outlasts: the store's attempts (TRANSACTION_CONFLICT_ATTEMPTS) wait about 1.6 s at most in all,
 * and take well under two seconds.
 */
const LONG_WINDOW_MS = 4_000;

let env: ItemEnv;
let rule: ConflictRule;
const longRule = useConflictRule(LONG_WINDOW_MS);

beforeAll(async () => {
  env = await createItemEnv({ prefix: 'store-conflicts', conflictWindowMs: WINDOW_MS });
  rule = env.table.conflictRule as ConflictRule;
  await seedMembers(env.deps, [RUN_USER, SENDING_ADMIN]);
});

afterAll(async () => {
  await env?.table.drop();
  env?.ses.client.destroy();
});

beforeEach(() => {
  rule.resetStats();
  env.table.counter.reset();
});

const store = () => env.deps.store;

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the change to fail');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until `conflictRule` holds items: a transaction sent without awaiting has arrived and is committing, for at
 * least the rule's window from then.
 */
async function untilHolding(conflictRule: ConflictRule): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (conflictRule.stats().held === 0) {
    if (Date.now() > deadline) throw new Error('the rule holds no item: the transaction never arrived');
    await sleep(1);
  }
}

/** Another transaction on the item, one that only checks it (it changes nothing). */
const checkOf = (item: ReviewItem) =>
  new TransactWriteCommand({
    TransactItems: [
      {
        ConditionCheck: {
          TableName: env.table.tableName,
          Key: itemKeys.item(item.workspaceId, item.id),
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
    ],
  });

/** A pending item of an automation of its own (so its counters are this test's alone). */
const newItem = (): Promise<ReviewItem> =>
  seedItem(env.deps, uniqueProposal({ run: { automationId: `auto_${ulid()}` } }));

/** A reviewer's dismissal of the item as read, as dismissItem writes it. */
function dismissal(item: ReviewItem, userId = RUN_USER.userId): ItemWrite {
  const after = dismissed(item, userId, new Date().toISOString());
  return {
    before: item,
    after,
    entry: historyEntry(after, 'dismissed', { kind: 'user', userId }),
    counters: decisionCounters(item, { dismissed: 1 }, after.updatedAt),
    events: [],
  };
}

/** A reviewer's edit of the item as read (a new subject), as editItem writes it. */
function edit(item: ReviewItem, userId = RUN_USER.userId): ItemWrite {
  const draft = { ...emailOf(item.draft), subject: `${emailOf(item.draft).subject} (edited)` };
  const after = edited(item, draft, new Date().toISOString());
  return {
    before: item,
    after,
    entry: historyEntry(after, 'edited', { kind: 'user', userId }, { withDraft: true }),
    events: [],
  };
}

describe('ReviewStore through DynamoDB’s conflict rule', () => {
  it('retries a change cancelled only for TransactionConflict: it lands once the transaction it met is done', async () => {
    const item = await newItem();
    expect(rule.stats().held).toBe(0); // the item's creation, answered, no longer holds it
    rule.resetStats();
    env.table.counter.reset();

    // Another transaction commits on the item (it only checks it, changing nothing); the dismissal is sent while
    // that transaction still holds it.
    const committing = env.table.client.send(checkOf(item));
    await untilHolding(rule);
    await store().changeItem(dismissal(item));
    await committing;

    const { refused, forwarded } = rule.stats();
    expect(refused.byOperation.TransactWriteItems ?? 0).toBeGreaterThan(0);
    // Each transaction reached DynamoDB Local once, and committed; the refused attempts were sent again by the store.
    expect(forwarded.byOperation.TransactWriteItems).toBe(2);
    expect(env.table.counter.byCommand.TransactWriteItems).toBe(
      2 + (refused.byOperation.TransactWriteItems ?? 0),
    );
    expect((await store().getItem(item.workspaceId, item.id))?.status).toBe('dismissed');
  });

  it('never makes changes of different items of one automation meet: their counters are not in the transaction', async () => {
    const automationId = `auto_${ulid()}`;
    const items = await Promise.all(
      Array.from({ length: 6 }, () => seedItem(env.deps, uniqueProposal({ run: { automationId } }))),
    );
    rule.resetStats();

    // All six reviewed at once, and a dropped proposal of the same automation beside them.
    await Promise.all([
      ...items.map((item, i) => store().changeItem(i % 2 ? dismissal(item) : edit(item))),
      store().recordDropped(
        items[0]!.workspaceId,
        { automationId, executedAs: items[0]!.origin.executedAs, add: { dropped: 1 } },
        [],
      ),
    ]);

    expect(rule.stats().refused.total).toBe(0);
  });

  it('does not retry a change whose condition failed once past the conflict: that race is lost', async () => {
    const item = await newItem();
    rule.resetStats();
    env.table.counter.reset();

    // The admin's edit commits; the reviewer's dismissal of the item as it was read meets it while it is held, is
    // retried, then reaches DynamoDB Local once the edit is committed, and its condition (the version read) fails.
    const editing = store().changeItem(edit(item, SENDING_ADMIN.userId));
    await untilHolding(rule);
    const lost = await failure(store().changeItem(dismissal(item, RUN_USER.userId)));
    await editing;

    expect(lost).toBeInstanceOf(ItemConflictError);
    expect((lost as ItemConflictError).reasons[0]).toBe('ConditionalCheckFailed');
    expect((lost as ItemConflictError).current?.version).toBe(item.version + 1); // the winner's item
    const { refused, forwarded } = rule.stats();
    expect(refused.byOperation.TransactWriteItems ?? 0).toBeGreaterThan(0);
    expect(forwarded.byOperation.TransactWriteItems).toBe(2); // the loser reached DynamoDB Local once, not again
  });

  it('lets exactly one of two changes of one item sent at once win; the other is a lost race', async () => {
    const item = await newItem();
    rule.resetStats();

    const results = await Promise.allSettled([
      store().changeItem(dismissal(item, RUN_USER.userId)),
      store().changeItem(edit(item, SENDING_ADMIN.userId)),
    ]);

    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    // Lost on the condition, or (DynamoDB Local being slow to commit the winner) after meeting it 4 times.
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(
      WriteConflictError,
    );
    expect(rule.stats().refused.byOperation.TransactWriteItems ?? 0).toBeGreaterThan(0);
    expect((await store().getItem(item.workspaceId, item.id))?.version).toBe(item.version + 1);
  });

  it('makes a change that keeps meeting a committing transaction a lost race after its attempts; after the window it lands', async () => {
    const item = await newItem();
    // Through a rule whose window outlasts every retry.
    const raw = localClient(longRule().endpoint);
    const held = new ReviewStore(createDocumentClient(raw), env.table.tableName);
    const counter = countRequests(raw);
    let committing: Promise<unknown> | undefined;
    try {
      // Another transaction commits on the item (it only checks it): the item is held for the long window from
      // its arrival, after startedAt.
      const startedAt = Date.now();
      committing = createDocumentClient(raw).send(checkOf(item));
      await untilHolding(longRule());
      counter.reset();
      longRule().resetStats();

      const write = dismissal(item);
      const lost = await failure(held.changeItem(write));

      expect(Date.now() - startedAt).toBeLessThan(LONG_WINDOW_MS); // the premise: every attempt met the hold
      expect(lost).toBeInstanceOf(WriteConflictError);
      const reasons = (lost as WriteConflictError).reasons;
      expect(reasons[0]).toBe('TransactionConflict'); // the item's put is the transaction's first action
      expect(reasons.slice(1).every((code) => code === 'None')).toBe(true);
      expect(counter.byCommand).toEqual({ TransactWriteItems: TRANSACTION_CONFLICT_ATTEMPTS });
      expect(longRule().stats().refused.byOperation).toEqual({
        TransactWriteItems: TRANSACTION_CONFLICT_ATTEMPTS,
      });
      expect(longRule().stats().forwarded.total).toBe(0);

      // Once the other transaction's caller has its answer (no sooner than the window), the change lands.
      await committing;
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(LONG_WINDOW_MS - 5);
      await held.changeItem(write);
      expect((await store().getItem(item.workspaceId, item.id))?.status).toBe('dismissed');
    } finally {
      await committing?.catch(() => undefined);
      raw.destroy();
    }
  });
});
