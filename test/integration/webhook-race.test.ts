/**
 * The email webhook when its item changes between the read and the write (DynamoDB Local): the delivery's last
 * change carries its answer in the same transaction, so when that change loses its race the answer must still be
 * written, on its own, and say what really happened.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EmailWebhookEvent } from '../../shared/domain/email-webhook.js';
import { ReviewStore } from '../../shared/store/review-store.js';
import { applyMemberChange } from '../../shared/use-cases/apply-member-change.js';
import type { Deps } from '../../shared/use-cases/deps.js';
import { ingestProposal } from '../../shared/use-cases/ingest-proposal.js';
import { resolveFromWebhook } from '../../shared/use-cases/resolve-from-webhook.js';
import { newItemId } from '../../shared/wiring.js';
import { member, proposal } from '../fixtures/index.js';
import { RACE_CONFLICT_WINDOW_MS } from '../support/conflict-rule.js';
import { createTestTable, type TestTable } from '../support/dynamo.js';

const workspaceId = `ws_race_${randomUUID().slice(0, 8)}`;
const now = new Date('2026-11-21T00:00:00.000Z');

let table: TestTable;
let store: ReviewStore;
const depsWith = (s: ReviewStore): Deps => ({ store: s, clock: () => now, newId: newItemId });

/** The store, except that `beforeWrite` runs once its candidates are read: someone else acts in between. */
function racingStore(beforeWrite: () => Promise<void>): ReviewStore {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'matchCandidates')
        return async (...args: Parameters<ReviewStore['matchCandidates']>) => {
          const candidates = await target.matchCandidates(...args);
          await beforeWrite();
          return candidates;
        };
      const value = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const sent = (threadId: string): EmailWebhookEvent => ({
  type: 'message.sent',
  workspaceId,
  mailbox: 'alice@acme.com',
  messageId: `<${randomUUID()}@mail>`,
  threadId,
  to: ['carol@globex.com'],
  subject: 'Renewal',
  occurredAt: now.toISOString(),
});

beforeAll(async () => {
  table = await createTestTable('webhookrace', { conflictWindowMs: RACE_CONFLICT_WINDOW_MS });
  store = new ReviewStore(table.client, table.tableName);
  await applyMemberChange(store, member({ workspaceId }));
});

describe('a webhook whose matched item is decided meanwhile', () => {
  it('answers what it did (nothing), completes its delivery on its own, and a repeat gets that answer', async () => {
    const threadId = `thread_${randomUUID().slice(0, 8)}`;
    const created = await ingestProposal(
      depsWith(store),
      proposal({ workspaceId, proposedAt: '2026-11-20T10:00:00.000Z', draft: { threadId } }),
    );
    expect(created.outcome).toBe('created');

    const ours = `wh_${randomUUID()}`;
    const theirs = `wh_${randomUUID()}`;
    // Another delivery (the provider sent it twice under two ids) resolves the item after ours read it.
    const racing = racingStore(async () => {
      expect(await resolveFromWebhook(depsWith(store), theirs, sent(threadId))).toMatchObject({
        resolved: 1,
      });
    });
    table.counter.reset();
    const answer = await resolveFromWebhook(depsWith(racing), ours, sent(threadId));
    const byCommand = { ...table.counter.byCommand };

    expect(answer).toEqual({ resolved: 0, stale: 0, duplicate: false });
    // Ours: the SELECT, its claim, the change that lost (with the answer in it), then the answer alone. The other
    // delivery, run in between: its SELECT, its claim and one change that completed it.
    expect(byCommand).toEqual({ ExecuteStatement: 2, PutItem: 2, TransactWriteItems: 2, UpdateItem: 1 });
    expect(await resolveFromWebhook(depsWith(store), ours, sent(threadId))).toEqual({
      resolved: 0,
      stale: 0,
      duplicate: true,
    });
    expect(await resolveFromWebhook(depsWith(store), theirs, sent(threadId))).toEqual({
      resolved: 1,
      stale: 0,
      duplicate: true,
    });
  }, 60_000);

  it('completes the delivery in the transaction of its one change when nobody interferes', async () => {
    const threadId = `thread_${randomUUID().slice(0, 8)}`;
    await ingestProposal(
      depsWith(store),
      proposal({ workspaceId, proposedAt: '2026-11-20T11:00:00.000Z', draft: { threadId } }),
    );
    const webhookId = `wh_${randomUUID()}`;
    table.counter.reset();
    expect(await resolveFromWebhook(depsWith(store), webhookId, sent(threadId))).toEqual({
      resolved: 1,
      stale: 0,
      duplicate: false,
    });
    expect({ ...table.counter.byCommand }).toEqual({
      ExecuteStatement: 1,
      PutItem: 1,
      TransactWriteItems: 1,
    });
    expect(await resolveFromWebhook(depsWith(store), webhookId, sent(threadId))).toMatchObject({
      resolved: 1,
      duplicate: true,
    });
  }, 60_000);
});
