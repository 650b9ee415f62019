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

  it('lands every one of several proposals of one automation delivered at once, though their transactions collide', async () => {
    s.runtime.conflictRule?.resetStats();
    const automationId = unique('auto');
    const runs = Array.from({ length: 5 }, () => unique('run'));
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
    // They shared the automation's rows (its entry, its counters) and the reviewer's queue counter.
    expect((await conflicts()).refused.byOperation.TransactWriteItems ?? 0).toBeGreaterThan(0);
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
