/**
 * Flat at scale (spec 8): every answer costs the same at 10² and at 10⁴ open items in one workspace (and 10⁴
 * members for ingest), counted in DynamoDB requests. Each list answer is a full page, or truly the last one, in at
 * most 3 requests; the summary at most 3 with exact counts; ingest at most 4; a queue page at most 2.
 *
 * The workspace is the worst case of the first landing: the record's one item and the automation's one item are
 * the oldest; most items are another member's private runs, all newer than the caller's. The first 10² items come
 * in through ingest; the rest are loaded with the store's own records in bulk (scripts/lib/bulk-load.ts).
 * Latency at 10⁵ items is the benchmark's (npm run bench, docs/performance.md), not a test's.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { bulkLoad, itemOps, memberOps } from '../../scripts/lib/bulk-load.js';
import type { Member } from '../../shared/domain/review-item.js';
import { utcIso } from '../../shared/domain/review-item.js';
import type { DraftProposed } from '../../shared/events/in-schemas.js';
import { ReviewStore } from '../../shared/store/review-store.js';
import { applyMemberChange } from '../../shared/use-cases/apply-member-change.js';
import type { Deps } from '../../shared/use-cases/deps.js';
import { ingestProposal } from '../../shared/use-cases/ingest-proposal.js';
import { listByName } from '../../shared/use-cases/list-by-name.js';
import {
  listAutomations,
  listRecordItems,
  listReviewItems,
  summarize,
} from '../../shared/use-cases/read-items.js';
import { resolveFromWebhook } from '../../shared/use-cases/resolve-from-webhook.js';
import { newItemId } from '../../shared/wiring.js';
import { member, proposal } from '../fixtures/index.js';
import { createTestTable, type TestTable } from '../support/dynamo.js';
import { emailOf } from '../support/items.js';
import { settleTallies } from '../support/tallies.js';

const workspaceId = `ws_scale_${randomUUID().slice(0, 8)}`;
const ALICE = { workspaceId, userId: 'u_alice' };
const ADMIN = { workspaceId, userId: 'u_admin' };
const START = Date.parse('2026-11-20T08:00:00.000Z');
const SMALL = 100;
const LARGE = 10_000;
const MEMBERS = 10_000;

let table: TestTable;
let store: ReviewStore;
let now = new Date('2026-11-21T00:00:00.000Z');
const deps = (): Deps => ({
  store,
  clock: () => now,
  newId: newItemId,
});

const at = (index: number) => new Date(START + index * 1000).toISOString();

/** The caller's items: the oldest one is the only item of auto_rare and of record opportunity/opp_rare. */
function aliceProposals(): DraftProposed[] {
  const rare = proposal({
    workspaceId,
    proposedAt: at(0),
    dedupKey: 'rare',
    run: {
      id: 'run_rare',
      automationId: 'auto_rare',
      automationName: 'Rare reminder',
      executedAs: { kind: 'workspace' },
    },
    relatedRecords: [{ type: 'opportunity', id: 'opp_rare' }],
    draft: { subject: 'The rare one', threadId: 'thread_rare' },
  });
  const shared = Array.from({ length: 30 }, (_, i) =>
    proposal({
      workspaceId,
      proposedAt: at(1 + i),
      dedupKey: `shared${i}`,
      run: { id: `run_shared${i}`, executedAs: { kind: 'workspace' } },
      relatedRecords: [{ type: 'account', id: 'acc_shared' }],
      draft: { subject: `Shared ${i}`, threadId: `thread_shared${i}` },
    }),
  );
  const own = Array.from({ length: 5 }, (_, i) =>
    proposal({
      workspaceId,
      proposedAt: at(40 + i),
      dedupKey: `own${i}`,
      run: { id: `run_own${i}`, executedAs: { kind: 'user', userId: 'u_alice' } },
      relatedRecords: [{ type: 'account', id: 'acc_shared' }],
      draft: { subject: `Own ${i}`, threadId: `thread_own${i}` },
    }),
  );
  return [rare, ...shared, ...own];
}
const ALICE_ITEMS = 36;

