/**
 * The read side on DynamoDB Local: the queue, workspace scope, record banner, summary and expiry. Request budgets
 * at 10² and 10⁴ items are test/integration/flat-at-scale.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ReviewItem } from '../../shared/domain/review-item.js';
import { ValidationError } from '../../shared/errors.js';
import type { ReviewStore } from '../../shared/store/review-store.js';
import { applyMemberChange } from '../../shared/use-cases/apply-member-change.js';
import type { Deps } from '../../shared/use-cases/deps.js';
import { ingestProposal } from '../../shared/use-cases/ingest-proposal.js';
import { listRecordItems, listReviewItems, summarize } from '../../shared/use-cases/read-items.js';
import { expireDueItems } from '../../shared/use-cases/scheduled-jobs.js';
import { newItemId } from '../../shared/wiring.js';
import { member, proposal } from '../fixtures/index.js';
import { createTestTable, type TestTable } from '../support/dynamo.js';
import { emailOf } from '../support/items.js';
import { OutboxReader } from '../support/outbox.js';
import { SettlingStore } from '../support/tallies.js';

let table: TestTable;
let store: ReviewStore;
let now = new Date('2026-11-20T12:00:00.000Z');
const deps = (): Deps => ({
  store,
  clock: () => now,
  newId: newItemId,
});
const alice = (workspaceId: string) => ({ workspaceId, userId: 'u_alice' });

beforeAll(async () => {
  table = await createTestTable('queue', { stream: true });
  store = new SettlingStore(table.client, table.tableName);
});

async function workspace(): Promise<string> {
  const workspaceId = `ws_${randomUUID().slice(0, 8)}`;
  await applyMemberChange(store, member({ workspaceId }));
  await applyMemberChange(store, member({ workspaceId, userId: 'u_bob', mailboxes: ['bob@acme.com'] }));
  await applyMemberChange(store, member({ workspaceId, userId: 'u_admin', role: 'admin', mailboxes: [] }));
  return workspaceId;
}

/** Ingests `count` distinct proposals, one minute apart (so newest first is the reverse order). */
async function ingestMany(
  workspaceId: string,
  count: number,
  over: (i: number) => Parameters<typeof proposal>[0] = () => ({}),
) {
  for (let i = 0; i < count; i++) {
    now = new Date(Date.parse('2026-11-20T12:00:00.000Z') + i * 60_000);
    await ingestProposal(
      deps(),
      proposal({ workspaceId, dedupKey: `k${i}`, draft: { subject: `S${i}` }, ...over(i) }),
    );
  }
}

