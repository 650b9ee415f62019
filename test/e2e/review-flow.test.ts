/**
 * The review flow end to end, through the local runtime as its users would drive it: the directory and the
 * automation send events with the AWS SDK's PutEvents to the local bus; reviewers use the HTTP API with real
 * JWTs; the approved email lands in the local SES store; the email provider calls the signed webhook; the
 * scheduler's expiry job runs on demand. Nothing is read from the table directly.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReviewClient, type paths, type ReviewClient } from '../../shared/client/index.js';
import { proposal } from '../fixtures/index.js';
import { emailOf } from '../support/items.js';
import {
  type ApiClient,
  type ApiItem,
  type ApiPage,
  type ApiSummary,
  type Problem,
  type Scenario,
  startScenario,
  unique,
} from '../support/scenario.js';
import { findEmails } from '../support/ses.js';

let s: Scenario;
let alice: ApiClient;
let bob: ApiClient;
let carol: ApiClient;
let erin: ApiClient;
let admin: ApiClient;

beforeAll(async () => {
  s = await startScenario('ws_flow');
  // The directory, as the directory service publishes it.
  await s.members(
    { userId: 'u_alice', role: 'member', mailboxes: ['Alice@Acme.com'], active: true },
    { userId: 'u_bob', role: 'member', mailboxes: ['bob@acme.com'], active: true },
    { userId: 'u_carol', role: 'member', mailboxes: ['carol@acme.com'], active: true },
    { userId: 'u_erin', role: 'member', mailboxes: ['erin@acme.com'], active: true },
    { userId: 'u_admin', role: 'admin', mailboxes: [], active: true },
  );
  [alice, bob, carol, erin, admin] = await Promise.all([
    s.as('u_alice'),
    s.as('u_bob'),
    s.as('u_carol'),
    s.as('u_erin'),
    s.as('u_admin'),
  ]);
});

afterAll(async () => {
  await s?.stop();
});

/**
 * The typed client (shared/client, generated from docs/openapi.json) acting as the same user as `client`: the
 * review flow (list, get, edit, approve, history) goes through it, which proves it against the running API.
 */
function typed(client: ApiClient): ReviewClient {
  if (client.token === undefined) throw new Error('The typed client needs a token');
  return createReviewClient(client.baseUrl, client.token);
}

type ListQuery = NonNullable<paths['/review-items']['get']['parameters']['query']>;
type QueueFilter = Omit<ListQuery, 'limit' | 'cursor'>;

async function queueIds(client: ApiClient, filter: QueueFilter = {}): Promise<string[]> {
  const api = typed(client);
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const query: ListQuery = { ...filter, limit: 100, ...(cursor ? { cursor } : {}) };
    const { data, response } = await api.GET('/review-items', { params: { query } });
    expect(response.status).toBe(200);
    ids.push(...(data?.items ?? []).map((item) => item.id));
    cursor = data?.nextCursor ?? null;
  } while (cursor);
  return ids;
}

const history = async (client: ApiClient, itemId: string) => {
  const { data, response } = await typed(client).GET('/review-items/{id}/history', {
    params: { path: { id: itemId } },
  });
  expect(response.status).toBe(200);
  return data?.items ?? [];
};