/** Another member's private runs from their own mailbox: invisible to Alice, all newer than her items. */
const bobProposal = (index: number) =>
  proposal({
    workspaceId,
    proposedAt: at(1000 + index),
    dedupKey: `bob${index}`,
    run: {
      id: `run_bob${index}`,
      automationId: 'auto_bob',
      automationName: 'Bob digest',
      executedAs: { kind: 'user', userId: 'u_bob' },
    },
    relatedRecords: [{ type: 'account', id: 'acc_bob', ownerId: 'u_bob' }],
    draft: {
      from: 'bob@acme.com',
      to: ['dave@globex.com'],
      subject: `Digest ${index}`,
      threadId: `thread_bob${index}`,
    },
  });

async function ingestAt(p: DraftProposed) {
  now = new Date(p.proposedAt);
  const outcome = await ingestProposal(deps(), p);
  expect(outcome.outcome).toBe('created');
}

/** Counts the requests of one answer. */
async function counted<T>(
  answer: () => Promise<T>,
): Promise<{ result: T; requests: number; byCommand: Record<string, number> }> {
  table.counter.reset();
  const result = await answer();
  return { result, requests: table.counter.total, byCommand: { ...table.counter.byCommand } };
}

interface Figures {
  [pattern: string]: { requests: number; items: number; nextCursor: boolean };
}

/** Every pattern of spec 8, with what it must answer; returns the request figures to compare across sizes. */
async function checkPatterns(openItems: number): Promise<Figures> {
  now = new Date('2026-11-21T00:00:00.000Z');
  const figures: Figures = {};
  const page = async <P extends { items: unknown[]; nextCursor: string | null }>(
    name: string,
    answer: () => Promise<P>,
  ) => {
    const { result, requests } = await counted(answer);
    figures[name] = { requests, items: result.items.length, nextCursor: result.nextCursor !== null };
    return result;
  };

  const queue = await page('queue', () => listReviewItems(deps(), ALICE, { limit: 25, scope: 'mine' }));
  expect(queue.items).toHaveLength(25);
  expect(figures.queue!.requests).toBeLessThanOrEqual(2);

  const rareQueue = await page('queue by automation', () =>
    listReviewItems(deps(), ALICE, { limit: 25, scope: 'mine', automationId: 'auto_rare' }),
  );
  expect(rareQueue).toMatchObject({ items: [{ draft: { subject: 'The rare one' } }], nextCursor: null });

  const workspaceView = await page('workspace view (member)', () =>
    listReviewItems(deps(), ALICE, { limit: 25, scope: 'workspace' }),
  );
  expect(workspaceView.items).toHaveLength(25);
  expect(
    workspaceView.items.every(
      ({ origin: { executedAs } }) => executedAs.kind === 'workspace' || executedAs.userId === 'u_alice',
    ),
  ).toBe(true);

  // Every page of the member's workspace view: full, or the last; exactly the items she may see.
  const seen: string[] = [];
  let cursor: string | undefined;
  do {
    const next = await page('workspace view (member), every page', () =>
      listReviewItems(deps(), ALICE, { limit: 25, scope: 'workspace', cursor }),
    );
    seen.push(...next.items.map((item) => item.id));
    cursor = next.nextCursor ?? undefined;
    if (cursor) expect(next.items).toHaveLength(25);
    expect(figures['workspace view (member), every page']!.requests).toBeLessThanOrEqual(3);
  } while (cursor);
  expect(new Set(seen).size).toBe(ALICE_ITEMS);

  const rareWorkspace = await page('workspace view by automation (member)', () =>
    listReviewItems(deps(), ALICE, { limit: 25, scope: 'workspace', automationId: 'auto_rare' }),
  );
  expect(rareWorkspace.items.map((item) => emailOf(item.draft).subject)).toEqual(['The rare one']);
  expect(rareWorkspace.nextCursor).toBeNull();

  // The agent's list by automation name: the member record and the automation names in one BatchGetItem, then
  // the automation's workspace runs and Alice's own runs (both hold some of her 35 items), merged newest first.
  const byName = await page("agent's list by automation name (member)", () =>
    listByName(deps(), ALICE, { automationName: 'RENEWAL', scope: 'workspace', limit: 25 }),
  );
  expect(byName.items).toHaveLength(25);
  expect(byName.items.every((item) => item.origin.automationId === 'auto_renewal')).toBe(true);
  expect(new Set(byName.items.map((item) => item.origin.executedAs.kind))).toEqual(
    new Set(['workspace', 'user']),
  );
  const hiddenByName = await page("agent's list by automation name, none visible (member)", () =>
    listByName(deps(), ALICE, { automationName: 'digest', scope: 'workspace', limit: 25 }),
  );
  expect(hiddenByName).toEqual({ items: [], nextCursor: null });

  const adminView = await page('workspace view (admin)', () =>
    listReviewItems(deps(), ADMIN, { limit: 25, scope: 'workspace' }),
  );
  expect(adminView.items).toHaveLength(25);

  const banner = await page('record banner', () =>
    listRecordItems(deps(), ALICE, { type: 'opportunity', id: 'opp_rare' }, { limit: 25 }),
  );
  expect(banner).toMatchObject({ items: [{ draft: { subject: 'The rare one' } }], nextCursor: null });

  const hidden = await page('record banner of invisible items', () =>
    listRecordItems(deps(), ALICE, { type: 'account', id: 'acc_bob' }, { limit: 25 }),
  );
  expect(hidden).toEqual({ items: [], nextCursor: null });

  const adminBanner = await page('record banner (admin)', () =>
    listRecordItems(deps(), ADMIN, { type: 'account', id: 'acc_bob' }, { limit: 25 }),
  );
  expect(adminBanner.items).toHaveLength(25);

  for (const [name, figure] of Object.entries(figures)) {
    expect(figure.requests, name).toBeLessThanOrEqual(3);
    expect(figure.items === 25 || !figure.nextCursor, `${name}: a short page must be the last`).toBe(true);
  }

  const summary = await counted(() => summarize(deps(), ALICE, 5));
  expect(summary.requests).toBeLessThanOrEqual(3);
  expect(summary.result.pendingCount).toBe(ALICE_ITEMS);
  expect(summary.result.byAutomation).toEqual([
    { automationId: 'auto_renewal', automationName: 'Renewal follow-up', count: 35 },
    { automationId: 'auto_rare', automationName: 'Rare reminder', count: 1 },
  ]);
  expect(summary.result.latest.map((item) => emailOf(item.draft).subject)).toEqual([
    'Own 4',
    'Own 3',
    'Own 2',
    'Own 1',
    'Own 0',
  ]);
  figures.summary = { requests: summary.requests, items: summary.result.latest.length, nextCursor: false };

  const automations = await counted(() => listAutomations(deps(), ALICE, { limit: 25 }));
  expect(automations.requests).toBeLessThanOrEqual(3);
  expect(automations.result.items).toEqual([
    { automationId: 'auto_bob', automationName: 'Bob digest', openItems: 0 },
    { automationId: 'auto_rare', automationName: 'Rare reminder', openItems: 1 },
    { automationId: 'auto_renewal', automationName: 'Renewal follow-up', openItems: 35 },
  ]);
  const adminAutomations = await listAutomations(deps(), ADMIN, { limit: 25 });
  expect(adminAutomations.items[0]).toEqual({
    automationId: 'auto_bob',
    automationName: 'Bob digest',
    openItems: openItems - ALICE_ITEMS,
  });
  figures.automations = {
    requests: automations.requests,
    items: automations.result.items.length,
    nextCursor: false,
  };
  return figures;
}

