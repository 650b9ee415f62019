/**
 * Record drafts end to end through the local runtime, as their users drive them (issue 11): the automation proposes
 * with the SDK's PutEvents; the record owner sees it on the record's banner with a real JWT; the CRM reports the
 * record changed (drift); the owner approves in part; the command is read from the events port's `GET /events`,
 * exactly as a CRM subscriber receives it; the CRM answers with PutEvents; the item is applied. A record.create
 * the same way, applied with the new record's id. Nothing is read from the table directly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordCreateProposal, recordUpdateProposal } from '../support/records.js';
import {
  type ApiClient,
  type ApiItem,
  type ApiPage,
  type Scenario,
  startScenario,
  unique,
} from '../support/scenario.js';

let s: Scenario;
let bob: ApiClient;
let carol: ApiClient;

interface EventEnvelope {
  'detail-type': string;
  source: string;
  detail: Record<string, unknown>;
}

beforeAll(async () => {
  s = await startScenario('ws_records');
  await s.members(
    { userId: 'u_bob', role: 'member', mailboxes: [], active: true },
    { userId: 'u_carol', role: 'member', mailboxes: ['carol@acme.com'], active: true },
  );
  [bob, carol] = await Promise.all([s.as('u_bob'), s.as('u_carol')]);
});

afterAll(async () => {
  await s?.stop();
});

/** The events port, as a subscriber reads it. */
async function published(detailType: string, itemId: string): Promise<EventEnvelope[]> {
  // The outbox publishes from the table's stream: wait until everything committed has gone out.
  await s.runtime.idle();
  const response = await fetch(
    `${s.runtime.urls.events}/events?source=for-review&detailType=${encodeURIComponent(detailType)}`,
  );
  expect(response.status).toBe(200);
  const { events } = (await response.json()) as { events: EventEnvelope[] };
  return events.filter((event) => event.detail.itemId === itemId);
}

async function propose(detail: Record<string, unknown>): Promise<string> {
  await s.putEvents([{ source: 'automations', detailType: 'Review Draft Proposed', detail }]);
  const runId = (detail.run as { id: string }).id;
  const created = s.runtime.bus
    .events({ source: 'for-review', detailType: 'Review Item Created' })
    .find((event) => event.detail.runId === runId);
  expect(created, `the proposal of ${runId} made an item`).toBeDefined();
  return String(created?.detail.itemId);
}

const crm = (detailType: string, detail: Record<string, unknown>) =>
  s.putEvents([{ source: 'crm', detailType, detail: { workspaceId: s.workspaceId, ...detail } }]);

