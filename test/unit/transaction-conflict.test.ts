/**
 * DynamoDB Local runs transactions one at a time, so it never cancels one for `TransactionConflict`; real
 * DynamoDB does when two transactions touch the same item at once. This pins the store's answer with a client
 * that answers like DynamoDB would.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { WriteConflictError } from '../../shared/errors.js';
import { ReviewStore } from '../../shared/store/review-store.js';
import { TRANSACTION_CONFLICT_ATTEMPTS } from '../../shared/store/table.js';

const cancelled = (codes: string[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

function storeAnswering(answers: (Error | undefined)[]) {
  let calls = 0;
  const client = {
    send: async () => {
      const answer = answers[calls++];
      if (answer) throw answer;
      return {};
    },
  } as unknown as DynamoDBDocumentClient;
  return { store: new ReviewStore(client, 'table'), calls: () => calls };
}

const state = {
  id: 'ri_1',
  workspaceId: 'ws',
  version: 1,
  status: 'pending' as const,
  reviewers: ['u'],
  holdsKey: false,
  createdAt: '2026-11-20T10:00:00.000Z',
  updatedAt: '2026-11-20T10:00:00.000Z',
  dedupHash: 'h',
  automationId: 'auto',
  executedAs: { kind: 'workspace' as const },
  records: [],
};
// A whole item: the store parses what it writes with the reader's schema.
const item = {
  ...state,
  version: 2,
  type: 'email',
  draft: { type: 'email', from: 'a@x.com', to: ['b@x.com'], cc: [], bcc: [], subject: 's', bodyText: '' },
  edited: true,
  reason: 'r',
  relatedRecords: [],
  origin: { runId: 'r', stepId: 's', automationId: 'auto', executedAs: { kind: 'workspace' } },
  proposedAt: '2026-11-20T10:00:00.000Z',
  decision: null,
} as never;
const entry = {
  action: 'edited',
  actor: { kind: 'system', reason: 't' },
  at: 'now',
  runId: 'r',
  version: 2,
  status: 'pending',
} as never;

describe('a transaction cancelled because another was in flight', () => {
  it('is retried, and succeeds when the other one is done', async () => {
    const { store, calls } = storeAnswering([cancelled(['None', 'TransactionConflict']), undefined]);
    await store.changeItem({ before: state, after: item, entry, events: [] });
    expect(calls()).toBe(2);
  });

  it('becomes a lost race after a few attempts', async () => {
    const conflict = cancelled(['TransactionConflict']);
    const { store, calls } = storeAnswering(
      Array.from({ length: TRANSACTION_CONFLICT_ATTEMPTS + 1 }, () => conflict),
    );
    await expect(store.changeItem({ before: state, after: item, entry, events: [] })).rejects.toBeInstanceOf(
      WriteConflictError,
    );
    expect(calls()).toBe(TRANSACTION_CONFLICT_ATTEMPTS);
  });

  it('is not retried when a condition failed: that race is lost', async () => {
    const { store, calls } = storeAnswering([
      cancelled(['ConditionalCheckFailed', 'TransactionConflict']),
      undefined,
    ]);
    await expect(store.changeItem({ before: state, after: item, entry, events: [] })).rejects.toBeInstanceOf(
      WriteConflictError,
    );
    expect(calls()).toBe(1);
  });
});