let small: Figures;

beforeAll(async () => {
  table = await createTestTable('scale', { stream: true });
  store = new ReviewStore(table.client, table.tableName);
  for (const m of [
    member({ workspaceId, userId: 'u_alice', mailboxes: ['alice@acme.com'] }),
    member({ workspaceId, userId: 'u_bob', mailboxes: ['bob@acme.com'] }),
    member({ workspaceId, userId: 'u_admin', role: 'admin', mailboxes: ['admin@acme.com'] }),
  ])
    await applyMemberChange(store, m);
  for (const p of aliceProposals()) await ingestAt(p);
  for (let i = 0; i < SMALL - ALICE_ITEMS; i++) await ingestAt(bobProposal(i));
  // The ingested items' counters, counted from their tallies as apply-tallies would; the items loaded in bulk below
  // come with theirs counted (bulk-load.ts), so the stream is not read again.
  await settleTallies(table.tableName);
  small = await checkPatterns(SMALL);
}, 120_000);

describe(`every answer at ${SMALL} and at ${LARGE} open items`, () => {
  it('answers the same pages with the same number of requests', async () => {
    const bob: Member = {
      workspaceId,
      userId: 'u_bob',
      role: 'member',
      mailboxes: ['bob@acme.com'],
      active: true,
      changedAt: utcIso('2026-11-20T09:00:00.000Z'),
    };
    const more = Array.from({ length: LARGE - SMALL }, (_, i) => bobProposal(SMALL + i));
    const { ops, items } = itemOps(table.tableName, more, [bob], at(2000), newItemId);
    expect(items).toHaveLength(LARGE - SMALL);
    await bulkLoad(table.client, table.tableName, ops);

    const large = await checkPatterns(LARGE);
    expect(large).toEqual(small);
    console.info(
      `flat-at-scale: requests per answer at ${SMALL} and ${LARGE} items: ${JSON.stringify(large)}`,
    );
  }, 900_000);

  it(`resolves one of ${LARGE - ALICE_ITEMS} drafts in a mailbox from a webhook, reading only its thread`, async () => {
    now = new Date('2026-11-21T00:00:00.000Z');
    const { result, byCommand } = await counted(() =>
      resolveFromWebhook(deps(), `wh_${randomUUID()}`, {
        type: 'message.sent',
        workspaceId,
        mailbox: 'bob@acme.com',
        messageId: '<sent@mail>',
        threadId: `thread_bob${LARGE - 50}`,
        to: ['dave@globex.com'],
        subject: `Digest ${LARGE - 50}`,
        occurredAt: '2026-11-21T00:00:00.000Z',
      }),
    );
    expect(result).toMatchObject({ resolved: 1 });
    // The thread's and the subject's partitions in one SELECT (each holding one draft), the delivery's claim, and
    // one change that also completes the delivery with its answer: 3 + 1 per matched item (spec 8).
    expect(byCommand).toEqual({ ExecuteStatement: 1, PutItem: 1, TransactWriteItems: 1 });
  }, 60_000);

  it('answers a webhook that matches nothing in 3 requests, with a draft id, a thread and a subject', async () => {
    now = new Date('2026-11-21T00:00:00.000Z');
    const webhookId = `wh_${randomUUID()}`;
    const event = {
      type: 'message.sent' as const,
      workspaceId,
      mailbox: 'bob@acme.com',
      messageId: '<other@mail>',
      threadId: 'thread_nobody',
      draftId: 'draft_nobody',
      to: ['dave@globex.com'],
      subject: 'Nothing proposed this',
      occurredAt: '2026-11-21T00:00:00.000Z',
    };
    const { result, byCommand } = await counted(() => resolveFromWebhook(deps(), webhookId, event));
    expect(result).toEqual({ resolved: 0, stale: 0, duplicate: false });
    // Both conversation partitions in one SELECT, the draft id's partition, and the answer claimed and completed
    // in one conditional write.
    expect(byCommand).toEqual({ ExecuteStatement: 1, Query: 1, PutItem: 1 });
    // A repeat answers what the first answered, whatever it says now.
    const repeat = await resolveFromWebhook(deps(), webhookId, {
      ...event,
      threadId: `thread_bob${LARGE - 51}`,
    });
    expect(repeat).toEqual({ resolved: 0, stale: 0, duplicate: true });
  }, 60_000);
});

