/**
 * The local runtime with DynamoDB's conflict rule on (`conflictWindowMs`, DYNAMODB_CONFLICT_WINDOW_MS under
 * `npm start`): the handlers reach DynamoDB Local through it, `GET /conflicts` on the events port says what it
 * refused, and concurrent work through the bus and the API ends as it must when DynamoDB refuses transactions
 * that collide: every proposal lands, exactly one action on an item wins, nothing answers 500.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proposal } from '../fixtures/index.js';
import type { ConflictStats } from '../support/conflict-rule.js';
import { type ApiClient, type Scenario, startScenario, unique } from '../support/scenario.js';

const WINDOW_MS = 30;

let s: Scenario;
let alice: ApiClient;
let admin: ApiClient;

beforeAll(async () => {
  s = await startScenario('ws_conflicts', { conflictWindowMs: WINDOW_MS });
  await s.members(
    { userId: 'u_alice', role: 'member', mailboxes: ['alice@acme.com'], active: true },
    { userId: 'u_admin', role: 'admin', mailboxes: [], active: true },
  );
  [alice, admin] = await Promise.all([s.as('u_alice'), s.as('u_admin')]);
});

afterAll(async () => {
  await s?.stop();
});

async function conflicts(): Promise<{ on: boolean } & ConflictStats> {
  const response = await fetch(`${s.runtime.urls.events}/conflicts`);
  expect(response.status).toBe(200);
  return (await response.json()) as { on: boolean } & ConflictStats;
}

describe('npm start with DYNAMODB_CONFLICT_WINDOW_MS', () => {
  it('puts the rule between the handlers and DynamoDB Local, and GET /conflicts answers its counts', async () => {
    const before = s.runtime.conflictRule?.stats().forwarded.byOperation.TransactWriteItems ?? 0;
    const { itemId } = await s.propose();
    expect(s.itemEvents(itemId, 'Review Item Created')).toHaveLength(1); // the stream reader still delivers

    expect(process.env.AWS_ENDPOINT_URL_DYNAMODB).toBe(s.runtime.conflictRule?.endpoint);
    expect(s.runtime.conflictRule?.endpoint).not.toBe(s.runtime.urls.dynamodb);
    const answered = await conflicts();
    expect(answered).toMatchObject({ on: true, commitWindowMs: WINDOW_MS });
    expect(answered.forwarded.byOperation.TransactWriteItems).toBeGreaterThan(before);
    expect(answered).toEqual({ on: true, ...s.runtime.conflictRule?.stats() });
  });

  it('lands every one of many proposals of one automation delivered at once, their transactions never colliding', async () => {
    const automationId = unique('auto');
    // The automation's first proposal lists its name (its entry and names shard, docs/table-design.md); the later
    // ones bring the same name and write nothing the others write.
    await s.propose({ run: { automationId } });
    await s.runtime.idle();
    s.runtime.conflictRule?.resetStats();
    const runs = Array.from({ length: 20 }, () => unique('run'));
    await s.putEvents(
      runs.map((id) => ({
        source: 'automations',
        detailType: 'Review Draft Proposed',
        detail: proposal({
          workspaceId: s.workspaceId,
          proposedAt: new Date().toISOString(),
          dedupKey: unique('dedup'),
          run: { id, automationId },
        }),
      })),
    );
    const created = s.runtime.bus
      .events({ source: 'for-review', detailType: 'Review Item Created' })
      .filter((event) => runs.includes(String(event.detail.runId)));
    expect(created).toHaveLength(runs.length);
    expect(s.runtime.bus.deadLetters()).toEqual([]);
    // Their counters (the automation's entry, stats and feedback, the reviewer's queue counter) are counted from
    // the stream, not in their transactions: nothing they write is shared, so nothing was refused.
    expect((await conflicts()).refused.total).toBe(0);
    await s.runtime.idle();
    const summary = await alice.get<{ byAutomation: { automationId: string; count: number }[] }>(
      '/review-items/summary',
    );
    expect(summary.body.byAutomation.find((a) => a.automationId === automationId)?.count).toBe(
      runs.length + 1,
    );
  });

  it('decides items of one automation in bulk from two reviewers at once, every item as if alone, nothing refused', async () => {
    const automationId = unique('auto');
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await s.propose({ run: { automationId } })).itemId);
    await s.runtime.idle();
    s.runtime.conflictRule?.resetStats();
    const [first, second] = await Promise.all([
      alice.post<{ results: { status: number }[] }>('/review-items/bulk', {
        action: 'dismiss',
        items: ids.slice(0, 5).map((id) => ({ id, version: 1 })),
      }),
      admin.post<{ results: { status: number }[] }>('/review-items/bulk', {
        action: 'dismiss',
        items: ids.slice(5).map((id) => ({ id, version: 1 })),
      }),
    ]);
    expect([...first.body.results, ...second.body.results].map((r) => r.status)).toEqual(ids.map(() => 200));
    expect((await conflicts()).refused.total).toBe(0);
  });

  it('lets exactly one of several actions on one item win; the others answer 409, none 500', async () => {
    const { itemId } = await s.propose();
    const results = await Promise.all([
      alice.post(`/review-items/${itemId}/dismiss`, { version: 1 }),
      admin.post(`/review-items/${itemId}/dismiss`, { version: 1 }),
      alice.post(`/review-items/${itemId}/dismiss`, { version: 1 }),
      admin.post(`/review-items/${itemId}/dismiss`, { version: 1 }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409]);
    await s.runtime.idle();
    expect(s.itemEvents(itemId, 'Review Item Dismissed')).toHaveLength(1);
  });
});
