/**
 * Record drafts on DynamoDB Local (spec 2.3, 2.4, 3 "Record drafts: drift, moot, apply"): routing to the record's
 * owner and its banner, drift and moot from Record Changed, edits and partial approval, the apply protocol (one
 * applyId per approval, through the outbox; applied / rejected answers; stale, duplicate and superseded answers
 * ignored; publication again, then apply_unknown; a late answer), field-by-field replacement, and the request
 * counts of spec 8 / issue 11 (ingest ≤ 4, approve ≤ 5 (with the settings: the send hold), Record Changed ≤ 2 + one per affected item).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ReviewItem } from '../../shared/domain/review-item.js';
import { ConflictError, ValidationError } from '../../shared/errors.js';
import { approveItem, dismissItem, editItem } from '../../shared/use-cases/decide.js';
import { ingestProposal } from '../../shared/use-cases/ingest-proposal.js';
import { getReviewItem, listRecordItems } from '../../shared/use-cases/read-items.js';
import {
  applyRecordChanged,
  MAX_PUBLICATIONS,
  republishRecordChanges,
  settleRecordChange,
} from '../../shared/use-cases/record-apply.js';
import {
  callerOf,
  createItemEnv,
  type ItemEnv,
  RUN_USER,
  SENDING_ADMIN,
  seedMembers,
} from '../support/items.js';
import {
  appliedAnswer,
  createOf,
  RECORD_OWNER,
  recordChanged,
  recordCreateProposal,
  recordUpdateProposal,
  rejectedAnswer,
  updateOf,
} from '../support/records.js';

let env: ItemEnv;
const WS = 'ws_acme';
const OPP = { type: 'opportunity', id: 'opp_9' };

beforeAll(async () => {
  env = await createItemEnv({ prefix: 'records' });
  await seedMembers(env.deps, [RUN_USER, SENDING_ADMIN, RECORD_OWNER]);
});

/** A record of its own, so tests never see each other's items. */
let recordSeq = 0;
const ownRecord = () => ({ type: 'opportunity', id: `opp_${Date.now()}_${recordSeq++}` });

async function seedUpdate(overrides: Record<string, unknown> = {}, record = ownRecord()) {
  const p = recordUpdateProposal({
    ...overrides,
    draft: {
      record: { ...OPP, ...record, name: 'Globex renewal', ownerId: 'u_bob', version: '17' },
      ...((overrides.draft as object) ?? {}),
    },
  });
  const outcome = await ingestProposal(env.deps, p);
  expect(outcome.outcome).toBe('created');
  const item = (await env.deps.store.getItem(WS, (outcome as { itemId: string }).itemId)) as ReviewItem;
  return { item, record, proposal: p };
}

const stored = async (id: string) => (await env.deps.store.getItem(WS, id)) as ReviewItem;
const owner = callerOf(RECORD_OWNER);