describe(`ingest with ${MEMBERS} members`, () => {
  it('routes to members found by mailbox in one BatchGetItem: 2 requests, whatever the directory size', async () => {
    const directory: Member[] = Array.from({ length: MEMBERS }, (_, i) => ({
      workspaceId,
      userId: `u_m${i}`,
      role: 'member',
      mailboxes: [`m${i}@acme.com`],
      active: true,
      changedAt: utcIso('2026-11-20T09:00:00.000Z'),
    }));
    await bulkLoad(table.client, table.tableName, memberOps(table.tableName, directory));

    now = new Date('2026-11-21T01:00:00.000Z');
    const recipients = [17, 4242, 9999].map((i) => `m${i}@acme.com`);
    const { result, requests, byCommand } = await counted(() =>
      ingestProposal(
        deps(),
        proposal({
          workspaceId,
          proposedAt: now.toISOString(),
          dedupKey: 'to-members',
          run: { executedAs: { kind: 'workspace' } },
          draft: { to: recipients, cc: [] },
        }),
      ),
    );
    expect(result.outcome).toBe('created');
    expect(byCommand).toEqual({ BatchGetItem: 1, TransactWriteItems: 1 });
    expect(requests).toBeLessThanOrEqual(4);
    const item = await store.getItem(workspaceId, result.outcome === 'created' ? result.itemId : '');
    expect(item?.reviewers).toEqual(['u_bob', 'u_alice', 'u_m17', 'u_m4242', 'u_m9999']);
  }, 900_000);
});
