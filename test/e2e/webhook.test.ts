/**
 * spec 6 and spec 3 (auto-resolve), through the local gateway as the email provider would call it:
 * `POST /webhooks/email`, signed per Standard Webhooks with the runtime's secret (the reference package's
 * `Webhook.sign`). Items are proposed with the AWS SDK's PutEvents; what changed is read back over HTTP (as the
 * admin), from the bus's published events and from the run user's queue.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiClient,
  type ApiHistoryEntry,
  type ApiItem,
  type ApiPage,
  type ApiResponse,
  type Problem,
  type Scenario,
  startScenario,
  unique,
  type WebhookDelivery,
} from '../support/scenario.js';

const MAILBOX = 'alice@acme.com';

let s: Scenario;
let admin: ApiClient;
let alice: ApiClient;

beforeAll(async () => {
  s = await startScenario('ws_hook');
  await s.members(
    { userId: 'u_alice', role: 'member', mailboxes: [MAILBOX], active: true },
    { userId: 'u_admin', role: 'admin', mailboxes: [], active: true },
  );
  admin = await s.as('u_admin');
  alice = await s.as('u_alice');
});

afterAll(async () => {
  await s?.stop();
});

interface Draft {
  to?: string[];
  subject?: string;
  threadId?: string;
  externalDraftId?: string;
  from?: string;
}

interface Target {
  itemId: string;
  proposedAt: string;
  subject: string;
}

/** A pending item of u_alice's run, proposed at `proposedAt` (default a minute ago). */
async function pendingItem(
  draft: Draft = {},
  proposedAt = new Date(Date.now() - 60_000).toISOString(),
): Promise<Target> {
  const subject = draft.subject ?? `Renewal ${unique('hook')}`;
  const { itemId } = await s.propose({
    proposedAt,
    run: { executedAs: { kind: 'user', userId: 'u_alice' } },
    draft: { from: MAILBOX, to: ['carol@globex.com'], ...draft, subject },
  });
  return { itemId, proposedAt, subject };
}

/** A webhook body for the scenario's workspace and alice's mailbox. */
function event(fields: Record<string, unknown>): Record<string, unknown> {
  return {
    type: 'message.sent',
    workspaceId: s.workspaceId,
    mailbox: MAILBOX,
    messageId: `<${unique('m')}@mail.example.com>`,
    to: ['carol@globex.com'],
    occurredAt: new Date().toISOString(),
    ...fields,
  };
}

/** The item as the admin reads it, its history and its published events. */
async function stateOf(target: Target) {
  const [item, history] = await Promise.all([
    admin.get<ApiItem>(`/review-items/${target.itemId}`),
    admin.get<{ items: ApiHistoryEntry[] }>(`/review-items/${target.itemId}/history`),
  ]);
  expect(item.status).toBe(200);
  return {
    item: item.body,
    history: history.body.items,
    events: s.itemEvents(target.itemId).map((e) => e['detail-type']),
  };
}

async function inQueue(itemId: string): Promise<boolean> {
  const page = await alice.get<ApiPage>('/review-items?limit=100');
  expect(page.status).toBe(200);
  return page.body.items.some((item) => item.id === itemId);
}

async function expectResolved(
  target: Target,
  response: ApiResponse<{ resolved: number; stale: number }>,
  webhookId?: string,
) {
  expect(response.status).toBe(200);
  expect(response.body).toEqual({ resolved: 1, stale: 0 });
  const { item, history, events } = await stateOf(target);
  expect(item).toMatchObject({ status: 'resolved', decision: { action: 'resolved', by: null } });
  expect(history.map((entry) => entry.action)).toEqual(['created', 'resolved']);
  expect(history.at(-1)).toMatchObject({ actor: { kind: 'system' }, status: 'resolved' });
  expect(events).toEqual(['Review Item Created', 'Review Item Resolved']);
  const [resolved] = s.itemEvents(target.itemId, 'Review Item Resolved');
  expect(resolved?.detail).toMatchObject({
    workspaceId: s.workspaceId,
    itemId: target.itemId,
    status: 'resolved',
    ...(webhookId ? { webhookId } : {}),
  });
  expect(await inQueue(target.itemId)).toBe(false);
}

async function expectUntouched(target: Target, before: Awaited<ReturnType<typeof stateOf>>) {
  expect(await stateOf(target)).toEqual(before);
  expect(before.item.status).toBe('pending');
  expect(await inQueue(target.itemId)).toBe(true);
}

