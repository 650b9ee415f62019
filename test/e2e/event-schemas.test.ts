/**
 * spec 5: "a JSON Schema for every event in and out is published with the project". A whole review flow runs through
 * the local runtime as its users drive it (the directory and an automation send with the AWS SDK's PutEvents, SES
 * reports deliveries on the default bus, reviewers act over HTTP with real JWTs, the email provider calls the signed
 * webhook, the expiry job runs); then every event the bus carried, read from the events port's `GET /events`, is
 * validated with ajv against its published schema, from docs/events/ and as `GET /schemas` serves it. An event
 * without a schema fails the test, and so does a published schema of an event out that no real event exercised.
 *
 * Every other e2e suite gets the same check when its runtime stops (test/support/runtime.ts).
 */
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../infra/local/put-events.js';
import { type SesFaultProxy, startSesFaultProxy } from '../../infra/local/ses-faults.js';
import { rawProposal } from '../fixtures/index.js';
import { sesEndpoint } from '../support/endpoints.js';
import {
  EVENTS_DIR,
  publishedIndex,
  publishedSchemas,
  registryProblems,
  schemaProblems,
} from '../support/event-schemas.js';
import { rawRecordCreate, rawRecordUpdate } from '../support/records.js';
import { type ApiClient, type ApiItem, type Scenario, startScenario, unique } from '../support/scenario.js';

const REJECTED = '[rejected by SES]';

let proxy: SesFaultProxy;
let s: Scenario;
let alice: ApiClient;
let events: EventEnvelope[];
let served: Record<string, Record<string, unknown>>;

/**
 * GET on a fresh connection each time (no keep-alive): the reads come seconds apart on a busy machine, and a reused
 * idle socket the server is closing at that moment would fail the read for no reason of the system's.
 */
function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as T;
          resolve({ status: response.statusCode ?? 0, body });
        } catch (error) {
          reject(error);
        }
      });
      response.on('error', reject);
    }).on('error', reject);
  });
}

/** SES's EventBridge destination reporting on a sent email, on the account's default bus (spec 2.5). */
async function sesReports(itemId: string, messageId: string): Promise<void> {
  const at = (ms: number) => new Date(Date.now() + ms).toISOString();
  const mail = {
    messageId,
    timestamp: at(0),
    destination: ['carol@globex.com'],
    tags: { reviewItemId: [itemId], workspaceId: [s.workspaceId] },
  };
  const reports = [
    ['Email Delivered', { eventType: 'Delivery', mail, delivery: { timestamp: at(1), recipients: [] } }],
    [
      'Email Bounced',
      {
        eventType: 'Bounce',
        mail,
        bounce: {
          timestamp: at(2),
          bounceType: 'Permanent',
          bounceSubType: 'General',
          bouncedRecipients: [{ emailAddress: 'carol@globex.com' }],
        },
      },
    ],
    [
      'Email Complaint Received',
      {
        eventType: 'Complaint',
        mail,
        complaint: {
          timestamp: at(3),
          complaintFeedbackType: 'abuse',
          complainedRecipients: [{ emailAddress: 'carol@globex.com' }],
        },
      },
    ],
    // Timed by the send, so older than the complaint: on the bus, and kept by nothing.
    ['Email Rejected', { eventType: 'Reject', mail, reject: { reason: 'Bad content' } }],
    [
      'Email Rendering Failed',
      { eventType: 'Rendering Failure', mail, failure: { errorMessage: 'Missing name', templateName: 'T' } },
    ],
  ] as const;
  for (const [detailType, detail] of reports) {
    const out = await s.eventBridge.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'aws.ses',
            DetailType: detailType,
            EventBusName: 'default',
            Detail: JSON.stringify(detail),
          },
        ],
      }),
    );
    expect(out.FailedEntryCount).toBe(0);
    await s.runtime.idle();
  }
}