describe('a record.update through npm start', () => {
  it('is seen by the owner, drifted by Record Changed, approved in part, applied by the CRM exactly once', async () => {
    const record = { type: 'opportunity', id: unique('opp') };
    const itemId = await propose(
      recordUpdateProposal({
        workspaceId: s.workspaceId,
        run: { id: unique('run') },
        draft: { record: { ...record, name: 'Globex renewal', ownerId: 'u_bob', version: '17' } },
      }),
    );

    // The owner sees it on the record's page; another member does not (a workspace run they are not routed to
    // still shows on the record banner for members who may see it: visibility is the run's, not routing).
    const banner = await bob.get<ApiPage>(`/records/${record.type}/${record.id}/review-items`);
    expect(banner.status).toBe(200);
    expect(banner.body.items.map((i) => i.id)).toEqual([itemId]);
    const queue = await carol.get<ApiPage>('/review-items');
    expect(queue.body.items.map((i) => i.id)).not.toContain(itemId);

    // The CRM reports the stage changed: that change drifts, the item shows the current value.
    await crm('Record Changed', {
      record: { ...record, version: '18' },
      fields: { stage: 'Closed Lost' },
      changedBy: 'u_carol',
      changedAt: new Date().toISOString(),
    });
    const drifted = await bob.get<
      ApiItem & { draft: { changes: { field: string; state: string; current?: unknown }[] } }
    >(`/review-items/${itemId}`);
    expect(drifted.body.draft.changes.find((c) => c.field === 'stage')).toMatchObject({
      state: 'drifted',
      current: 'Closed Lost',
    });

    // A plain approve answers 409 naming the drifted change; approving the named fields claims it.
    const refused = await bob.post<{ status: number; drifted?: string[] }>(
      `/review-items/${itemId}/approve`,
      {},
    );
    expect(refused.status).toBe(409);
    expect(refused.body.drifted).toEqual(['stage']);
    const approved = await bob.post<ApiItem>(`/review-items/${itemId}/approve`, {
      version: drifted.body.version,
      fields: ['amount', 'nextStep'],
    });
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('applying');

    // The command, as the CRM receives it.
    const [command, ...more] = await published('Record Change Approved', itemId);
    expect(more).toEqual([]);
    expect(command?.detail).toMatchObject({
      workspaceId: s.workspaceId,
      itemId,
      operation: 'update',
      record: { ...record, baseVersion: '17' },
      changes: [
        { field: 'amount', op: 'set', before: 12000, after: 15000 },
        { field: 'nextStep', op: 'set_if_empty', after: 'Send the contract' },
      ],
      approvedBy: 'u_bob',
    });
    const applyId = String(command?.detail.applyId);

    // The CRM answers, twice (a retry): applied once.
    const answer = {
      itemId,
      applyId,
      record: { ...record, version: '19' },
      appliedAt: new Date().toISOString(),
    };
    await crm('Record Change Applied', answer);
    await crm('Record Change Applied', answer);
    const done = await bob.get<ApiItem>(`/review-items/${itemId}`);
    expect(done.body.status).toBe('applied');
    expect(done.body.decision).toMatchObject({
      action: 'approved',
      by: 'u_bob',
      recordVersion: '19',
      fields: ['amount', 'nextStep'],
    });
    expect(await published('Review Item Applied', itemId)).toHaveLength(1);
    expect((await bob.get<ApiPage>(`/records/${record.type}/${record.id}/review-items`)).body.items).toEqual(
      [],
    );

    const history = await bob.get<{ items: { action: string; version: number }[] }>(
      `/review-items/${itemId}/history`,
    );
    expect(history.body.items.map((h) => h.action)).toEqual([
      'created',
      'record_changed',
      'approved',
      'applied',
    ]);
    expect(s.runtime.bus.deadLetters()).toEqual([]);
  });

  it('rejects an invalid record draft with a reason and makes no item', async () => {
    const runId = unique('run');
    const bad = recordUpdateProposal({ workspaceId: s.workspaceId, run: { id: runId } }) as unknown as {
      draft: { changes: unknown[] };
    };
    bad.draft.changes = [{ field: '1bad', op: 'set', after: 1 }];
    await s.putEvents([{ source: 'automations', detailType: 'Review Draft Proposed', detail: bad }]);
    const dead = s.runtime.bus.deadLetters().filter((d) => JSON.stringify(d.event.detail).includes(runId));
    expect(dead).toHaveLength(1);
    expect(dead[0]?.error).toMatch(/field/);
    expect(s.runtime.bus.events({ source: 'for-review' }).filter((e) => e.detail.runId === runId)).toEqual(
      [],
    );
    s.runtime.bus.deadLetters().splice(0);
  });
});

describe('a record.create through npm start', () => {
  it('is approved and applied with the new record id', async () => {
    const itemId = await propose(
      recordCreateProposal({ workspaceId: s.workspaceId, run: { id: unique('run') } }),
    );
    const edited = await bob.patch<ApiItem>(`/review-items/${itemId}`, {
      version: 1,
      fields: [{ field: 'email', value: 'dave.lee@globex.com' }],
    });
    expect(edited.status).toBe(200);
    const approved = await bob.post<ApiItem>(`/review-items/${itemId}/approve`, { version: 2 });
    expect(approved.body.status).toBe('applying');
    const [command] = await published('Record Change Approved', itemId);
    expect(command?.detail).toMatchObject({
      operation: 'create',
      record: { type: 'contact', name: 'Dave Lee' },
      fields: [
        { field: 'email', value: 'dave.lee@globex.com', edited: true },
        { field: 'accountId', value: 'acc_1', edited: false },
      ],
    });
    await crm('Record Change Applied', {
      itemId,
      applyId: command?.detail.applyId,
      record: { type: 'contact', id: 'con_77' },
      appliedAt: new Date().toISOString(),
    });
    const done = await bob.get<ApiItem>(`/review-items/${itemId}`);
    expect(done.body).toMatchObject({ status: 'applied', decision: { recordId: 'con_77' } });
  });
});