describe('the queue', () => {
  it('pages newest first with an opaque cursor, 2 requests a page', async () => {
    const workspaceId = await workspace();
    await ingestMany(workspaceId, 7);
    const subjects: string[] = [];
    let cursor: string | undefined;
    do {
      table.counter.reset();
      const page = await listReviewItems(deps(), alice(workspaceId), { limit: 3, scope: 'mine', cursor });
      expect(table.counter.byCommand).toEqual({ GetItem: 1, Query: 1 });
      subjects.push(...page.items.map((i) => emailOf(i.draft).subject));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(subjects).toEqual(['S6', 'S5', 'S4', 'S3', 'S2', 'S1', 'S0']);
  });

  it('filters by automation', async () => {
    const workspaceId = await workspace();
    await ingestMany(workspaceId, 4, (i) => ({ run: { automationId: i % 2 ? 'auto_odd' : 'auto_even' } }));
    const page = await listReviewItems(deps(), alice(workspaceId), {
      limit: 25,
      scope: 'mine',
      automationId: 'auto_odd',
    });
    expect(page.items.map((i) => emailOf(i.draft).subject)).toEqual(['S3', 'S1']);
  });

  it('lists bodies as a preview only', async () => {
    const workspaceId = await workspace();
    await ingestMany(workspaceId, 1, () => ({ draft: { bodyText: 'x'.repeat(1000), subject: 'long' } }));
    const [item] = (await listReviewItems(deps(), alice(workspaceId), { limit: 1, scope: 'mine' })).items;
    expect(item?.draft).not.toHaveProperty('bodyText');
    expect(item?.draft).toMatchObject({ bodyPreview: 'x'.repeat(280) });
  });

  it('refuses a cursor from another listing', async () => {
    const workspaceId = await workspace();
    await ingestMany(workspaceId, 3);
    const page = await listReviewItems(deps(), alice(workspaceId), { limit: 1, scope: 'mine' });
    const asBob = listReviewItems(
      deps(),
      { workspaceId, userId: 'u_bob' },
      { limit: 1, scope: 'mine', cursor: page.nextCursor! },
    );
    await expect(asBob).rejects.toBeInstanceOf(ValidationError);
    await expect(
      listReviewItems(deps(), alice(workspaceId), { limit: 1, scope: 'mine', cursor: 'garbage' }),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('is empty for an unknown or inactive member', async () => {
    const workspaceId = await workspace();
    await ingestMany(workspaceId, 2);
    await applyMemberChange(
      store,
      member({ workspaceId, active: false, changedAt: '2026-11-21T00:00:00.000Z' }),
    );
    expect((await listReviewItems(deps(), alice(workspaceId), { limit: 25, scope: 'mine' })).items).toEqual(
      [],
    );
    expect(
      (await listReviewItems(deps(), { workspaceId, userId: 'u_nobody' }, { limit: 25, scope: 'workspace' }))
        .items,
    ).toEqual([]);
  });

  it('refuses a cursor from a caller with no list, rather than answering an empty page (found by the fuzz test)', async () => {
    const workspaceId = await workspace();
    await ingestMany(workspaceId, 3);
    // A real cursor of alice's workspace view, then alice leaves: no list of hers continues from it.
    const page = await listReviewItems(deps(), alice(workspaceId), { limit: 1, scope: 'workspace' });
    const queuePage = await listReviewItems(deps(), alice(workspaceId), { limit: 1, scope: 'mine' });
    expect(page.nextCursor).toEqual(expect.any(String));
    expect(queuePage.nextCursor).toEqual(expect.any(String));
    await applyMemberChange(
      store,
      member({ workspaceId, active: false, changedAt: '2026-11-21T00:00:00.000Z' }),
    );
    const nobody = { workspaceId, userId: 'u_nobody' };
    const record = { type: 'account', id: 'acc_1' };
    for (const cursor of ['eyJwayI6IldTI3gifQ', page.nextCursor!]) {
      await expect(
        listReviewItems(deps(), alice(workspaceId), { limit: 1, scope: 'workspace', cursor }),
      ).rejects.toBeInstanceOf(ValidationError);
      await expect(
        listReviewItems(deps(), nobody, { limit: 1, scope: 'workspace', cursor }),
      ).rejects.toBeInstanceOf(ValidationError);
      await expect(listRecordItems(deps(), nobody, record, { limit: 1, cursor })).rejects.toBeInstanceOf(
        ValidationError,
      );
    }
    await expect(
      listReviewItems(deps(), alice(workspaceId), { limit: 1, scope: 'mine', cursor: queuePage.nextCursor! }),
    ).rejects.toBeInstanceOf(ValidationError);
    // Without a cursor they are answered as before: an empty page.
    expect(await listRecordItems(deps(), nobody, record, { limit: 1 })).toEqual({
      items: [],
      nextCursor: null,
    });
  });
});

describe('visibility in workspace scope and on record pages', () => {
  it('shows a member workspace runs and their own runs, an admin everything', async () => {
    const workspaceId = await workspace();
    // S0: Alice's private run; S1: a workspace run; S2: Bob's private run.
    await ingestMany(workspaceId, 3, (i) => ({
      run: {
        executedAs: i === 1 ? { kind: 'workspace' } : { kind: 'user', userId: i === 0 ? 'u_alice' : 'u_bob' },
      },
    }));
    const scope = async (userId: string) =>
      (await listReviewItems(deps(), { workspaceId, userId }, { limit: 25, scope: 'workspace' })).items.map(
        (i) => emailOf(i.draft).subject,
      );
    expect(await scope('u_alice')).toEqual(['S1', 'S0']);
    expect(await scope('u_bob')).toEqual(['S2', 'S1']);
    expect(await scope('u_admin')).toEqual(['S2', 'S1', 'S0']);

    const record = async (userId: string) =>
      (
        await listRecordItems(
          deps(),
          { workspaceId, userId },
          { type: 'account', id: 'acc_1' },
          { limit: 25 },
        )
      ).items.map((i) => emailOf(i.draft).subject);
    expect(await record('u_bob')).toEqual(['S2', 'S1']);
    expect(
      await listRecordItems(
        deps(),
        { workspaceId, userId: 'u_bob' },
        { type: 'account', id: 'acc_2' },
        { limit: 25 },
      ),
    ).toEqual({
      items: [],
      nextCursor: null,
    });
  });

  it('answers the caller permissions with each item', async () => {
    const workspaceId = await workspace();
    await ingestMany(workspaceId, 1, () => ({ run: { executedAs: { kind: 'workspace' } } }));
    const as = async (userId: string) =>
      (await listReviewItems(deps(), { workspaceId, userId }, { limit: 1, scope: 'workspace' })).items[0]
        ?.permissions;
    // Reviewers: the record owner Bob and Alice (her mailbox is the from address).
    expect(await as('u_alice')).toEqual({ canEdit: true, canApprove: true, canDismiss: true });
    expect(await as('u_bob')).toEqual({ canEdit: true, canApprove: false, canDismiss: true });
    expect(await as('u_admin')).toEqual({ canEdit: true, canApprove: false, canDismiss: true });
  });
});

describe('summary', () => {
  it('counts pending items by automation and shows the latest', async () => {
    const workspaceId = await workspace();
    await ingestMany(workspaceId, 5, (i) => ({
      run: { automationId: i < 3 ? 'auto_a' : 'auto_b', automationName: i < 3 ? 'A' : 'B' },
    }));
    const summary = await summarize(deps(), alice(workspaceId), 2);
    expect(summary.pendingCount).toBe(5);
    expect(summary.byAutomation).toEqual([
      { automationId: 'auto_a', automationName: 'A', count: 3 },
      { automationId: 'auto_b', automationName: 'B', count: 2 },
    ]);
    expect(summary.latest.map((i) => emailOf(i.draft).subject)).toEqual(['S4', 'S3']);
  });
});

describe('expiry', () => {
  it('never lists an item past expiresAt, and the job marks it expired', async () => {
    const workspaceId = await workspace();
    now = new Date('2026-11-20T12:00:00.000Z');
    await ingestProposal(deps(), proposal({ workspaceId, expiresAt: '2026-11-20T12:30:00.000Z' }));
    expect(
      (await listReviewItems(deps(), alice(workspaceId), { limit: 25, scope: 'mine' })).items,
    ).toHaveLength(1);

    now = new Date('2026-11-20T12:30:00.000Z');
    const [listed] = (await listReviewItems(deps(), alice(workspaceId), { limit: 25, scope: 'mine' })).items;
    expect(listed).toBeUndefined();

    const { expired } = await expireDueItems(deps());
    expect(expired).toBeGreaterThanOrEqual(1);
    const page = await store.listItems(
      workspaceId,
      'u_alice',
      { kind: 'queue', userId: 'u_alice' },
      { limit: 100 },
      () => true,
    );
    expect(page.items).toEqual([]);
    expect(await store.queueCounts(workspaceId, 'u_alice')).toEqual({
      pending: 0,
      overdue: 0,
      byAutomation: [],
    });
    const [expiredEvent] = await new OutboxReader(table.client, table.tableName).of(
      'Review Item Expired',
      workspaceId,
    );
    const item = (await store.getItem(workspaceId, String(expiredEvent?.detail.itemId))) as ReviewItem;
    expect(item).toMatchObject({ status: 'expired', decision: { action: 'expired', by: null } });
    expect((await store.getHistory(workspaceId, item.id)).map((h) => h.action)).toEqual([
      'created',
      'expired',
    ]);
    // A new proposal for the same change starts a new item.
    expect((await ingestProposal(deps(), proposal({ workspaceId, run: { id: 'run_later' } }))).outcome).toBe(
      'created',
    );
  });
});
