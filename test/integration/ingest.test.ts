/**
 * Drafts in, on DynamoDB Local: routing, dedup and replacement under duplicate, out-of-order and concurrent
 * delivery, the member directory, and the DynamoDB request budget of an ingest (spec 3, 8).
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareProposals } from '../../shared/domain/dedup.js';
import type { DraftProposed } from '../../shared/events/in-schemas.js';
import type { ReviewStore } from '../../shared/store/review-store.js';
import { applyMemberChange } from '../../shared/use-cases/apply-member-change.js';
import type { Deps } from '../../shared/use-cases/deps.js';
import { ingestProposal } from '../../shared/use-cases/ingest-proposal.js';
import { getHistory, listReviewItems } from '../../shared/use-cases/read-items.js';
import { newItemId } from '../../shared/wiring.js';
import { member, proposal } from '../fixtures/index.js';
import { RACE_CONFLICT_WINDOW_MS } from '../support/conflict-rule.js';
import { createTestTable, type TestTable } from '../support/dynamo.js';
import { emailOf } from '../support/items.js';
import { OutboxReader } from '../support/outbox.js';
import { SettlingStore } from '../support/tallies.js';

let table: TestTable;
let store: ReviewStore;
let outbox: OutboxReader;
const deps = (): Deps => ({
  store,
  clock: () => new Date('2026-11-20T12:00:00.000Z'),
  newId: newItemId,
});
const newWorkspace = () => `ws_${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  table = await createTestTable('ingest', { stream: true, conflictWindowMs: RACE_CONFLICT_WINDOW_MS });
  store = new SettlingStore(table.client, table.tableName);
  outbox = new OutboxReader(table.client, table.tableName);
});

async function workspaceWithAlice(): Promise<string> {
  const workspaceId = newWorkspace();
  await applyMemberChange(store, member({ workspaceId }));
  return workspaceId;
}

describe('ingesting a proposal', () => {
  it('creates a pending item routed to the run user, in at most 3 requests', async () => {
    const workspaceId = await workspaceWithAlice();
    table.counter.reset();
    const outcome = await ingestProposal(deps(), proposal({ workspaceId }));
    expect(outcome.outcome).toBe('created');
    expect(table.counter.total).toBeLessThanOrEqual(3);
    // The routing candidates by key (one BatchGetItem, whatever the directory size), then the create.
    expect(table.counter.byCommand).toEqual({ BatchGetItem: 1, TransactWriteItems: 1 });

    const page = await listReviewItems(
      deps(),
      { workspaceId, userId: 'u_alice' },
      { limit: 25, scope: 'mine' },
    );
    expect(page.items.map((i) => [i.status, i.reviewers, i.origin.runId])).toEqual([
      ['pending', ['u_alice'], 'run_123'],
    ]);
    expect((await outbox.inWorkspace(workspaceId)).at(-1)).toMatchObject({
      detailType: 'Review Item Created',
      detail: { workspaceId, stepId: 'step_3', eventId: `${page.items[0]?.id}.v1` },
    });
  });

  it('replaces a pending item in place with a newer proposal, in at most 3 requests', async () => {
    const workspaceId = await workspaceWithAlice();
    const first = await ingestProposal(deps(), proposal({ workspaceId }));
    table.counter.reset();
    const newer = proposal({
      workspaceId,
      proposedAt: '2026-11-20T11:00:00.000Z',
      run: { id: 'run_2' },
      draft: { bodyText: 'v2' },
    });
    const second = await ingestProposal(deps(), newer);
    expect(table.counter.total).toBeLessThanOrEqual(3);
    expect(second).toEqual({
      outcome: 'replaced',
      itemId: 'itemId' in first ? first.itemId : '',
      version: 2,
    });

    const item = await store.getItem(workspaceId, second.outcome === 'replaced' ? second.itemId : '');
    expect(item).toMatchObject({
      version: 2,
      draft: { bodyText: 'v2' },
      origin: { runId: 'run_2' },
      edited: false,
    });
    const history = await getHistory(deps(), { workspaceId, userId: 'u_alice' }, item!.id);
    expect(history.items.map((h) => [h.action, h.version, h.runId, emailOf(h.draft)?.bodyText])).toEqual([
      ['created', 1, 'run_123', 'Hi Carol, shall we talk about the renewal?'],
      ['replaced', 2, 'run_2', 'v2'],
    ]);
  });

  it('ignores an older or repeated proposal', async () => {
    const workspaceId = await workspaceWithAlice();
    await ingestProposal(deps(), proposal({ workspaceId, proposedAt: '2026-11-20T11:00:00.000Z' }));
    expect(
      (await ingestProposal(deps(), proposal({ workspaceId, proposedAt: '2026-11-20T11:00:00.000Z' })))
        .outcome,
    ).toBe('ignored');
    expect((await ingestProposal(deps(), proposal({ workspaceId, run: { id: 'run_0' } }))).outcome).toBe(
      'ignored',
    );
  });

  it('breaks a proposedAt tie by run id', async () => {
    const workspaceId = await workspaceWithAlice();
    await ingestProposal(deps(), proposal({ workspaceId, run: { id: 'run_b' } }));
    expect((await ingestProposal(deps(), proposal({ workspaceId, run: { id: 'run_a' } }))).outcome).toBe(
      'ignored',
    );
    expect((await ingestProposal(deps(), proposal({ workspaceId, run: { id: 'run_c' } }))).outcome).toBe(
      'replaced',
    );
  });

  it('drops a proposal nobody can review, with a Review Draft Dropped event and a counter', async () => {
    const workspaceId = newWorkspace();
    table.counter.reset();
    const outcome = await ingestProposal(deps(), proposal({ workspaceId }));
    expect(outcome).toMatchObject({
      outcome: 'dropped',
      reason: expect.stringMatching(/No candidate reviewer/),
    });
    expect(table.counter.total).toBeLessThanOrEqual(3);
    expect(await outbox.inWorkspace(workspaceId)).toEqual([
      expect.objectContaining({
        detailType: 'Review Draft Dropped',
        detail: expect.objectContaining({
          workspaceId,
          runId: 'run_123',
          eventId: expect.stringMatching(/^drop\./),
        }),
      }),
    ]);
    const [counters] = await store.counters(workspaceId, 'auto_renewal');
    expect(counters).toMatchObject({ dropped: 1, scope: 'user#u_alice' });
  });

  it('drops a proposal that expired before it arrived', async () => {
    const workspaceId = await workspaceWithAlice();
    const outcome = await ingestProposal(
      deps(),
      proposal({ workspaceId, expiresAt: '2026-11-20T11:59:59.000Z' }),
    );
    expect(outcome).toMatchObject({ outcome: 'dropped', reason: expect.stringMatching(/expired/) });
  });
});

describe('the member directory', () => {
  it('keeps the newest change whatever the arrival order', async () => {
    const workspaceId = newWorkspace();
    const newer = member({ workspaceId, role: 'admin', changedAt: '2026-11-20T10:00:00+01:00' });
    const older = member({
      workspaceId,
      role: 'member',
      mailboxes: ['Old@Acme.com'],
      changedAt: '2026-11-20T08:59:00Z',
    });
    expect(await applyMemberChange(store, newer)).toBe(true);
    expect(await applyMemberChange(store, older)).toBe(false);
    expect(await applyMemberChange(store, newer)).toBe(false);
    expect(await store.getMember(workspaceId, 'u_alice')).toMatchObject({
      role: 'admin',
      mailboxes: ['alice@acme.com'],
    });
  });

  it('stores mailboxes lower-cased', async () => {
    const workspaceId = newWorkspace();
    await applyMemberChange(store, member({ workspaceId, mailboxes: ['Alice@ACME.com', 'alice@acme.com'] }));
    expect((await store.getMember(workspaceId, 'u_alice'))?.mailboxes).toEqual(['alice@acme.com']);
  });
});

describe('duplicate, shuffled and concurrent delivery (property)', () => {
  const proposalArb = fc.record({
    key: fc.constantFrom('k1', 'k2', 'k3'),
    minute: fc.integer({ min: 0, max: 5 }),
    run: fc.constantFrom('run_a', 'run_b', 'run_c', 'run_d'),
  });
  const scenarioArb = fc.array(proposalArb, { minLength: 1, maxLength: 12 }).chain((ps) =>
    fc.record({
      proposals: fc.constant(ps),
      copies: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: ps.length, maxLength: ps.length }),
      order: fc.shuffledSubarray([...Array(ps.length * 3).keys()], {
        minLength: ps.length * 3,
        maxLength: ps.length * 3,
      }),
      concurrency: fc.integer({ min: 1, max: 6 }),
    }),
  );

  it('leaves exactly one pending item per dedup key, holding the newest proposal, with complete history', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async ({ proposals, copies, order, concurrency }) => {
        const workspaceId = await workspaceWithAlice();
        const built = proposals.map((p) =>
          proposal({
            workspaceId,
            dedupKey: p.key,
            proposedAt: `2026-11-20T10:0${p.minute}:00.000Z`,
            run: { id: p.run },
            // The same run at the same time is the same proposal, so its content is a function of both.
            draft: { bodyText: `${p.run}@${p.minute}:${p.key}` },
          }),
        );
        // Each proposal 1–3 times, in a shuffled order, `concurrency` deliveries at a time.
        const deliveries: DraftProposed[] = [];
        for (const slot of order) {
          const index = Math.floor(slot / 3);
          if (slot % 3 < (copies[index] ?? 1)) deliveries.push(built[index]!);
        }
        for (let i = 0; i < deliveries.length; i += concurrency) {
          await Promise.all(deliveries.slice(i, i + concurrency).map((p) => ingestProposal(deps(), p)));
        }

        const page = await listReviewItems(
          deps(),
          { workspaceId, userId: 'u_alice' },
          { limit: 100, scope: 'mine' },
        );
        const keys = [...new Set(proposals.map((p) => p.key))];
        expect(page.items).toHaveLength(keys.length);
        for (const key of keys) {
          const candidates = built.filter((p) => p.dedupKey === key);
          const newest = candidates.reduce((a, b) =>
            compareProposals(
              { proposedAt: a.proposedAt, runId: a.run.id },
              { proposedAt: b.proposedAt, runId: b.run.id },
            ) >= 0
              ? a
              : b,
          );
          const items = page.items.filter(
            (i) => 'bodyPreview' in i.draft && i.draft.bodyPreview === emailOf(newest.draft).bodyText,
          );
          expect(items).toHaveLength(1);
          const item = await store.getItem(workspaceId, items[0]!.id);
          expect(emailOf(item?.draft)?.bodyText).toBe(emailOf(newest.draft).bodyText);
          const history = await store.getHistory(workspaceId, item!.id);
          // History is complete: one entry per version, created first, each replacement newer than the last.
          expect(history.map((h) => h.version)).toEqual(history.map((_, i) => i + 1));
          expect(history[0]?.action).toBe('created');
          expect(history.slice(1).every((h) => h.action === 'replaced')).toBe(true);
          expect(emailOf(history.at(-1)?.draft)?.bodyText).toBe(emailOf(newest.draft).bodyText);
          expect(item?.version).toBe(history.length);
        }
      }),
      { numRuns: 25 },
    );
  }, 180_000);
});
