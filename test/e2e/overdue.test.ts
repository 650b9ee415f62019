/**
 * Overdue and escalation through the local runtime (`npm start`'s): an admin sets 1- and 2-minute limits with
 * PUT /settings, an automation proposes, and the scheduled job, run as of a minute and two minutes later (the
 * schedule's time: no test waits minutes), marks the item overdue, then adds the admin; the item, its history, the
 * summary and the bus (`GET /events`) say so.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ApiClient, type ApiItem, type Scenario, startScenario, unique } from '../support/scenario.js';

let s: Scenario;
let alice: ApiClient;
let admin: ApiClient;

beforeAll(async () => {
  s = await startScenario('ws_overdue');
  await s.members(
    { userId: 'u_alice', role: 'member', mailboxes: ['alice@acme.com'], active: true },
    { userId: 'u_admin', role: 'admin', mailboxes: [], active: true },
  );
  [alice, admin] = await Promise.all([s.as('u_alice'), s.as('u_admin')]);
});
afterAll(async () => {
  await s?.stop();
});

const MINUTE = 60_000;

it('marks an item overdue after a minute and escalates it to the admin after two, with their events', async () => {
  const saved = await admin.put('/settings', {
    version: 0,
    overdueAfterMinutes: 1,
    escalateAfterMinutes: 2,
    escalateTo: 'admins',
  });
  expect(saved.status).toBe(200);

  const { itemId } = await s.propose({
    run: { executedAs: { kind: 'user', userId: 'u_alice' }, automationId: unique('auto_overdue') },
    relatedRecords: [{ type: 'account', id: 'acc_overdue', ownerId: 'u_alice' }],
  });
  await s.runtime.idle(); // the stream has registered the workspace for the job
  const created = Date.parse((await alice.get<ApiItem>(`/review-items/${itemId}`)).body.createdAt);

  await s.runtime.scheduler.runNow('mark-overdue-items', new Date(created + MINUTE - 1_000));
  await s.runtime.idle();
  expect((await alice.get<{ overdue: unknown }>(`/review-items/${itemId}`)).body.overdue).toBeNull();

  await s.runtime.scheduler.runNow('mark-overdue-items', new Date(created + MINUTE + 1_000));
  await s.runtime.idle();
  const overdue = (await alice.get<ApiItem & { overdue: { since: string } }>(`/review-items/${itemId}`)).body;
  expect(overdue.overdue).toEqual({ since: new Date(created + MINUTE).toISOString() });
  expect(overdue.reviewers).toEqual(['u_alice']);
  expect((await alice.get<{ overdueCount: number }>('/review-items/summary')).body.overdueCount).toBe(1);

  await s.runtime.scheduler.runNow('mark-overdue-items', new Date(created + 2 * MINUTE + 1_000));
  await s.runtime.idle();
  const escalated = (await admin.get<ApiItem>(`/review-items/${itemId}`)).body;
  expect(escalated.reviewers).toEqual(['u_alice', 'u_admin']);
  const history = await alice.get<{ items: { action: string }[] }>(`/review-items/${itemId}/history`);
  expect(history.body.items.map((entry) => entry.action)).toEqual(['created', 'overdue', 'escalated']);

  expect(s.itemEvents(itemId).map((event) => event['detail-type'])).toEqual([
    'Review Item Created',
    'Review Item Overdue',
    'Review Item Escalated',
  ]);
  const [escalation] = s.itemEvents(itemId, 'Review Item Escalated');
  expect(escalation?.detail).toMatchObject({ added: ['u_admin'], reviewers: ['u_alice', 'u_admin'] });
  // The admin's queue holds it now.
  const queue = await admin.get<{ items: { id: string }[] }>('/review-items');
  expect(queue.body.items.map((item) => item.id)).toContain(itemId);
});
