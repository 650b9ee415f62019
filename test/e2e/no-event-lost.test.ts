/**
 * No event lost (spec 5, 8), through the whole local runtime: proposals from the AWS SDK, edits, dismissals,
 * approvals (an email through local SES) and a webhook resolve, with the bus failing the system's first 1, 3 and
 * 10 PutEvents (spec 7's fault switch). Every committed change writes its event with it; the stream reader hands
 * it to publish-outbox, which retries until the bus takes it: once the faults are spent, every change's event is
 * on `GET /events`, exactly once per eventId after de-duplication, with increasing versions per item.
 *
 * The first landing lost `Review Item Created` here: the proposal's first delivery threw on the refused
 * PutEvents, and its retry found a repeat and published nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { type ApiClient, type Scenario, startScenario, unique } from '../support/scenario.js';

let s: Scenario;
let alice: ApiClient;

beforeAll(async () => {
  s = await startScenario('ws_lost');
  await s.members({ userId: 'u_alice', mailboxes: ['alice@acme.com'] });
  alice = await s.as('u_alice');
});

afterAll(async () => {
  await s?.stop();
});

const detailSchema = z.looseObject({
  eventId: z.string(),
  itemId: z.string(),
  version: z.number().int(),
  workspaceId: z.string(),
});

/** Every event out of the system on the bus, as GET /events answers it, for these items. */
async function eventsOf(itemIds: string[]) {
  const { events } = z
    .object({
      events: z.array(
        z.looseObject({ 'detail-type': z.string(), detail: z.record(z.string(), z.unknown()) }),
      ),
    })
    .parse(await (await fetch(`${s.runtime.urls.events}/events?source=for-review`)).json());
  return events
    .filter((event) => itemIds.includes(String(event.detail.itemId)))
    .map((event) => ({ ...detailSchema.parse(event.detail), type: event['detail-type'] }));
}

describe.each([1, 3, 10])('with the bus failing the system’s first %i PutEvents', (faults) => {
  it('publishes every committed change’s event once the faults are spent: once per eventId, versions increasing', async () => {
    s.runtime.bus.failPutEvents(faults);
    const thread = unique('thread');

    // Changes of every kind: create, replace, edit, dismiss, approve and send, resolve from the webhook.
    const replacedKey = unique('dedup');
    const first = await s.propose({ dedupKey: replacedKey, run: { id: unique('run') } });
    const replaced = await s.propose({
      dedupKey: replacedKey,
      run: { id: unique('run') },
      draft: { subject: 'Newer' },
    });
    expect(replaced.itemId).toBe(first.itemId);
    const edited = await alice.patch(`/review-items/${first.itemId}`, {
      version: 2,
      draft: { subject: 'Edited' },
    });
    expect(edited.status).toBe(200);
    const sentItem = await alice.post(`/review-items/${first.itemId}/approve`, { version: 3 });
    expect(sentItem.body).toMatchObject({ status: 'sent' });

    const dismissed = await s.propose();
    expect((await alice.post(`/review-items/${dismissed.itemId}/dismiss`, { note: 'no' })).status).toBe(200);

    const resolved = await s.propose({ draft: { threadId: thread } });
    const webhook = await s.webhook({
      body: {
        type: 'message.sent',
        workspaceId: s.workspaceId,
        mailbox: 'alice@acme.com',
        messageId: `<${unique('m')}@mail>`,
        threadId: thread,
        to: ['carol@globex.com'],
        occurredAt: new Date().toISOString(),
      },
    });
    expect(webhook.body).toEqual({ resolved: 1, stale: 0 });
    await s.runtime.idle();

    expect(s.runtime.bus.faults()).toEqual({ failPutEvents: 0 });
    const arrived = await eventsOf([first.itemId, dismissed.itemId, resolved.itemId]);
    const byId = new Map<string, (typeof arrived)[number]>();
    for (const event of arrived) if (!byId.has(event.eventId)) byId.set(event.eventId, event);
    const distinct = [...byId.values()];

    const sequence = (itemId: string) =>
      distinct.filter((e) => e.itemId === itemId).map((e) => [e.type, e.version, e.eventId]);
    expect(sequence(first.itemId)).toEqual([
      ['Review Item Created', 1, `${first.itemId}.v1`],
      ['Review Item Replaced', 2, `${first.itemId}.v2`],
      ['Review Item Edited', 3, `${first.itemId}.v3`],
      // v4 is the claim (pending → sending), which publishes nothing for an email.
      ['Review Item Sent', 5, `${first.itemId}.v5`],
    ]);
    expect(sequence(dismissed.itemId)).toEqual([
      ['Review Item Created', 1, `${dismissed.itemId}.v1`],
      ['Review Item Dismissed', 2, `${dismissed.itemId}.v2`],
    ]);
    expect(sequence(resolved.itemId)).toEqual([
      ['Review Item Created', 1, `${resolved.itemId}.v1`],
      ['Review Item Resolved', 2, `${resolved.itemId}.v2`],
    ]);
    // A redelivery repeats an event with the same id and content, never a different one.
    for (const event of arrived) expect(event).toEqual(byId.get(event.eventId));
    expect(s.runtime.streams.failures()).toEqual([]);
  });
});