describe('propose → queue → edit → approve → sent exactly once', () => {
  it('routes the proposal to the run user, sends the edited email once, and records it all', async () => {
    // Arrange: an automation run executed as u_alice proposes a reply on a thread.
    const subject = `Renewal ${unique('flow')}`;
    const { itemId, runId, proposal } = await s.propose({
      run: {
        executedAs: { kind: 'user', userId: 'u_alice' },
        automationId: 'auto_renewal',
        stepId: 'step_3',
      },
      relatedRecords: [{ type: 'account', id: unique('acc'), name: 'Globex', ownerId: 'u_bob' }],
      draft: {
        from: 'alice@acme.com',
        to: ['carol@globex.com'],
        cc: ['dan@globex.com'],
        subject,
        bodyText: 'Hi Carol, shall we talk about the renewal?',
        threadId: unique('thread'),
        inReplyTo: '<original-1@mail.globex.com>',
      },
    });

    // The run user sees it; another member, and the record owner who may not see u_alice's run, do not.
    expect(await queueIds(alice)).toContain(itemId);
    expect(await queueIds(carol)).not.toContain(itemId);
    expect(await queueIds(carol, { scope: 'workspace' })).not.toContain(itemId);
    expect(await queueIds(bob)).not.toContain(itemId);
    const api = typed(alice);
    const path = { path: { id: itemId } };
    const proposed = await api.GET('/review-items/{id}', { params: path });
    expect(proposed.response.status).toBe(200);
    expect(proposed.data).toMatchObject({
      id: itemId,
      workspaceId: s.workspaceId,
      type: 'email',
      status: 'pending',
      version: 1,
      edited: false,
      reason: proposal.reason,
      reviewers: ['u_alice'],
      origin: {
        automationId: 'auto_renewal',
        runId,
        stepId: 'step_3',
        executedAs: { kind: 'user', userId: 'u_alice' },
      },
      permissions: { canEdit: true, canApprove: true, canDismiss: true },
      decision: null,
    });

    // Act: edit, then approve.
    const editedSubject = `${subject} (edited)`;
    const edit = await api.PATCH('/review-items/{id}', {
      params: path,
      body: {
        version: 1,
        draft: {
          subject: editedSubject,
          bodyText: 'Hi Carol, could we talk on Thursday?',
          cc: ['dan@globex.com', 'eve@globex.com'],
        },
      },
    });
    expect(edit.response.status).toBe(200);
    expect(edit.data).toMatchObject({ version: 2, edited: true, status: 'pending' });

    const approve = await api.POST('/review-items/{id}/approve', { params: path, body: { version: 2 } });
    await s.runtime.bus.idle();

    // Assert: sent, with the SES message id.
    expect(approve.response.status).toBe(200);
    expect(approve.data).toMatchObject({
      id: itemId,
      status: 'sent',
      decision: { action: 'approved', by: 'u_alice' },
    });
    const messageId = approve.data?.decision?.messageId;
    expect(messageId).toEqual(expect.any(String));
    expect((await api.GET('/review-items/{id}', { params: path })).data).toMatchObject({
      status: 'sent',
      decision: { messageId },
    });

    // The email, with the edit, is in the local SES store exactly once.
    const emails = await findEmails({ subject });
    expect(emails).toHaveLength(1);
    const [email] = emails;
    expect(email).toMatchObject({
      messageId,
      subject: editedSubject,
      destination: { to: ['carol@globex.com'], cc: ['dan@globex.com', 'eve@globex.com'], bcc: [] },
      body: { text: 'Hi Carol, could we talk on Thursday?' },
    });
    expect(email?.from).toContain('alice@acme.com');
    expect(email?.headers).toEqual(
      expect.arrayContaining([{ name: 'In-Reply-To', value: '<original-1@mail.globex.com>' }]),
    );

    // History, oldest first.
    const entries = await history(alice, itemId);
    expect(entries.map((entry) => entry.action)).toEqual(['created', 'edited', 'approved', 'sent']);
    expect(entries.map((entry) => entry.version)).toEqual([1, 2, 3, 4]);
    expect(entries.map((entry) => entry.at)).toEqual([...entries.map((entry) => entry.at)].sort());
    expect(entries[0]?.actor).toEqual({ kind: 'automation', runId });
    for (const entry of entries.slice(1)) expect(entry.actor).toEqual({ kind: 'user', userId: 'u_alice' });
    expect(entries.every((entry) => entry.runId === runId)).toBe(true);
    expect(emailOf(entries[1]?.draft)?.subject).toBe(editedSubject);

    // Events out.
    const published = s.itemEvents(itemId);
    expect(published.map((event) => event['detail-type'])).toEqual([
      'Review Item Created',
      'Review Item Edited',
      'Review Item Sent',
    ]);
    for (const event of published) {
      expect(event.source).toBe('for-review');
      expect(event.detail).toMatchObject({
        workspaceId: s.workspaceId,
        itemId,
        automationId: 'auto_renewal',
        runId,
        stepId: 'step_3',
        actor: expect.any(Object),
        at: expect.any(String),
      });
    }
    expect(published.at(-1)?.detail).toMatchObject({ messageId, actor: { kind: 'user', userId: 'u_alice' } });

    // It left the queue, and a second approval neither sends nor changes anything.
    expect(await queueIds(alice)).not.toContain(itemId);
    const again = await api.POST('/review-items/{id}/approve', { params: path, body: {} });
    expect(again.response.status).toBe(409);
    expect((again.error as Problem | undefined)?.current).toEqual({ status: 'sent', version: 4 });
    expect(await findEmails({ subject })).toHaveLength(1);

    // SES reports the delivery through its EventBridge destination, on the account's default bus (spec 2.5).
    const delivered = await s.eventBridge.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'aws.ses',
            DetailType: 'Email Delivered',
            EventBusName: 'default',
            Detail: JSON.stringify({
              eventType: 'Delivery',
              mail: {
                messageId,
                timestamp: new Date().toISOString(),
                destination: ['carol@globex.com'],
                tags: { reviewItemId: [itemId], workspaceId: [s.workspaceId] },
              },
              delivery: { timestamp: new Date().toISOString(), recipients: ['carol@globex.com'] },
            }),
          },
        ],
      }),
    );
    expect(delivered.FailedEntryCount).toBe(0);
    await s.runtime.idle();
    const reported = await api.GET('/review-items/{id}', { params: path });
    expect(reported.data).toMatchObject({ status: 'sent', version: 5, delivery: { status: 'delivered' } });
    expect((await history(alice, itemId)).at(-1)).toMatchObject({ action: 'delivery_updated', version: 5 });
    expect(s.itemEvents(itemId, 'Review Item Delivery Updated').map((e) => e.detail.delivery)).toEqual([
      expect.objectContaining({ status: 'delivered' }),
    ]);
  });

  it('resolves a second proposal from the email webhook, and it leaves the queue', async () => {
    const externalDraftId = unique('gmail_draft');
    const { itemId } = await s.propose({
      run: { executedAs: { kind: 'user', userId: 'u_alice' } },
      draft: { from: 'alice@acme.com', subject: `Follow-up ${unique('flow')}`, externalDraftId },
    });
    expect(await queueIds(alice)).toContain(itemId);

    const response = await s.webhook({
      body: {
        type: 'draft.deleted',
        workspaceId: s.workspaceId,
        mailbox: 'alice@acme.com',
        draftId: externalDraftId,
        to: [],
        occurredAt: new Date().toISOString(),
      },
    });

    expect(response.body).toEqual({ resolved: 1, stale: 0 });
    expect(await queueIds(alice)).not.toContain(itemId);
    expect((await alice.get<ApiItem>(`/review-items/${itemId}`)).body).toMatchObject({
      status: 'resolved',
      decision: { action: 'resolved', by: null },
    });
    expect(s.itemEvents(itemId).map((e) => e['detail-type'])).toEqual([
      'Review Item Created',
      'Review Item Resolved',
    ]);
  });

  it('replaces a pending item in place when a newer proposal for the same change arrives', async () => {
    const dedupKey = unique('renewal-acc');
    const first = await s.propose({
      dedupKey,
      proposedAt: '2026-11-20T10:00:00.000Z',
      run: { executedAs: { kind: 'user', userId: 'u_alice' } },
      draft: { subject: 'First take' },
    });
    await alice.patch(`/review-items/${first.itemId}`, {
      version: 1,
      draft: { bodyText: 'a reviewer edit' },
    });

    const second = await s.propose({
      dedupKey,
      proposedAt: '2026-11-20T11:00:00.000Z',
      run: { executedAs: { kind: 'user', userId: 'u_alice' } },
      draft: { subject: 'Second take' },
    });
    // The first proposal, delivered again, changes nothing.
    await s.putEvents([
      { source: 'automations', detailType: 'Review Draft Proposed', detail: first.proposal },
    ]);

    expect(second.itemId).toBe(first.itemId);
    const item = (await alice.get<ApiItem>(`/review-items/${first.itemId}`)).body;
    expect(item).toMatchObject({
      version: 3,
      edited: false,
      draft: { subject: 'Second take' },
      origin: { runId: second.runId },
    });
    expect(item.draft.bodyText).not.toBe('a reviewer edit');
    expect((await history(alice, first.itemId)).map((e) => e.action)).toEqual([
      'created',
      'edited',
      'replaced',
    ]);
    expect((await queueIds(alice)).filter((id) => id === first.itemId)).toHaveLength(1);
  });
});

