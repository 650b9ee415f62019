/**
 * The send hold through the local runtime (`npm start`'s): an admin sets a 5-second hold with PUT /settings; an
 * approval schedules the item; the execute-held-items job, run as the local scheduler runs it (one invocation that
 * passes every ~2 s until its time is nearly up), sends it at or after executeAt, once. Another item is undone
 * before its executeAt and is never sent. No tight timing: the checks poll with a generous bound.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ApiClient, type ApiItem, type Scenario, startScenario, unique } from '../support/scenario.js';
import { findEmails } from '../support/ses.js';

let s: Scenario;
let alice: ApiClient;
let admin: ApiClient;

beforeAll(async () => {
  s = await startScenario('ws_hold');
  await s.members(
    { userId: 'u_alice', role: 'member', mailboxes: ['alice@acme.com'], active: true },
    { userId: 'u_admin', role: 'admin', mailboxes: [], active: true },
  );
  [alice, admin] = await Promise.all([s.as('u_alice'), s.as('u_admin')]);
});
afterAll(async () => {
  await s?.stop();
});

type HeldItem = ApiItem & { hold: { executeAt: string; by: string } | null };

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

it('executes a held approval at or after executeAt, once; an undone one never', async () => {
  const saved = await admin.put('/settings', { version: 0, sendHoldSeconds: 5 });
  expect(saved.status).toBe(200);
  const propose = () =>
    s.propose({
      run: { executedAs: { kind: 'user', userId: 'u_alice' }, automationId: unique('auto_hold') },
      draft: { subject: unique('Held renewal') },
    });
  const [sentOne, undoneOne] = [await propose(), await propose()];

  const approved = await alice.post<HeldItem>(`/review-items/${sentOne.itemId}/approve`, { version: 1 });
  expect(approved.status).toBe(200);
  expect(approved.body.status).toBe('scheduled');
  const executeAt = approved.body.hold?.executeAt as string;
  expect(Date.parse(executeAt) - Date.parse(approved.body.updatedAt)).toBe(5_000);

  const other = await alice.post<HeldItem>(`/review-items/${undoneOne.itemId}/approve`, { version: 1 });
  expect(other.body.status).toBe('scheduled');
  const undone = await alice.post<HeldItem>(`/review-items/${undoneOne.itemId}/undo`, { version: 2 });
  expect(undone.status).toBe(200);
  expect(undone.body).toMatchObject({ status: 'pending', version: 3, hold: null });

  // The job as the scheduler invokes it: it keeps passing until its invocation nears its end.
  const run = s.runtime.scheduler.runNow('execute-held-items');
  const sent = await until(
    async () => (await alice.get<HeldItem>(`/review-items/${sentOne.itemId}`)).body,
    (item) => item.status === 'sent',
  );
  expect(sent.status).toBe('sent');
  expect(Date.parse(sent.decision?.at as string)).toBeGreaterThanOrEqual(Date.parse(executeAt));
  const history = await alice.get<{ items: { action: string }[] }>(`/review-items/${sentOne.itemId}/history`);
  expect(history.body.items.map((entry) => entry.action)).toEqual([
    'created',
    'scheduled',
    'approved',
    'sent',
  ]);

  const late = await alice.post(`/review-items/${sentOne.itemId}/undo`, {});
  expect(late.status).toBe(409);

  await run;
  await s.runtime.idle();
  expect(await findEmails({ subject: sent.draft.subject as string })).toHaveLength(1);
  const otherNow = (await alice.get<HeldItem>(`/review-items/${undoneOne.itemId}`)).body;
  expect(otherNow.status).toBe('pending');
  expect(await findEmails({ subject: otherNow.draft.subject as string })).toHaveLength(0);
  expect(s.itemEvents(sentOne.itemId).map((event) => event['detail-type'])).toEqual([
    'Review Item Created',
    'Review Item Scheduled',
    'Review Item Sent',
  ]);
  expect(s.itemEvents(undoneOne.itemId).map((event) => event['detail-type'])).toEqual([
    'Review Item Created',
    'Review Item Scheduled',
    'Review Item Undone',
  ]);
}, 180_000);