/** A record draft proposed as an automation run sends it (the fixture, in this workspace): the item it made. */
async function proposeRecord(raw: Record<string, unknown>, recordId?: string): Promise<string> {
  const runId = unique('run');
  const draft = raw.draft as { record: Record<string, unknown> };
  await s.putEvents([
    {
      source: 'automations',
      detailType: 'Review Draft Proposed',
      detail: {
        ...raw,
        workspaceId: s.workspaceId,
        proposedAt: new Date().toISOString(),
        dedupKey: unique('record'),
        run: { ...(raw.run as object), id: runId },
        draft: { ...draft, record: { ...draft.record, ...(recordId ? { id: recordId } : {}) } },
      },
    },
  ]);
  const created = s.runtime.bus
    .events({ source: 'for-review', detailType: 'Review Item Created' })
    .find((event) => event.detail.runId === runId);
  if (typeof created?.detail.itemId !== 'string')
    throw new Error(`The record draft of ${runId} made no item`);
  return created.detail.itemId;
}

/** The reviewer approves a record draft: the command's applyId, from the Record Change Approved it published. */
async function approveRecord(reviewer: ApiClient, itemId: string): Promise<string> {
  expect((await reviewer.post(`/review-items/${itemId}/approve`, {})).status).toBe(200);
  await s.runtime.idle();
  const applyId = s.itemEvents(itemId, 'Record Change Approved').at(-1)?.detail.applyId;
  if (typeof applyId !== 'string') throw new Error(`No Record Change Approved for ${itemId}`);
  return applyId;
}

async function pendingItem(itemId: string): Promise<ApiItem> {
  const { status, body } = await alice.get<ApiItem>(`/review-items/${itemId}`);
  expect(status).toBe(200);
  return body;
}