describe('the queue over HTTP', () => {
  /** u_erin's runs, oldest first, alternating between two automations. */
  const made: { itemId: string; automationId: string }[] = [];

  beforeAll(async () => {
    for (let index = 0; index < 7; index++) {
      const automationId = index % 2 === 0 ? 'auto_even' : 'auto_odd';
      const { itemId } = await s.propose({
        run: {
          executedAs: { kind: 'user', userId: 'u_erin' },
          automationId,
          automationName: `Automation ${automationId}`,
        },
        relatedRecords: [],
        draft: { from: 'erin@acme.com', subject: `Erin ${index}` },
      });
      made.push({ itemId, automationId });
    }
  });

  it('pages the queue newest first with limit and an opaque cursor, nothing missed or repeated', async () => {
    const pages: ApiPage[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `limit=3&cursor=${encodeURIComponent(cursor)}` : 'limit=3';
      const page: { status: number; body: ApiPage } = await erin.get<ApiPage>(`/review-items?${query}`);
      expect(page.status).toBe(200);
      pages.push(page.body);
      cursor = page.body.nextCursor;
    } while (cursor && pages.length < 10);

    expect(pages.map((page) => page.items.length)).toEqual([3, 3, 1]);
    expect(pages.at(-1)?.nextCursor).toBeNull();
    const ids = pages.flatMap((page) => page.items.map((item) => item.id));
    expect(ids).toEqual(made.map((m) => m.itemId).reverse());
    const created = pages.flatMap((page) => page.items.map((item) => item.createdAt));
    expect(created).toEqual([...created].sort().reverse());
  });

  it('filters by automationId, across pages', async () => {
    const first = await erin.get<ApiPage>('/review-items?automationId=auto_odd&limit=2');
    const cursor = first.body.nextCursor ?? '';
    const second = await erin.get<ApiPage>(
      `/review-items?automationId=auto_odd&limit=2&cursor=${encodeURIComponent(cursor)}`,
    );

    const ids = [...first.body.items, ...second.body.items].map((item) => item.id);
    expect(ids).toEqual(
      made
        .filter((m) => m.automationId === 'auto_odd')
        .map((m) => m.itemId)
        .reverse(),
    );
    expect(second.body.nextCursor).toBeNull();
    expect(await queueIds(erin, { automationId: 'auto_none' })).toEqual([]);
  });

  it('summarizes the queue for Up next: pending count, counts by automation, latest items', async () => {
    const summary = await erin.get<ApiSummary>('/review-items/summary');

    expect(summary.status).toBe(200);
    expect(summary.body.pendingCount).toBe(7);
    expect(summary.body.byAutomation).toEqual([
      { automationId: 'auto_even', automationName: 'Automation auto_even', count: 4 },
      { automationId: 'auto_odd', automationName: 'Automation auto_odd', count: 3 },
    ]);
    expect(summary.body.latest.map((item) => item.id)).toEqual(
      made
        .slice(-5)
        .map((m) => m.itemId)
        .reverse(),
    );
  });

  it('lists scope=workspace: a member sees workspace runs and their own, an admin sees every run', async () => {
    const automationId = unique('auto_scope');
    const workspaceRun = await s.propose({
      run: { executedAs: { kind: 'workspace' }, automationId },
      relatedRecords: [{ type: 'account', id: unique('acc'), ownerId: 'u_bob' }],
    });
    const erinRun = await s.propose({
      run: { executedAs: { kind: 'user', userId: 'u_erin' }, automationId },
      draft: { from: 'erin@acme.com' },
    });
    const query = { scope: 'workspace', automationId } as const;

    expect(await queueIds(carol, query)).toEqual([workspaceRun.itemId]);
    expect(await queueIds(erin, query)).toEqual([erinRun.itemId, workspaceRun.itemId]);
    expect(await queueIds(admin, query)).toEqual([erinRun.itemId, workspaceRun.itemId]);
    // scope=mine is the caller's own queue: the admin reviews neither.
    expect(await queueIds(admin, { automationId })).toEqual([]);
    expect(await queueIds(bob, { automationId })).toEqual([workspaceRun.itemId]);
  });

  it('shows the record banner: pending items about the record that the caller may see', async () => {
    const opportunity = unique('opp');
    const record = { type: 'opportunity', id: opportunity, name: 'Globex renewal' };
    const workspaceRun = await s.propose({
      run: { executedAs: { kind: 'workspace' } },
      relatedRecords: [{ ...record, ownerId: 'u_bob' }],
    });
    const erinRun = await s.propose({
      run: { executedAs: { kind: 'user', userId: 'u_erin' } },
      relatedRecords: [record],
      draft: { from: 'erin@acme.com' },
    });
    const banner = async (client: ApiClient) =>
      (await client.get<ApiPage>(`/records/opportunity/${opportunity}/review-items`)).body.items.map(
        (item) => item.id,
      );

    expect(await banner(carol)).toEqual([workspaceRun.itemId]);
    expect(await banner(erin)).toEqual([erinRun.itemId, workspaceRun.itemId]);
    expect(await banner(admin)).toEqual([erinRun.itemId, workspaceRun.itemId]);
    expect(await banner(alice)).toEqual([workspaceRun.itemId]);
    // The record type is part of the record's identity.
    expect((await admin.get<ApiPage>(`/records/account/${opportunity}/review-items`)).body.items).toEqual([]);

    // Once decided, it is no longer pending about the record.
    expect(
      (await bob.post(`/review-items/${workspaceRun.itemId}/dismiss`, { note: 'handled by phone' })).status,
    ).toBe(200);
    expect(await banner(admin)).toEqual([erinRun.itemId]);
  });

  it('answers 400 to a record type or id outside what the document allows, never an empty banner', async () => {
    const opportunity = unique('opp');
    for (const path of [
      `/records/Opportunity/${opportunity}/review-items`,
      `/records/opp%20ortunity/${opportunity}/review-items`,
      `/records/${'a'.repeat(33)}/${opportunity}/review-items`,
      `/records/opportunity/${opportunity}%0D%0A/review-items`,
      `/records/opportunity/%00${opportunity}/review-items`,
      `/records/opportunity/${'o'.repeat(129)}/review-items`,
    ]) {
      const answer = await admin.get<Problem>(path);
      expect({ path, status: answer.status, contentType: answer.contentType }).toEqual({
        path,
        status: 400,
        contentType: 'application/problem+json',
      });
      expect(answer.body.detail).toBe('The path is invalid');
    }
  });
});

