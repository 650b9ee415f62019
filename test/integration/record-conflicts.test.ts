/**
 * spec 3 "Conflicts between drafts" on DynamoDB Local: two open record updates of one record with different dedup
 * keys that propose different results for a field mark each other; the marks follow every change of either item
 * (an edit, a replacement, a decision) because they are read with the item; a member sees the conflicts with
 * drafts they may see and a count of the rest; a plain approve of a conflicting field answers 409 naming it, and
 * `acknowledgeConflicts` or `fields` leaving it out approves. Ingest's request count is unchanged (≤ 4 in
 * record-drafts.test.ts), and approve stays ≤ 5 (with the settings, read for the send hold).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ConflictError } from '../../shared/errors.js';
import { approveItem, dismissItem, editItem } from '../../shared/use-cases/decide.js';
import { ingestProposal } from '../../shared/use-cases/ingest-proposal.js';
import { getReviewItem } from '../../shared/use-cases/read-items.js';
import { member } from '../fixtures/index.js';
import {
  callerOf,
  createItemEnv,
  type ItemEnv,
  RUN_USER,
  SENDING_ADMIN,
  seedMembers,
} from '../support/items.js';
import { RECORD_OWNER, recordUpdateProposal } from '../support/records.js';

let env: ItemEnv;
const WS = 'ws_acme';
const CAROL = member({ userId: 'u_carol', role: 'member', mailboxes: [] });
const owner = callerOf(RECORD_OWNER);
const admin = callerOf(SENDING_ADMIN);

beforeAll(async () => {
  env = await createItemEnv({ prefix: 'conflicts' });
  await seedMembers(env.deps, [RUN_USER, SENDING_ADMIN, RECORD_OWNER, CAROL]);
});

let seq = 0;
const ownRecord = () => ({ type: 'opportunity', id: `opp_c_${Date.now()}_${seq++}`, ownerId: 'u_bob' });

type Change = Record<string, unknown>;
async function propose(record: object, changes: Change[], overrides: Record<string, unknown> = {}) {
  const outcome = await ingestProposal(
    env.deps,
    recordUpdateProposal({ ...overrides, draft: { record, changes } }),
  );
  if (!('itemId' in outcome)) throw new Error(`no item: ${JSON.stringify(outcome)}`);
  return outcome.itemId as string;
}

const marks = async (caller: typeof owner, itemId: string) => {
  const item = await getReviewItem(env.deps, caller, itemId);
  return { conflicts: item.conflicts, hiddenConflicts: item.hiddenConflicts };
};

const A_CHANGES: Change[] = [
  { field: 'stage', op: 'set', before: 'Negotiation', after: 'Closed Won' },
  { field: 'amount', op: 'set', after: 15000 },
  { field: 'nextStep', op: 'set_if_empty', after: 'Send the contract' },
  { field: 'tags', op: 'add', values: ['renewal'] },
];
const B_CHANGES: Change[] = [
  { field: 'stage', op: 'set', after: 'Closed Lost' },
  { field: 'nextStep', op: 'set_if_empty', after: 'Send the contract' },
  { field: 'tags', op: 'remove', values: ['renewal'] },
];

describe('conflicts between record drafts', () => {
  it('mark each other, follow edits, replacements and decisions, and split by what the caller may see', async () => {
    const record = ownRecord();
    const a = await propose(record, A_CHANGES, { dedupKey: undefined });
    const bKey = `conflict-b-${seq}`;
    const b = await propose(record, B_CHANGES, { dedupKey: bKey });
    // Another record's draft never conflicts.
    await propose(ownRecord(), B_CHANGES);

    expect(await marks(owner, a)).toEqual({
      conflicts: [
        { itemId: b, field: 'stage', proposed: { op: 'set', after: 'Closed Lost' } },
        { itemId: b, field: 'tags', proposed: { op: 'remove', values: ['renewal'] } },
      ],
      hiddenConflicts: 0,
    });
    expect((await marks(owner, b)).conflicts).toEqual([
      { itemId: a, field: 'stage', proposed: { op: 'set', after: 'Closed Won' } },
      { itemId: a, field: 'tags', proposed: { op: 'add', values: ['renewal'] } },
    ]);

    // An edit of B to A's stage: only the tags conflict now, on both sides.
    const bItem = await env.deps.store.getItem(WS, b);
    await editItem(env.deps, owner, b, {
      version: bItem?.version ?? 1,
      changes: [{ field: 'stage', after: 'Closed Won' }],
    });
    expect((await marks(owner, a)).conflicts?.map((c) => c.field)).toEqual(['tags']);
    expect((await marks(owner, b)).conflicts?.map((c) => c.field)).toEqual(['tags']);

    // A private run of Carol's on the same record: Bob may not see it, the admin may.
    const c = await propose(record, [{ field: 'amount', op: 'set', after: 9000 }], {
      run: { id: 'run_carol', executedAs: { kind: 'user', userId: 'u_carol' } },
    });
    expect(await marks(owner, a)).toMatchObject({ hiddenConflicts: 1 });
    expect((await marks(owner, a)).conflicts?.map((m) => m.itemId)).not.toContain(c);
    expect(await marks(admin, a)).toMatchObject({
      conflicts: expect.arrayContaining([
        { itemId: c, field: 'amount', proposed: { op: 'set', after: 9000 } },
      ]),
      hiddenConflicts: 0,
    });

    // A newer proposal of B's change, dropping the tag removal: B is replaced in place, A's tags conflict is gone.
    await propose(record, [{ field: 'stage', op: 'set', after: 'Closed Won' }], { dedupKey: bKey });
    expect((await marks(owner, a)).conflicts).toEqual([]);

    // A plain approve of A: Carol's draft still proposes another amount → 409 naming the field (not her draft).
    const refused = await approveItem(env.deps, owner, a, {}).catch((error) => error);
    expect(refused).toBeInstanceOf(ConflictError);
    expect((refused as ConflictError).conflicts).toEqual(['amount']);
    expect((refused as ConflictError).message).not.toContain('9000');
    expect((await env.deps.store.getItem(WS, a))?.status).toBe('pending');

    // Dismissing Carol's draft clears it: no conflict is left, so the marks say so.
    await dismissItem(env.deps, admin, c, {});
    expect(await marks(admin, a)).toEqual({ conflicts: [], hiddenConflicts: 0 });
  });

  it('a plain approve of a conflicting field answers 409; acknowledgeConflicts or fields leaving it out approve', async () => {
    const record = ownRecord();
    const a = await propose(record, A_CHANGES);
    const b = await propose(record, B_CHANGES);
    const refused = await approveItem(env.deps, owner, a, {}).catch((error) => error);
    expect((refused as ConflictError).conflicts).toEqual(['stage', 'tags']);
    // Leaving the conflicting fields out approves the rest.
    env.table.counter.reset();
    const partial = await approveItem(env.deps, owner, a, { fields: ['amount', 'nextStep'] });
    // The member, the item and the settings (3), the record's open drafts (1), the approval (1).
    expect(env.table.counter.total).toBeLessThanOrEqual(5);
    expect(partial.status).toBe('applying');
    // A decided draft conflicts with nothing: B is approvable as it is.
    expect((await marks(owner, b)).conflicts).toEqual([]);

    const record2 = ownRecord();
    const c = await propose(record2, A_CHANGES);
    await propose(record2, B_CHANGES);
    const acknowledged = await approveItem(env.deps, owner, c, { acknowledgeConflicts: true });
    expect(acknowledged.status).toBe('applying');
    expect(acknowledged.apply?.fields).toEqual(['stage', 'amount', 'nextStep', 'tags']);
  });
});