beforeAll(async () => {
  proxy = await startSesFaultProxy({
    upstream: sesEndpoint(),
    plan: ({ subject }) => (subject?.includes(REJECTED) ? 'reject' : 'forward'),
  });
  s = await startScenario('ws_schemas', { sesEndpoint: proxy.endpoint });
  await s.members(
    { userId: 'u_alice', role: 'member', mailboxes: ['alice@acme.com'], active: true },
    { userId: 'u_admin', role: 'admin', mailboxes: [], active: true },
    { userId: 'u_bob', role: 'member', mailboxes: [], active: true },
  );
  alice = await s.as('u_alice');
  const bob = await s.as('u_bob'); // the owner of the fixtures' records
  const run = { executedAs: { kind: 'user' as const, userId: 'u_alice' } };

  // Created, replaced by a newer proposal for the same change, edited, approved and sent; SES then reports on it.
  const dedupKey = unique('renewal');
  const first = await s.propose({ dedupKey, run, proposedAt: new Date(Date.now() - 60_000).toISOString() });
  const sent = await s.propose({ dedupKey, run, draft: { subject: `Renewal ${unique('sent')}` } });
  expect(sent.itemId).toBe(first.itemId);
  const edited = await alice.patch(`/review-items/${sent.itemId}`, {
    version: (await pendingItem(sent.itemId)).version,
    draft: { bodyText: 'Hi Carol, edited by a reviewer.' },
  });
  expect(edited.status).toBe(200);
  const approved = await alice.post<ApiItem>(`/review-items/${sent.itemId}/approve`, {});
  expect(approved.status).toBe(200);
  await s.runtime.idle();
  const messageId = approved.body.decision?.messageId;
  expect(messageId).toBeTruthy();
  await sesReports(sent.itemId, messageId as string);

  // SES refuses one: Send Failed (rejected), the item is pending again.
  const refused = await s.propose({ run, draft: { subject: `Renewal ${REJECTED} ${unique('x')}` } });
  expect((await alice.post(`/review-items/${refused.itemId}/approve`, {})).status).toBe(502);

  // Dismissed with a note.
  const dismissed = await s.propose({ run });
  expect(
    (await alice.post(`/review-items/${dismissed.itemId}/dismiss`, { note: 'handled by phone' })).status,
  ).toBe(200);

  // Resolved by the email provider: the draft was discarded in the mailbox.
  const externalDraftId = unique('gmail_draft');
  await s.propose({ run, draft: { externalDraftId } });
  const webhook = await s.webhook({
    body: {
      type: 'draft.deleted',
      workspaceId: s.workspaceId,
      mailbox: 'alice@acme.com',
      draftId: externalDraftId,
      to: [],
      occurredAt: new Date().toISOString(),
    },
  });
  expect(webhook.body).toEqual({ resolved: 1, stale: 0 });

  // Reassigned by hand (an admin adds a reviewer), and marked stale: a message arrived on the draft's thread.
  const admin = await s.as('u_admin');
  const threadId = unique('thread');
  const handed = await s.propose({
    run,
    proposedAt: new Date(Date.now() - 60_000).toISOString(),
    draft: { threadId },
  });
  const reassigned = await admin.post(`/review-items/${handed.itemId}/reviewers`, {
    version: (await pendingItem(handed.itemId)).version,
    add: ['u_admin'],
  });
  expect(reassigned.status).toBe(200);
  const stale = await s.webhook({
    body: {
      type: 'message.received',
      workspaceId: s.workspaceId,
      mailbox: 'alice@acme.com',
      from: 'carol@globex.com',
      messageId: `<${unique('m')}@globex.com>`,
      threadId,
      to: ['alice@acme.com'],
      occurredAt: new Date().toISOString(),
    },
  });
  expect(stale.body).toEqual({ resolved: 0, stale: 1 });

  // Dropped on arrival (already past its expiresAt), and expired by the job once past it.
  await s.putEvents([
    {
      source: 'automations',
      detailType: 'Review Draft Proposed',
      detail: {
        ...rawProposal(),
        workspaceId: s.workspaceId,
        expiresAt: '2020-01-01T00:00:00.000Z',
      },
    },
  ]);
  const expiresAt = new Date(Date.now() + 2_500).toISOString();
  await s.propose({ run, expiresAt });
  await sleep(Date.parse(expiresAt) - Date.now() + 200);
  expect(await s.runtime.scheduler.runNow('expire-review-items')).toEqual({ expired: 1 });
  await s.runtime.idle();

  // Record drafts (spec 2.3, 2.4): approved (the command), then applied or rejected by the CRM; an update created,
  // an update resolved by a Record Changed that makes every change hold already.
  const crm = (detailType: string, detail: Record<string, unknown>) =>
    s.putEvents([{ source: 'crm', detailType, detail: { workspaceId: s.workspaceId, ...detail } }]);
  const at = () => new Date().toISOString();
  const applied = await proposeRecord(rawRecordUpdate(), unique('opp'));
  await crm('Record Change Applied', {
    itemId: applied,
    applyId: await approveRecord(bob, applied),
    record: { type: 'opportunity', id: 'opp_9', version: '19' },
    appliedAt: at(),
  });
  const rejected = await proposeRecord(rawRecordUpdate(), unique('opp'));
  await crm('Record Change Rejected', {
    itemId: rejected,
    applyId: await approveRecord(bob, rejected),
    reason: 'conflict',
    message: 'The stage changed meanwhile',
    current: { version: '18', fields: { stage: 'Closed Lost' } },
    rejectedAt: at(),
  });
  const createdRecord = await proposeRecord(rawRecordCreate());
  await crm('Record Change Applied', {
    itemId: createdRecord,
    applyId: await approveRecord(bob, createdRecord),
    record: { type: 'contact', id: unique('con') },
    appliedAt: at(),
  });
  const mootId = unique('opp');
  await proposeRecord(rawRecordUpdate(), mootId);
  await crm('Record Changed', {
    record: { type: 'opportunity', id: mootId, version: '18' },
    fields: { stage: 'Closed Won', amount: 15000, nextStep: 'Send the contract', tags: ['renewal'] },
    changedBy: 'u_carol',
    changedAt: at(),
  });

  // Overdue after a minute, escalated to the admins after two (spec 3), with the job run as of those times; the
  // trust settings the next part needs.
  const saved = await admin.put('/settings', {
    version: 0,
    overdueAfterMinutes: 1,
    escalateAfterMinutes: 2,
    escalateTo: 'admins',
    trust: { maxHumanRate: 0.2, minDecisions: 30 },
  });
  expect(saved.status).toBe(200);
  const late = await s.propose({ run });
  await s.runtime.idle();
  const createdAt = Date.parse((await pendingItem(late.itemId)).createdAt);
  for (const minutes of [1, 2]) {
    await s.runtime.scheduler.runNow('mark-overdue-items', new Date(createdAt + minutes * 60_000 + 1_000));
    await s.runtime.idle();
  }
  expect(s.itemEvents(late.itemId, 'Review Item Escalated')).toHaveLength(1);

  // Trust (spec 3): 30 drafts of one step approved as proposed, 0 of 30 needed a human, bound 0.095 ≤ 0.2: the
  // step's recommendation changes to apply_directly.
  const trusted = { ...run, automationId: unique('auto_trusted'), stepId: 'step_send' };
  const drafts: string[] = [];
  for (let i = 0; i < 30; i++) drafts.push((await s.propose({ run: trusted })).itemId);
  for (const batch of [drafts.slice(0, 25), drafts.slice(25)]) {
    const bulk = await alice.post<{ results: { status: number }[] }>('/review-items/bulk', {
      action: 'approve',
      items: batch.map((id) => ({ id })),
    });
    expect(bulk.body.results.map((result) => result.status)).toEqual(batch.map(() => 200));
  }
  await s.runtime.idle();
  const trustChanged = s.runtime.bus
    .events({ source: 'for-review', detailType: 'Automation Step Trust Changed' })
    .filter((event) => event.detail.automationId === trusted.automationId);
  expect(trustChanged.map((event) => event.detail.recommendation)).toEqual(['apply_directly']);

  // The send hold (spec 3): an approval scheduled, then undone; another scheduled, then replaced by a newer
  // proposal of the same change (its hold cancelled). Set after the bulk above, whose approvals execute at once.
  const held = await admin.put('/settings', {
    version: 1,
    overdueAfterMinutes: 1,
    escalateAfterMinutes: 2,
    escalateTo: 'admins',
    trust: { maxHumanRate: 0.2, minDecisions: 30 },
    sendHoldSeconds: 600,
  });
  expect(held.status).toBe(200);
  const undoable = await s.propose({ run });
  expect((await alice.post(`/review-items/${undoable.itemId}/approve`, {})).status).toBe(200);
  expect((await alice.post(`/review-items/${undoable.itemId}/undo`, {})).status).toBe(200);
  const heldKey = unique('held');
  const replaceable = await s.propose({ run, dedupKey: heldKey, proposedAt: at() });
  expect((await alice.post(`/review-items/${replaceable.itemId}/approve`, {})).status).toBe(200);
  await s.propose({ run: { ...run, id: unique('run') }, dedupKey: heldKey, proposedAt: at() });
  await s.runtime.idle();
  expect(s.itemEvents(replaceable.itemId, 'Review Item Hold Cancelled')).toHaveLength(1);
  // Erasure (spec 3, Data lifecycle): an admin erases everything about an address; the privacy job finishes it.
  const erasure = await admin.post<{ id: string }>('/privacy/erasures', { email: 'nobody@globex.com' });
  expect(erasure.status).toBe(202);
  await s.runtime.scheduler.runNow('run-privacy-jobs', new Date());
  await s.runtime.idle();
  expect(
    s.runtime.bus.events({ source: 'for-review', detailType: 'Privacy Erasure Completed' }),
  ).toHaveLength(1);
  // The directory deletes a workspace (another one than this flow's): its deletion begins.
  await s.putEvents([
    {
      source: 'directory',
      detailType: 'Workspace Deleted',
      detail: { workspaceId: unique('ws_gone'), deletedAt: new Date().toISOString() },
    },
  ]);
  await s.runtime.idle();

  events = (await getJson<{ events: EventEnvelope[] }>(`${s.runtime.urls.events}/events`)).body.events;
  served = (await getJson<Record<string, Record<string, unknown>>>(`${s.runtime.urls.events}/schemas`)).body;
});