describe('expiry', () => {
  it('drops an expired draft from the queue at once, and the scheduled job marks it expired', async () => {
    const expiresAt = new Date(Date.now() + 4_000).toISOString();
    const automationId = unique('auto_expiry');
    const { itemId } = await s.propose({
      expiresAt,
      run: { executedAs: { kind: 'user', userId: 'u_alice' }, automationId },
    });
    expect(await queueIds(alice, { automationId })).toEqual([itemId]);

    await sleep(Date.parse(expiresAt) - Date.now() + 200);

    // Past expiresAt it is no longer listed, even before the job runs.
    expect(await queueIds(alice, { automationId })).toEqual([]);
    expect((await alice.get<ApiItem>(`/review-items/${itemId}`)).body).toMatchObject({
      status: 'expired',
      version: 1,
    });
    const late = await alice.post<Problem>(`/review-items/${itemId}/approve`, {});
    expect(late.status).toBe(409);
    expect(late.body.current?.status).toBe('expired');

    const result = await s.runtime.scheduler.runNow('expire-review-items');
    await s.runtime.bus.idle();

    expect(result).toEqual({ expired: 1 });
    expect((await alice.get<ApiItem>(`/review-items/${itemId}`)).body).toMatchObject({
      status: 'expired',
      version: 2,
      decision: { action: 'expired', by: null },
    });
    expect((await history(alice, itemId)).map((entry) => entry.action)).toEqual(['created', 'expired']);
    const [expired] = s.itemEvents(itemId, 'Review Item Expired');
    expect(expired?.detail).toMatchObject({
      workspaceId: s.workspaceId,
      itemId,
      automationId,
      actor: { kind: 'system' },
    });
    // Running it again finds nothing more to do.
    expect(await s.runtime.scheduler.runNow('expire-review-items')).toEqual({ expired: 0 });
  });

  it('starts a new item for the same change once the pending one is past its expiresAt, and never revives it', async () => {
    // spec 3: past expiresAt the item is expired (the API says so at once); once decided, the key starts a new item.
    const dedupKey = unique('renewal');
    const expiresAt = new Date(Date.now() + 2_500).toISOString();
    const run = { executedAs: { kind: 'user' as const, userId: 'u_alice' } };
    const first = await s.propose({ dedupKey, expiresAt, run, draft: { subject: 'First, expiring' } });
    await sleep(Date.parse(expiresAt) - Date.now() + 200);
    expect((await alice.get<ApiItem>(`/review-items/${first.itemId}`)).body.status).toBe('expired');

    const second = await s.propose({ dedupKey, run, draft: { subject: 'Second, after expiry' } });
    await s.runtime.scheduler.runNow('expire-review-items');
    await s.runtime.bus.idle();

    expect(second.itemId).not.toBe(first.itemId);
    expect((await alice.get<ApiItem>(`/review-items/${first.itemId}`)).body).toMatchObject({
      status: 'expired',
      draft: { subject: 'First, expiring' },
    });
    expect((await history(alice, first.itemId)).map((entry) => entry.action)).toEqual(['created', 'expired']);
    expect((await alice.get<ApiItem>(`/review-items/${second.itemId}`)).body).toMatchObject({
      status: 'pending',
      version: 1,
    });
    expect(await queueIds(alice)).toContain(second.itemId);
  });

  it('drops a proposal that arrives already expired, with a Review Draft Dropped event', async () => {
    const late = proposal({
      workspaceId: s.workspaceId,
      proposedAt: '2019-12-31T23:00:00.000Z',
      expiresAt: '2020-01-01T00:00:00.000Z',
      run: { id: unique('run_late') },
    });
    const queueBefore = await queueIds(alice);

    await s.putEvents([{ source: 'automations', detailType: 'Review Draft Proposed', detail: late }]);

    const dropped = s.runtime.bus
      .events({ detailType: 'Review Draft Dropped' })
      .filter((e) => e.detail.runId === late.run.id);
    expect(dropped).toHaveLength(1);
    expect(dropped[0]?.detail).toMatchObject({
      workspaceId: s.workspaceId,
      reason: expect.stringMatching(/expired/),
    });
    expect(
      s.runtime.bus
        .events({ detailType: 'Review Item Created' })
        .filter((e) => e.detail.runId === late.run.id),
    ).toEqual([]);
    expect(await queueIds(alice)).toEqual(queueBefore);
  });
});