function expectProblem(response: ApiResponse, status: number): Problem {
  expect(response.status).toBe(status);
  expect(response.contentType).toMatch(/^application\/problem\+json/);
  const problem = response.body as unknown as Problem;
  expect(problem).toMatchObject({
    type: expect.any(String),
    title: expect.any(String),
    status,
    detail: expect.any(String),
  });
  return problem;
}

describe('a valid delivery resolves the matching pending item', () => {
  it('resolves on draft.deleted whose draft id is the item externalDraftId: resolved 1, history, event, out of the queue', async () => {
    const draftId = unique('draft');
    const target = await pendingItem({ externalDraftId: draftId });
    expect(await inQueue(target.itemId)).toBe(true);
    const webhookId = `msg_${unique('ok')}`;

    const response = await s.webhook({
      id: webhookId,
      body: event({ type: 'draft.deleted', draftId, to: [] }),
    });

    await expectResolved(target, response, webhookId);
  });

  it('resolves on message.sent on the draft thread at the very time it was proposed', async () => {
    const threadId = unique('thread');
    const target = await pendingItem({ threadId });

    const response = await s.webhook({
      body: event({ threadId, occurredAt: target.proposedAt, to: ['someone@else.com'] }),
    });

    await expectResolved(target, response);
  });

  it('resolves a threadless draft on message.sent to the same set of to with the same subject, ignoring case, space, Re: and Fwd:', async () => {
    const topic = unique('Quarterly review');
    const target = await pendingItem({ to: ['carol@globex.com', 'dan@globex.com'], subject: topic });

    const response = await s.webhook({
      body: event({
        to: ['DAN@globex.com', 'carol@globex.com'],
        subject: `  RE: Fwd:  ${topic.toUpperCase()}  `,
      }),
    });

    await expectResolved(target, response);
  });
});

describe('a valid delivery that matches nothing resolves 0 and changes nothing', () => {
  const NON_MATCHING: [
    name: string,
    draft: () => Draft,
    fields: (t: Target, d: Draft) => Record<string, unknown>,
  ][] = [
    [
      'draft.deleted with another draft id',
      () => ({ externalDraftId: unique('draft') }),
      () => ({ type: 'draft.deleted', draftId: unique('draft') }),
    ],
    [
      'draft.deleted with the draft id, from another mailbox',
      () => ({ externalDraftId: unique('draft') }),
      (_, d) => ({ type: 'draft.deleted', draftId: d.externalDraftId, mailbox: 'bob@acme.com' }),
    ],
    [
      'message.sent on the thread 1 ms before the item was proposed',
      () => ({ threadId: unique('thread') }),
      (t, d) => ({ threadId: d.threadId, occurredAt: new Date(Date.parse(t.proposedAt) - 1).toISOString() }),
    ],
    [
      'message.sent on another thread',
      () => ({ threadId: unique('thread') }),
      () => ({ threadId: unique('thread') }),
    ],
    [
      'message.sent with the same to and subject but no thread, for a draft on a thread',
      () => ({ threadId: unique('thread') }),
      (t) => ({ subject: t.subject }),
    ],
    [
      'threadless: one more recipient',
      () => ({}),
      (t) => ({ to: ['carol@globex.com', 'eve@globex.com'], subject: t.subject }),
    ],
    [
      'threadless: one recipient fewer',
      () => ({ to: ['carol@globex.com', 'dan@globex.com'] }),
      (t) => ({ subject: t.subject }),
    ],
    ['threadless: another subject', () => ({}), (t) => ({ subject: `${t.subject} (2)` })],
    ['threadless: no subject', () => ({}), () => ({})],
    [
      'threadless: sent before the item was proposed',
      () => ({}),
      (t) => ({ subject: t.subject, occurredAt: '2020-01-01T00:00:00.000Z' }),
    ],
    [
      'threadless: from another mailbox',
      () => ({}),
      (t) => ({ subject: t.subject, mailbox: 'bob@acme.com' }),
    ],
    [
      'the same event for another workspace',
      () => ({ externalDraftId: unique('draft') }),
      (_, d) => ({ type: 'draft.deleted', draftId: d.externalDraftId, workspaceId: unique('ws_hook_other') }),
    ],
  ];

  it.each(NON_MATCHING)('%s', async (_, draftOf, fieldsOf) => {
    const draft = draftOf();
    const target = await pendingItem(draft);
    const before = await stateOf(target);

    const response = await s.webhook({ body: event(fieldsOf(target, draft)) });

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ resolved: 0, stale: 0 });
    await expectUntouched(target, before);
  });
});