afterAll(async () => {
  await s?.stop();
  await proxy?.stop();
});

describe('every event of a whole review flow', () => {
  it('validates against its schema as published in docs/events/, and none is without one', () => {
    expect(events.length).toBeGreaterThan(15);
    expect(schemaProblems(events, publishedSchemas(), { everyEventHasASchema: true })).toEqual([]);
  });

  it('validates against its schema as GET /schemas serves it on the events port', () => {
    expect(schemaProblems(events, publishedSchemas(served), { everyEventHasASchema: true })).toEqual([]);
  });

  it('validates, whole (envelope and detail), against the draft-4 schema the CDK app puts in the schema registry', () => {
    const known = events.filter((event) => publishedSchemas().schema(event.source, event['detail-type']));
    expect(known).toHaveLength(events.length);
    expect(registryProblems(events)).toEqual([]);
    const sent = events.find((event) => event['detail-type'] === 'Review Item Sent');
    if (!sent) throw new Error('No Review Item Sent on the bus');
    expect(registryProblems([{ ...sent, source: 'someone-else' }])).toEqual([]); // not a catalog event
    expect(
      registryProblems([{ ...sent, detail: { ...sent.detail, actor: { kind: 'robot' } } }]),
    ).toHaveLength(1);
  });

  it('exercises every published schema of an event out, and those of the events in it sent', () => {
    const seen = new Set(events.map((event) => `${event.source}/${event['detail-type']}`));
    const published = publishedIndex().events.map((entry) => `${entry.source}/${entry.detailType}`);
    const out = published.filter((key) => key.startsWith('for-review/'));
    expect(out.length).toBeGreaterThan(0);
    expect(out.filter((key) => !seen.has(key))).toEqual([]);
    expect(published.filter((key) => !seen.has(key))).toEqual([]);
    // And nothing the catalog says is not published yet went out.
    expect(events.filter((event) => publishedIndex().unpublishedOut.includes(event['detail-type']))).toEqual(
      [],
    );
  });

  it('is checked for real: a tampered copy of a published event, or an unknown one, is reported', () => {
    const sent = events.find((event) => event['detail-type'] === 'Review Item Sent');
    if (!sent) throw new Error('No Review Item Sent on the bus');
    const tampered = [
      { ...sent, id: 'extra-field', detail: { ...sent.detail, surprise: 1 } },
      { ...sent, id: 'string-version', detail: { ...sent.detail, version: '4' } },
      { ...sent, id: 'unknown', 'detail-type': 'Review Item Teleported' },
    ];
    expect(schemaProblems(tampered)).toEqual([
      expect.stringMatching(/extra-field: not valid .*additionalProperty.*surprise/),
      expect.stringMatching(/string-version: not valid .*\/version must be integer/),
      expect.stringMatching(/unknown: no published schema/),
    ]);
  });
});

describe('GET /schemas on the events port', () => {
  it('answers every published schema by detail-type, exactly as docs/events/ holds it', () => {
    const { events: index } = publishedIndex();
    expect(Object.keys(served).sort()).toEqual(index.map((entry) => entry.detailType).sort());
    for (const entry of index)
      expect(served[entry.detailType], entry.detailType).toEqual(
        JSON.parse(readFileSync(join(EVENTS_DIR, entry.schema), 'utf8')),
      );
  });

  it('answers one schema at GET /schemas/<detail-type>, and 404 for a detail-type it does not know', async () => {
    const one = await getJson<Record<string, unknown>>(
      `${s.runtime.urls.events}/schemas/${encodeURIComponent('Review Item Sent')}`,
    );
    expect(one).toEqual({ status: 200, body: served['Review Item Sent'] });
    const unknown = await getJson<{ message: string }>(
      `${s.runtime.urls.events}/schemas/Review%20Item%20Nope`,
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toMatch(/No published schema for the detail-type "Review Item Nope"/);
    expect((await getJson(`${s.runtime.urls.events}/schemas/%E0%A4%A`)).status).toBe(404);
  });
});