describe('invalid events', () => {
  it('dead-letters an invalid proposal with a reason and writes nothing', async () => {
    const valid = proposal({ workspaceId: s.workspaceId, run: { id: unique('run_invalid') } });
    const runId = valid.run.id;
    const detail = {
      ...valid,
      draft: {
        ...valid.draft,
        to: ['not-an-address'],
        subject: `${unique('Invalid')}\r\nBcc: mallory@evil.com`,
      },
    };
    const before = {
      alice: await queueIds(alice),
      workspace: await queueIds(admin, { scope: 'workspace' }),
      summary: (await alice.get<ApiSummary>('/review-items/summary')).body.pendingCount,
      published: s.runtime.bus.events({ source: 'for-review' }).length,
    };

    await s.putEvents([{ source: 'automations', detailType: 'Review Draft Proposed', detail }]);

    const dead = s.runtime.bus
      .deadLetters()
      .filter((letter) => JSON.stringify(letter.event.detail).includes(runId));
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ functionName: 'ingest-proposal', attempts: expect.any(Number) });
    expect(dead[0]?.error).toMatch(/draft\.to\.0/);
    expect(dead[0]?.error).toMatch(/draft\.subject/);
    expect(await queueIds(alice)).toEqual(before.alice);
    expect(await queueIds(admin, { scope: 'workspace' })).toEqual(before.workspace);
    expect((await alice.get<ApiSummary>('/review-items/summary')).body.pendingCount).toBe(before.summary);
    expect(s.runtime.bus.events({ source: 'for-review' })).toHaveLength(before.published);
  });

  it('dead-letters an invalid member change and leaves the directory as it was', async () => {
    await s.putEvents([
      {
        source: 'directory',
        detailType: 'Workspace Member Changed',
        detail: {
          workspaceId: s.workspaceId,
          userId: 'u_carol',
          role: 'owner',
          mailboxes: ['alice@acme.com'],
          active: true,
          changedAt: new Date().toISOString(),
        },
      },
    ]);

    const dead = s.runtime.bus
      .deadLetters()
      .filter((letter) => letter.functionName === 'apply-member-change');
    expect(dead).toHaveLength(1);
    expect(dead[0]?.error).toMatch(/role/);
    // u_carol is still a plain member without alice's mailbox: she still cannot see alice's runs.
    const { itemId } = await s.propose({ run: { executedAs: { kind: 'user', userId: 'u_alice' } } });
    expect((await carol.get(`/review-items/${itemId}`)).status).toBe(404);
  });
});