describe('record.update: routing, banner, drift and moot', () => {
  it('a workspace run routes to the record owner (no mailbox needed), shows on the record banner, starts clean', async () => {
    const record = ownRecord();
    env.table.counter.reset();
    const outcome = await ingestProposal(
      env.deps,
      recordUpdateProposal({ draft: { record: { ...record, ownerId: 'u_bob', version: '17' } } }),
    );
    // Routing candidates (1) + the optimistic create (1).
    expect(env.table.counter.total).toBe(2);
    const item = await stored((outcome as { itemId: string }).itemId);
    expect(item.type).toBe('record.update');
    expect(item.reviewers).toEqual(['u_bob']);
    expect(updateOf(item).changes.every((c) => c.state === 'clean')).toBe(true);
    const banner = await listRecordItems(env.deps, owner, record, { limit: 25 });
    expect(banner.items.map((i) => i.id)).toEqual([item.id]);
    expect(banner.items[0]?.permissions.canApprove).toBe(true);
  });

  it('a Record Changed re-classifies the changes (≤ 2 + 1 per item): drifted shows the current value', async () => {
    const { item, record } = await seedUpdate();
    env.table.counter.reset();
    const outcome = await applyRecordChanged(
      env.deps,
      recordChanged(
        { stage: 'Closed Lost', amount: 15000, unrelated: 'x' },
        { record: { ...record, version: '18' } },
      ),
    );
    expect(outcome).toEqual({ reclassified: 1, resolved: 0 });
    expect(env.table.counter.total).toBeLessThanOrEqual(3);
    const after = await stored(item.id);
    const byField = Object.fromEntries(updateOf(after).changes.map((c) => [c.field, c]));
    expect(byField.stage).toMatchObject({ state: 'drifted', current: 'Closed Lost' });
    expect(byField.amount).toMatchObject({ state: 'moot', current: 15000 });
    expect(byField.nextStep?.state).toBe('clean');
    expect(after.version).toBe(2);
    const history = await env.deps.store.getHistory(WS, item.id);
    expect(history.map((h) => h.action)).toEqual(['created', 'record_changed']);

    // The same report again, or an older one, changes nothing.
    expect(
      await applyRecordChanged(
        env.deps,
        recordChanged({ stage: 'Closed Lost' }, { record, changedAt: '2026-01-01T00:00:00Z' }),
      ),
    ).toEqual({ reclassified: 0, resolved: 0 });
    expect((await stored(item.id)).version).toBe(2);
  });

  it('an item whose changes all already hold is resolved, with its event', async () => {
    const { item, record } = await seedUpdate();
    const outcome = await applyRecordChanged(
      env.deps,
      recordChanged(
        { stage: 'Closed Won', amount: 15000, nextStep: 'Send the contract', tags: ['renewal', 'vip'] },
        { record },
      ),
    );
    expect(outcome).toEqual({ reclassified: 0, resolved: 1 });
    const after = await stored(item.id);
    expect(after.status).toBe('resolved');
    expect(after.decision).toMatchObject({ action: 'resolved', by: null });
    expect((await env.outbox.of('Review Item Resolved', WS, item.id)).length).toBe(1);
    const banner = await listRecordItems(env.deps, owner, record, { limit: 25 });
    expect(banner.items).toEqual([]);
  });
});

