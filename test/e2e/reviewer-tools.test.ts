/**
 * Reviewer tools through the local runtime with real JWTs: stale emails end to end through the signed webhook
 * (spec 3, Stale emails; spec 6), reassign and bulk for reviewers, other members, admins and other workspaces: the
 * right status per caller, nothing leaked, nothing written when refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiClient,
  type ApiHistoryEntry,
  type ApiItem,
  type ApiPage,
  type Problem,
  type Scenario,
  startScenario,
  unique,
} from '../support/scenario.js';

const MAILBOX = 'alice@acme.com';

let s: Scenario;
let admin: ApiClient;
let alice: ApiClient;
let bob: ApiClient;
let carol: ApiClient;
let outsider: ApiClient;

beforeAll(async () => {
  s = await startScenario('ws_tools');
  await s.members(
    { userId: 'u_alice', role: 'member', mailboxes: [MAILBOX], active: true },
    { userId: 'u_bob', role: 'member', mailboxes: ['bob@acme.com'], active: true },
    { userId: 'u_carol', role: 'member', mailboxes: ['carol@acme.com'], active: true },
    { userId: 'u_admin', role: 'admin', mailboxes: [], active: true },
  );
  admin = await s.as('u_admin');
  alice = await s.as('u_alice');
  bob = await s.as('u_bob');
  carol = await s.as('u_carol');
  outsider = await s.as('u_admin', unique('ws_other'));
});
afterAll(async () => {
  await s?.stop();
});

type Stale = { stale: { reason: string; at: string; messageId?: string } | null };

const received = (threadId: string, fields: Record<string, unknown> = {}) => ({
  type: 'message.received',
  workspaceId: s.workspaceId,
  mailbox: MAILBOX,
  from: 'carol@globex.com',
  messageId: `<${unique('m')}@globex.com>`,
  threadId,
  to: [MAILBOX],
  occurredAt: new Date().toISOString(),
  ...fields,
});

const queueIds = async (client: ApiClient) =>
  (await client.get<ApiPage>('/review-items?limit=100')).body.items.map((i) => i.id);

describe('stale emails through the signed webhook', () => {
  it('marks a thread draft stale, refuses a plain approve, sends with acknowledgeStale; a replacement clears the mark', async () => {
    const threadId = unique('thread');
    const dedupKey = unique('dedup');
    const proposedAt = new Date(Date.now() - 60_000).toISOString();
    const { itemId } = await s.propose({
      dedupKey,
      proposedAt,
      run: { executedAs: { kind: 'user', userId: 'u_alice' } },
      draft: { from: MAILBOX, to: ['carol@globex.com'], threadId, subject: unique('Renewal') },
    });

    // Not stale: her own message on the thread, a message before the proposal, another thread.
    const own = await s.webhook({ body: received(threadId, { from: MAILBOX }) });
    const before = await s.webhook({
      body: received(threadId, { occurredAt: new Date(Date.now() - 120_000).toISOString() }),
    });
    const other = await s.webhook({ body: received(unique('thread')) });
    for (const answer of [own, before, other]) expect(answer.body).toEqual({ resolved: 0, stale: 0 });
    expect((await alice.get<ApiItem & Stale>(`/review-items/${itemId}`)).body.stale).toBeNull();

    const body = received(threadId);
    const marked = await s.webhook({ body, id: 'msg_stale_1' });
    expect(marked.status).toBe(200);
    expect(marked.body).toEqual({ resolved: 0, stale: 1 });
    // A repeat of the delivery, or another message on the thread, marks nothing more.
    expect((await s.webhook({ body, id: 'msg_stale_1' })).body).toEqual({ resolved: 0, stale: 1 });
    expect((await s.webhook({ body: received(threadId) })).body).toEqual({ resolved: 0, stale: 0 });

    const item = await alice.get<ApiItem & Stale>(`/review-items/${itemId}`);
    expect(item.body).toMatchObject({
      status: 'pending',
      version: 2,
      stale: { at: body.occurredAt, messageId: body.messageId },
    });
    expect(await queueIds(alice)).toContain(itemId);
    const history = await alice.get<{ items: ApiHistoryEntry[] }>(`/review-items/${itemId}/history`);
    expect(history.body.items.map((h) => h.action)).toEqual(['created', 'marked_stale']);
    await s.runtime.idle();
    const [event] = s.itemEvents(itemId, 'Review Item Stale');
    expect(event?.detail).toMatchObject({ itemId, version: 2, status: 'pending', webhookId: 'msg_stale_1' });

    const plain = await alice.post<Problem & Stale>(`/review-items/${itemId}/approve`, { version: 2 });
    expect(plain.status).toBe(409);
    expect(plain.contentType).toContain('application/problem+json');
    expect(plain.body.detail).toMatch(/acknowledgeStale/);
    expect(plain.body.stale).toMatchObject({ messageId: body.messageId });
    expect((await alice.get<ApiItem>(`/review-items/${itemId}`)).body.version).toBe(2);

    // A replacing proposal clears the mark (and a stale draft is approvable again without acknowledgment).
    await s.propose({
      dedupKey,
      proposedAt: new Date(Date.now() - 30_000).toISOString(),
      run: { executedAs: { kind: 'user', userId: 'u_alice' } },
      draft: { from: MAILBOX, to: ['carol@globex.com'], threadId, subject: unique('Renewal, newer') },
    });
    const replaced = await alice.get<ApiItem & Stale>(`/review-items/${itemId}`);
    expect(replaced.body).toMatchObject({ version: 3, stale: null });

    expect((await s.webhook({ body: received(threadId) })).body).toEqual({ resolved: 0, stale: 1 });
    const sent = await alice.post<ApiItem>(`/review-items/${itemId}/approve`, {
      version: 4,
      acknowledgeStale: true,
    });
    expect(sent.status).toBe(200);
    expect(sent.body.status).toBe('sent');
  });
});

describe('reassign through the API', () => {
  it('answers each caller as spec 3 says and moves the queues at once', async () => {
    const { itemId } = await s.propose({
      run: { executedAs: { kind: 'user', userId: 'u_alice' } },
      draft: { from: MAILBOX, to: ['carol@globex.com'] },
    });
    const path = `/review-items/${itemId}/reviewers`;
    // Bob may not see alice's run: 404, as for another workspace; bad input 400; nothing written.
    expect((await bob.post(path, { version: 1, add: ['u_bob'] })).status).toBe(404);
    expect((await outsider.post(path, { version: 1, add: ['u_bob'] })).status).toBe(404);
    expect((await s.withToken().post(path, { version: 1, add: ['u_bob'] })).status).toBe(401);
    expect((await alice.post(path, { version: 1 })).status).toBe(400);
    expect((await alice.post(path, { version: 1, add: ['u_bob'] })).status).toBe(400);
    expect((await alice.post(path, { version: 1, remove: ['u_alice'] })).status).toBe(409);
    expect((await alice.get<ApiItem>(`/review-items/${itemId}`)).body.version).toBe(1);

    const added = await admin.post<ApiItem>(path, { version: 1, add: ['u_admin'] });
    expect(added.status).toBe(200);
    expect(added.body.reviewers).toEqual(['u_alice', 'u_admin']);
    expect(await queueIds(admin)).toContain(itemId);
    const removed = await admin.post<ApiItem>(path, { version: 2, remove: ['u_alice'] });
    expect(removed.body.reviewers).toEqual(['u_admin']);
    expect(await queueIds(alice)).not.toContain(itemId);
    await s.runtime.idle();
    expect(s.itemEvents(itemId, 'Review Item Reassigned').map((e) => e.detail.version)).toEqual([2, 3]);
    // Alice is no longer a reviewer, nor an admin: 403 (she can still see her run's item).
    expect((await alice.post(path, { version: 3, add: ['u_alice'] })).status).toBe(403);
  });
});

describe('bulk through the API', () => {
  it('answers each item with its own status, leaking nothing of items the caller may not see', async () => {
    const mine = await s.propose({
      run: { executedAs: { kind: 'workspace' } },
      relatedRecords: [{ type: 'account', id: 'acc_1', ownerId: 'u_carol' }],
      draft: { from: 'robot@acme.com', to: ['x@globex.com'] },
    });
    const private_ = await s.propose({ run: { executedAs: { kind: 'user', userId: 'u_alice' } } });
    const response = await carol.post<{
      results: { id: string; status: number; item?: ApiItem; problem?: Problem }[];
    }>('/review-items/bulk', {
      action: 'dismiss',
      reason: 'not_needed',
      items: [{ id: mine.itemId, version: 1 }, { id: private_.itemId }, { id: 'ri_unknown' }],
    });
    expect(response.status).toBe(200);
    expect(response.body.results.map((r) => r.status)).toEqual([200, 404, 404]);
    expect(response.body.results[0]?.item).toMatchObject({
      status: 'dismissed',
      decision: { reason: 'not_needed' },
    });
    // The invisible item's problem is the unknown item's: nothing says it exists.
    const [, hidden, unknownItem] = response.body.results;
    expect(hidden?.problem?.detail.replace(private_.itemId, 'X')).toBe(
      unknownItem?.problem?.detail.replace('ri_unknown', 'X'),
    );
    expect(hidden?.item).toBeUndefined();
    expect((await admin.get<ApiItem>(`/review-items/${private_.itemId}`)).body.status).toBe('pending');
    expect(
      (await outsider.post('/review-items/bulk', { action: 'approve', items: [{ id: mine.itemId }] })).body,
    ).toMatchObject({
      results: [{ id: mine.itemId, status: 404 }],
    });
    expect((await carol.post('/review-items/bulk', { action: 'approve', items: [] })).status).toBe(400);
    const tooMany = Array.from({ length: 26 }, (_, i) => ({ id: `ri_${i}` }));
    expect((await carol.post('/review-items/bulk', { action: 'approve', items: tooMany })).status).toBe(400);
  });
});