describe('auto-resolve and expiry', () => {
  it('leaves an item that is past its expiresAt as expired: a matching delivery resolves 0', async () => {
    // spec 3: a pending item past its expiresAt is expired; the API already says so before the job runs.
    const draftId = unique('draft');
    const expiresAt = new Date(Date.now() + 2_500).toISOString();
    const { itemId } = await s.propose({
      expiresAt,
      run: { executedAs: { kind: 'user', userId: 'u_alice' } },
      draft: { from: MAILBOX, externalDraftId: draftId },
    });
    await new Promise((resolve) => setTimeout(resolve, Date.parse(expiresAt) - Date.now() + 200));
    const target = { itemId, proposedAt: '', subject: '' };
    expect((await stateOf(target)).item.status).toBe('expired');

    const response = await s.webhook({ body: event({ type: 'draft.deleted', draftId }) });

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ resolved: 0, stale: 0 });
    const after = await stateOf(target);
    expect(after.item.status).toBe('expired');
    expect(after.events).not.toContain('Review Item Resolved');
  });
});

describe('rejected deliveries: 401 (or 400 for a signed but invalid body), nothing changed', () => {
  const wrongSecret = () => `whsec_${randomBytes(32).toString('base64')}`;
  const minutes = (n: number) => new Date(Date.now() + n * 60_000);

  const REJECTED: [name: string, delivery: (body: Record<string, unknown>) => WebhookDelivery][] = [
    [
      'a tampered body (signature over another body)',
      (body) => ({ body, signedBody: JSON.stringify({ ...body, draftId: 'other' }) }),
    ],
    [
      'a body with one more byte than was signed',
      (body) => ({ body: `${JSON.stringify(body)} `, signedBody: JSON.stringify(body) }),
    ],
    ['the wrong secret', (body) => ({ body, secret: wrongSecret() })],
    ['a stale timestamp (6 minutes old)', (body) => ({ body, timestamp: minutes(-6) })],
    ['a future timestamp (6 minutes ahead)', (body) => ({ body, timestamp: minutes(6) })],
    ['no webhook-signature', (body) => ({ body, omit: ['webhook-signature'] })],
    ['no webhook-timestamp', (body) => ({ body, omit: ['webhook-timestamp'] })],
    ['no webhook-id', (body) => ({ body, omit: ['webhook-id'] })],
    [
      'no webhook headers at all',
      (body) => ({ body, omit: ['webhook-id', 'webhook-timestamp', 'webhook-signature'] }),
    ],
  ];

  it.each(REJECTED)('401 for %s', async (_, deliveryOf) => {
    const draftId = unique('draft');
    const target = await pendingItem({ externalDraftId: draftId });
    const before = await stateOf(target);
    const eventsBefore = s.runtime.bus.events().length;

    const response = await s.webhook(deliveryOf(event({ type: 'draft.deleted', draftId })));

    expectProblem(response, 401);
    await expectUntouched(target, before);
    expect(s.runtime.bus.events()).toHaveLength(eventsBefore);
  });

  it('accepts a timestamp 4 minutes old (inside the 5-minute tolerance)', async () => {
    const draftId = unique('draft');
    const target = await pendingItem({ externalDraftId: draftId });

    const response = await s.webhook({
      body: event({ type: 'draft.deleted', draftId }),
      timestamp: minutes(-4),
    });

    await expectResolved(target, response);
  });

  it('does not burn the webhook-id of a rejected delivery: the genuine one with that id still resolves', async () => {
    const draftId = unique('draft');
    const target = await pendingItem({ externalDraftId: draftId });
    const body = event({ type: 'draft.deleted', draftId });
    const id = `msg_${unique('burn')}`;

    const forged = await s.webhook({ id, body, secret: wrongSecret() });
    const genuine = await s.webhook({ id, body });

    expectProblem(forged, 401);
    await expectResolved(target, genuine, id);
  });

  it('treats a replayed webhook-id as a no-op answering the first answer, even re-signed, even when it would match', async () => {
    // The first delivery resolves A. B is a new item that the very same event matches.
    const threadId = unique('thread');
    const a = await pendingItem({ threadId });
    const body = event({ threadId });
    const id = `msg_${unique('replay')}`;
    const firstAt = new Date();
    await expectResolved(a, await s.webhook({ id, body, timestamp: firstAt }), id);
    const b = await pendingItem({ threadId }, new Date(Date.now() - 120_000).toISOString());
    expect(b.itemId).not.toBe(a.itemId);
    const before = { a: await stateOf(a), b: await stateOf(b) };

    const replayed = await s.webhook({ id, body, timestamp: firstAt });
    const resigned = await s.webhook({ id, body, timestamp: new Date(firstAt.getTime() + 30_000) });

    // A repeat answers what the first delivery answered (spec 6), and changes nothing.
    for (const response of [replayed, resigned]) {
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ resolved: 1, stale: 0 });
    }
    expect(await stateOf(a)).toEqual(before.a);
    await expectUntouched(b, before.b);
    // B was matchable all along: a new delivery id resolves it.
    await expectResolved(b, await s.webhook({ body }));
  });

  it('treats the same webhook-id as a repeat whatever workspace its body names', async () => {
    // The first delivery names another workspace and matches nothing there.
    const threadId = unique('thread');
    const target = await pendingItem({ threadId });
    const before = await stateOf(target);
    const id = `msg_${unique('cross')}`;
    const first = await s.webhook({ id, body: event({ threadId, workspaceId: unique('ws_hook_first') }) });
    expect(first.body).toEqual({ resolved: 0, stale: 0 });

    // The same id naming the target's workspace would match it: a repeat, answered the first answer.
    const repeat = await s.webhook({ id, body: event({ threadId }) });

    expect(repeat.status).toBe(200);
    expect(repeat.body).toEqual({ resolved: 0, stale: 0 });
    await expectUntouched(target, before);
  });

  it('answers 400 to a webhook-id of thousands of characters, never 500, and changes nothing', async () => {
    const threadId = unique('thread');
    const target = await pendingItem({ threadId });
    const before = await stateOf(target);

    const response = await s.webhook({ id: `msg_${'x'.repeat(3000)}`, body: event({ threadId }) });

    expectProblem(response, 400);
    await expectUntouched(target, before);
  });

  it('resolves an item once when the same delivery arrives five times at once', async () => {
    const draftId = unique('draft');
    const target = await pendingItem({ externalDraftId: draftId });
    const delivery = {
      id: `msg_${unique('burst')}`,
      body: event({ type: 'draft.deleted', draftId }),
      timestamp: new Date(),
    };

    const responses = await Promise.all(Array.from({ length: 5 }, () => s.webhook(delivery)));

    // Every copy answers what the first answered (the others wait for it while it is processed).
    expect(responses.map((r) => [r.status, r.body])).toEqual(
      Array.from({ length: 5 }, () => [200, { resolved: 1, stale: 0 }]),
    );
    const { item, history } = await stateOf(target);
    expect(item.status).toBe('resolved');
    expect(history.map((entry) => entry.action)).toEqual(['created', 'resolved']);
    expect(s.itemEvents(target.itemId, 'Review Item Resolved')).toHaveLength(1);
  });

  it.each([
    ['an unknown type', { type: 'message.bounced' }, 'type'],
    ['an invalid mailbox', { mailbox: 'not a mailbox' }, 'mailbox'],
    ['an invalid workspace id', { workspaceId: 'ws acme' }, 'workspaceId'],
    ['no occurredAt', { occurredAt: undefined }, 'occurredAt'],
    ['a header injection in the subject', { subject: 'Hi\r\nBcc: x@y.com' }, 'subject'],
  ])('400 with errors for a validly signed body with %s', async (_, fields, path) => {
    const draftId = unique('draft');
    const target = await pendingItem({ externalDraftId: draftId });
    const before = await stateOf(target);

    const response = await s.webhook({ body: event({ type: 'draft.deleted', draftId, ...fields }) });

    const problem = expectProblem(response, 400);
    expect(problem.errors?.map((error) => error.path)).toContain(path);
    await expectUntouched(target, before);
  });

  it('400 for a validly signed body that is not JSON', async () => {
    const target = await pendingItem({ externalDraftId: unique('draft') });
    const before = await stateOf(target);

    const response = await s.webhook({ body: 'type=draft.deleted&draftId=x' });

    const problem = expectProblem(response, 400);
    expect(problem.errors).toEqual([{ path: '', message: expect.any(String) }]);
    await expectUntouched(target, before);
  });
});