describe('record.update: approve and the apply protocol', () => {
  it('a plain approve of a drifted item answers 409 naming the drifted changes; fields applies just those named', async () => {
    const { item, record } = await seedUpdate();
    await applyRecordChanged(env.deps, recordChanged({ stage: 'Closed Lost' }, { record }));
    const refused = await approveItem(env.deps, owner, item.id, {}).catch((e) => e);
    expect(refused).toBeInstanceOf(ConflictError);
    expect((refused as ConflictError).drifted).toEqual(['stage']);
    expect((await stored(item.id)).status).toBe('pending');

    const unknownField = await approveItem(env.deps, owner, item.id, { fields: ['nope'] }).catch((e) => e);
    expect(unknownField).toBeInstanceOf(ValidationError);

    env.table.counter.reset();
    const applying = await approveItem(env.deps, owner, item.id, { fields: ['stage', 'nextStep'] });
    // Member, item, settings (the send hold), the conflicts' Query, the claim.
    expect(env.table.counter.total).toBeLessThanOrEqual(5);
    expect(applying.status).toBe('applying');
    expect(applying.apply).toMatchObject({ fields: ['stage', 'nextStep'], publications: 1, by: 'u_bob' });
    const [command] = await env.outbox.of('Record Change Approved', WS, item.id);
    expect(command?.detail).toMatchObject({
      applyId: applying.apply?.applyId,
      operation: 'update',
      record: { type: record.type, id: record.id, baseVersion: '17' },
      changes: [
        { field: 'stage', op: 'set', before: 'Negotiation', after: 'Closed Won', edited: false },
        { field: 'nextStep', op: 'set_if_empty', after: 'Send the contract', edited: false },
      ],
      approvedBy: 'u_bob',
    });
    // Out of the queue while the CRM applies it.
    expect((await listRecordItems(env.deps, owner, record, { limit: 25 })).items).toEqual([]);

    // Applied: the item is applied with the record's new version; a repeat changes nothing.
    const applyId = applying.apply!.applyId;
    expect(
      await settleRecordChange(env.deps, appliedAnswer(item, applyId, { ...record, version: '19' })),
    ).toMatchObject({
      outcome: 'applied',
    });
    const done = await stored(item.id);
    expect(done.status).toBe('applied');
    expect(done.decision).toMatchObject({
      action: 'approved',
      by: 'u_bob',
      recordVersion: '19',
      fields: ['stage', 'nextStep'],
    });
    expect(await settleRecordChange(env.deps, appliedAnswer(item, applyId))).toMatchObject({
      outcome: 'ignored',
    });
    expect(await settleRecordChange(env.deps, rejectedAnswer(item, applyId))).toMatchObject({
      outcome: 'ignored',
    });
    expect((await stored(item.id)).version).toBe(done.version);
    expect((await env.outbox.of('Review Item Applied', WS, item.id)).length).toBe(1);
  });

  it('edits a change, then a conflict returns it to pending re-classified; the old applyId is superseded', async () => {
    const { item } = await seedUpdate();
    const edited = await editItem(env.deps, owner, item.id, {
      version: item.version,
      changes: [{ field: 'amount', after: 16000 }],
    });
    expect(edited.edited).toBe(true);
    const amount = updateOf(edited).changes.find((c) => c.field === 'amount');
    expect(amount?.edit).toEqual({ after: 16000 });
    // The wrong edit member for the kind is a 400.
    await expect(
      editItem(env.deps, owner, item.id, { version: edited.version, draft: { subject: 'x' } }),
    ).rejects.toBeInstanceOf(ValidationError);
    // A value of the wrong shape is a 400.
    await expect(
      editItem(env.deps, owner, item.id, {
        version: edited.version,
        changes: [{ field: 'tags', after: 'x' }],
      }),
    ).rejects.toBeInstanceOf(ValidationError);

    const first = await approveItem(env.deps, owner, item.id, {});
    const [command] = await env.outbox.of('Record Change Approved', WS, item.id);
    expect(
      (command!.detail.changes as { field: string; after?: unknown }[]).find((c) => c.field === 'amount'),
    ).toMatchObject({
      after: 16000,
      edited: true,
    });
    const firstId = first.apply!.applyId;
    expect(
      await settleRecordChange(
        env.deps,
        rejectedAnswer(item, firstId, { current: { version: '18', fields: { stage: 'Closed Lost' } } }),
      ),
    ).toMatchObject({ outcome: 'rejected' });
    const back = await stored(item.id);
    expect(back.status).toBe('pending');
    expect(back.lastApplyError).toMatchObject({ reason: 'conflict' });
    expect(back.apply).toBeUndefined();
    expect(updateOf(back).changes.find((c) => c.field === 'stage')).toMatchObject({
      state: 'drifted',
      current: 'Closed Lost',
    });
    expect(back.holdsKey).toBe(true);

    const second = await approveItem(env.deps, owner, item.id, { fields: ['stage', 'amount'] });
    expect(second.apply!.applyId).not.toBe(firstId);
    // The first command's answers, late: superseded, nothing changes.
    expect(await settleRecordChange(env.deps, appliedAnswer(item, firstId))).toMatchObject({
      outcome: 'ignored',
    });
    expect((await stored(item.id)).status).toBe('applying');
    expect(await settleRecordChange(env.deps, appliedAnswer(item, second.apply!.applyId))).toMatchObject({
      outcome: 'applied',
    });
    const history = await env.deps.store.getHistory(WS, item.id);
    expect(history.map((h) => h.action)).toEqual([
      'created',
      'edited',
      'approved',
      'apply_failed',
      'approved',
      'applied',
    ]);
    expect(history.map((h) => h.version)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('publishes an unanswered command again with the same applyId 3 times, 5 minutes apart, then apply_unknown; a late answer settles it', async () => {
    const { item } = await seedUpdate();
    const start = new Date();
    env.deps.clock.set(start);
    const applying = await approveItem(env.deps, owner, item.id, {});
    const applyId = applying.apply!.applyId;
    try {
      // Not yet due.
      env.deps.clock.advance(4 * 60 * 1000);
      await republishRecordChanges(env.deps);
      expect((await stored(item.id)).apply?.publications).toBe(1);
      for (let publication = 2; publication <= MAX_PUBLICATIONS; publication++) {
        env.deps.clock.advance(60 * 1000 + 1);
        await eventually(async () => {
          await republishRecordChanges(env.deps);
          expect((await stored(item.id)).apply?.publications).toBe(publication);
        });
        env.deps.clock.advance(4 * 60 * 1000);
      }
      env.deps.clock.advance(60 * 1000 + 1);
      await eventually(async () => {
        await republishRecordChanges(env.deps);
        expect((await stored(item.id)).status).toBe('apply_unknown');
      });
      const commands = await env.outbox.of('Record Change Approved', WS, item.id);
      expect(commands.map((c) => c.detail.applyId)).toEqual(Array(MAX_PUBLICATIONS).fill(applyId));
      expect(commands.map((c) => c.detail.publication)).toEqual([1, 2, 3, 4]);
      // apply_unknown is open again: in the owner's banner, approvable, dismissable.
      const unknown = await getReviewItem(env.deps, owner, item.id);
      expect(unknown.permissions).toMatchObject({ canApprove: true, canDismiss: true });
      expect(await settleRecordChange(env.deps, appliedAnswer(item, applyId))).toMatchObject({
        outcome: 'applied',
      });
      expect((await stored(item.id)).status).toBe('applied');
    } finally {
      env.deps.clock.set(new Date());
    }
  });

  it('an answer for an unknown item, another workspace or an email changes nothing', async () => {
    expect(
      await settleRecordChange(env.deps, appliedAnswer({ id: 'ri_nope', workspaceId: WS }, 'ap_x')),
    ).toMatchObject({
      outcome: 'ignored',
    });
    const { item } = await seedUpdate();
    const applying = await approveItem(env.deps, owner, item.id, {});
    expect(
      await settleRecordChange(
        env.deps,
        appliedAnswer({ id: item.id, workspaceId: 'ws_other' }, applying.apply!.applyId),
      ),
    ).toMatchObject({ outcome: 'ignored' });
    expect((await stored(item.id)).status).toBe('applying');
  });

  it('dismisses an apply_unknown item; the dismissal wins over a later answer', async () => {
    const { item } = await seedUpdate();
    const applying = await approveItem(env.deps, owner, item.id, {});
    // Straight to apply_unknown through the job, publication after publication.
    const start = new Date();
    try {
      for (let i = 0; i < MAX_PUBLICATIONS; i++) {
        env.deps.clock.set(new Date(start.getTime() + (i + 1) * 5 * 60 * 1000 + 1000));
        await eventually(async () => {
          await republishRecordChanges(env.deps);
          const now = await stored(item.id);
          expect(now.status === 'apply_unknown' || now.apply?.publications === i + 2).toBe(true);
        });
      }
      expect((await stored(item.id)).status).toBe('apply_unknown');
    } finally {
      env.deps.clock.set(new Date());
    }
    await dismissItem(env.deps, owner, item.id, {});
    expect(await settleRecordChange(env.deps, appliedAnswer(item, applying.apply!.applyId))).toMatchObject({
      outcome: 'ignored',
    });
    expect((await stored(item.id)).status).toBe('dismissed');
  });
});

describe('replacement field by field', () => {
  it("keeps a reviewer's edit where the newer proposal proposes the same, drops it where it changed; keeps what the CRM reported", async () => {
    const record = ownRecord();
    const dedupKey = `repl-${record.id}`;
    const { item } = await seedUpdate({ dedupKey, proposedAt: '2026-11-20T10:00:00.000Z' }, record);
    await applyRecordChanged(env.deps, recordChanged({ tags: [] }, { record }));
    const edited = await editItem(env.deps, owner, item.id, {
      version: (await stored(item.id)).version,
      changes: [
        { field: 'amount', after: 16000 },
        { field: 'stage', after: 'Closed Won - signed' },
      ],
    });
    const newer = recordUpdateProposal({
      dedupKey,
      proposedAt: '2026-11-20T11:00:00.000Z',
      run: { id: 'run_201' },
      draft: {
        record: { ...OPP, ...record, ownerId: 'u_bob', version: '18' },
        changes: [
          { field: 'stage', label: 'Stage', op: 'set', before: 'Negotiation', after: 'Closed Won' },
          { field: 'amount', label: 'Amount', op: 'set', before: 12000, after: 17000 },
          { field: 'nextStep', op: 'set_if_empty', after: 'Send the contract' },
          { field: 'tags', op: 'add', values: ['renewal'] },
        ],
      },
    });
    env.table.counter.reset();
    expect(await ingestProposal(env.deps, newer)).toMatchObject({ outcome: 'replaced', itemId: item.id });
    // Routing (1), the failed create returning the head (1), the replaced item (1), the replacement (1).
    expect(env.table.counter.total).toBeLessThanOrEqual(4);
    const after = await stored(item.id);
    const byField = Object.fromEntries(updateOf(after).changes.map((c) => [c.field, c]));
    expect(byField.stage?.edit).toEqual({ after: 'Closed Won - signed' });
    expect(byField.amount?.edit).toBeUndefined();
    expect(byField.amount && 'after' in byField.amount ? byField.amount.after : undefined).toBe(17000);
    expect(byField.tags).toMatchObject({ current: [], state: 'clean' });
    expect(after.edited).toBe(true);
    expect(after.version).toBe(edited.version + 1);
    const history = await env.deps.store.getHistory(WS, item.id);
    expect(history.map((h) => h.action)).toEqual(['created', 'record_changed', 'edited', 'replaced']);
  });
});

describe('record.create', () => {
  it('is created, edited, approved in part and applied with the new record id', async () => {
    const outcome = await ingestProposal(env.deps, recordCreateProposal());
    expect(outcome.outcome).toBe('created');
    const item = await stored((outcome as { itemId: string }).itemId);
    // A workspace run: routed to the related record's owner.
    expect(item.reviewers).toEqual(['u_bob']);
    const edited = await editItem(env.deps, owner, item.id, {
      version: 1,
      fields: [{ field: 'email', value: 'dave.lee@globex.com' }],
    });
    expect(createOf(edited).fields[0]?.edit).toEqual({ value: 'dave.lee@globex.com' });
    const applying = await approveItem(env.deps, owner, item.id, { fields: ['email'] });
    const [command] = await env.outbox.of('Record Change Approved', WS, item.id);
    expect(command?.detail).toMatchObject({
      operation: 'create',
      record: { type: 'contact', name: 'Dave Lee' },
      fields: [{ field: 'email', value: 'dave.lee@globex.com', edited: true }],
    });
    await settleRecordChange(
      env.deps,
      appliedAnswer(item, applying.apply!.applyId, { type: 'contact', id: 'con_77' }),
    );
    expect((await stored(item.id)).decision).toMatchObject({
      action: 'approved',
      recordId: 'con_77',
      fields: ['email'],
    });
  });
});

describe('concurrent approvals of one record draft', () => {
  it('yield exactly one applyId published, over many trials', async () => {
    for (let trial = 0; trial < 15; trial++) {
      const { item } = await seedUpdate();
      const callers = [owner, callerOf(SENDING_ADMIN), owner, callerOf(SENDING_ADMIN)];
      const results = await Promise.allSettled(callers.map((c) => approveItem(env.deps, c, item.id, {})));
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won.length, `trial ${trial}`).toBe(1);
      for (const r of results)
        if (r.status === 'rejected') expect(r.reason, `trial ${trial}`).toBeInstanceOf(ConflictError);
      const commands = await env.outbox.of('Record Change Approved', WS, item.id);
      expect(commands.length, `trial ${trial}`).toBe(1);
      expect(commands[0]?.detail.applyId).toBe((await stored(item.id)).apply?.applyId);
    }
  });
});

/** The `due` index is eventually consistent: the job may not see an item at once. */
async function eventually(check: () => Promise<void>, tries = 20): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      return await check();
    } catch (error) {
      if (i >= tries) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
