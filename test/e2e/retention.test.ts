/**
 * Retention through the local runtime (`npm start`'s): an admin sets `retentionDays` 30 with PUT /settings, a
 * reviewer dismisses an item with a note, and the workspaces' scheduled run (as of 30 days later: the schedule's time,
 * through `runNow`) stamps the item's records; the runtime's TTL sweeper, which stands in for DynamoDB's TTL, deletes
 * them at their time and not before. The item and its history answer 404 then, its dismiss note is gone from the
 * review feedback, and the review stats and feedback counters are as they were.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ApiClient, type ApiItem, type Scenario, startScenario, unique } from '../support/scenario.js';

let s: Scenario;
let alice: ApiClient;
let admin: ApiClient;

beforeAll(async () => {
  s = await startScenario('ws_retention');
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
const DAY = 86_400_000;

it('deletes a decided item, its history and its note 30 days after the decision, keeping the counters', async () => {
  expect((await admin.put('/settings', { version: 0, retentionDays: 30 })).status).toBe(200);
  const automationId = unique('auto_retention');
  const { itemId } = await s.propose({
    run: { executedAs: { kind: 'workspace' }, automationId },
    relatedRecords: [{ type: 'account', id: 'acc_retention', ownerId: 'u_alice' }],
  });
  await s.runtime.idle();
  const dismissed = await alice.post<ApiItem>(`/review-items/${itemId}/dismiss`, {
    reason: 'tone',
    note: 'too curt',
  });
  expect(dismissed.status).toBe(200);
  await s.runtime.idle(); // the tallies are counted, the workspace registered
  const decidedAt = Date.parse(dismissed.body.decision?.at ?? '');
  const stats = (await admin.get(`/automations/${automationId}/review-stats`)).body;
  const feedback = await admin.get<{ latestDismissNotes: unknown[] }>(
    `/automations/${automationId}/review-feedback`,
  );
  expect(feedback.body.latestDismissNotes).toHaveLength(1);

  // The run of each of 8 minutes reads one shard of the decided items: together, all of them.
  const runAt = async (at: number) => {
    for (let minute = 0; minute < 8; minute++)
      await s.runtime.scheduler.runNow('mark-overdue-items', new Date(at + minute * MINUTE));
    await s.runtime.idle();
  };
  await runAt(decidedAt + 29 * DAY + MINUTE);
  await s.runtime.ttl.sweep(new Date(decidedAt + 30 * DAY - 1_000));
  expect((await alice.get(`/review-items/${itemId}`)).status).toBe(200);

  await s.runtime.ttl.sweep(new Date(decidedAt + 30 * DAY));
  expect((await alice.get(`/review-items/${itemId}`)).status).toBe(404);
  expect((await alice.get(`/review-items/${itemId}/history`)).status).toBe(404);
  const after = await admin.get<{ latestDismissNotes: unknown[] }>(
    `/automations/${automationId}/review-feedback`,
  );
  expect(after.body.latestDismissNotes).toEqual([]);
  expect({ ...after.body, latestDismissNotes: [] }).toEqual({ ...feedback.body, latestDismissNotes: [] });
  expect((await admin.get(`/automations/${automationId}/review-stats`)).body).toEqual(stats);
});
