/**
 * The CRM's value bounds (spec 2.4; issue 20): whatever sequence of valid `Record Changed` and `Record Change
 * Rejected` events the CRM sends, a record.update item stays storable, readable and decidable. A current value too
 * large to keep whole is kept in a bounded form (its digest, size and a preview) that still classifies the change.
 * On DynamoDB Local, through the use cases.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ReviewItem } from '../../shared/domain/review-item.js';
import { describeDraft } from '../../shared/drafts/index.js';
import type { RecordChange } from '../../shared/drafts/record-update/index.js';
import { ConflictError } from '../../shared/errors.js';
import { approveItem, dismissItem, editItem } from '../../shared/use-cases/decide.js';
import { ingestProposal } from '../../shared/use-cases/ingest-proposal.js';
import { getHistory, getItemWithHistory, getReviewItem } from '../../shared/use-cases/read-items.js';
import { applyRecordChanged, settleRecordChange } from '../../shared/use-cases/record-apply.js';
import {
  callerOf,
  createItemEnv,
  type ItemEnv,
  RUN_USER,
  SENDING_ADMIN,
  seedMembers,
} from '../support/items.js';
import {
  RECORD_OWNER,
  recordChanged,
  recordUpdateProposal,
  rejectedAnswer,
  updateOf,
} from '../support/records.js';

let env: ItemEnv;
const WS = 'ws_acme';
const owner = callerOf(RECORD_OWNER);

beforeAll(async () => {
  env = await createItemEnv({ prefix: 'crm_bounds' });
  await seedMembers(env.deps, [RUN_USER, SENDING_ADMIN, RECORD_OWNER]);
});

let recordSeq = 0;
const ownRecord = () => ({ type: 'opportunity', id: `opp_bounds_${Date.now()}_${recordSeq++}` });
const name = (i: number) => `f${String(i).padStart(2, '0')}`;
/** A value of exactly 10,000 bytes as JSON (the quotes included), distinct per field and per report. */
const big = (i: number, tag = 'v') => `${tag}${name(i)}`.padEnd(9_998, 'x');
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

async function seedFiftyChanges() {
  const record = ownRecord();
  const p = recordUpdateProposal({
    draft: {
      record: { ...record, name: 'Bounds', ownerId: 'u_bob', version: '1' },
      changes: range(0, 50).map((i) => ({ field: name(i), op: 'set', before: 'a', after: 'b' })),
    },
  });
  const outcome = await ingestProposal(env.deps, p);
  expect(outcome.outcome).toBe('created');
  return { itemId: (outcome as { itemId: string }).itemId, record };
}

const changesOf = async (itemId: string) =>
  Object.fromEntries(
    updateOf((await getReviewItem(env.deps, owner, itemId)) as unknown as ReviewItem).changes.map((c) => [
      c.field,
      c,
    ]),
  ) as Record<string, RecordChange>;

/** The item answers every read and every decision without a server error. */
async function expectDecidable(itemId: string, drifted: string[]) {
  const item = await getReviewItem(env.deps, owner, itemId);
  expect(item.status).toBe('pending');
  // The agent's read, with the item's description.
  expect((await getItemWithHistory(env.deps, owner, itemId)).history.length).toBeGreaterThan(0);
  expect((await getHistory(env.deps, owner, itemId)).items.length).toBeGreaterThan(0);
  const refused = await approveItem(env.deps, owner, itemId, {}).catch((e) => e);
  if (drifted.length > 0) {
    expect(refused).toBeInstanceOf(ConflictError);
    expect([...((refused as ConflictError).drifted ?? [])].sort()).toEqual([...drifted].sort());
  }
}

describe('Record Changed with large values (issue 20, 1)', () => {
  it('three reports of 10,000-byte values for 50 fields: every report is kept, the item stays readable and decidable', async () => {
    const { itemId, record } = await seedFiftyChanges();
    const reports = [range(0, 20), range(20, 40), range(40, 50)];
    let reported: string[] = [];
    for (const [n, fields] of reports.entries()) {
      const outcome = await applyRecordChanged(
        env.deps,
        recordChanged(Object.fromEntries(fields.map((i) => [name(i), big(i)])), {
          workspaceId: WS,
          record: { ...record, version: String(n + 2) },
        }),
      );
      expect(outcome).toEqual({ reclassified: 1, resolved: 0 });
      reported = [...reported, ...fields.map(name)];
      const changes = await changesOf(itemId);
      for (const field of reported) expect(changes[field]?.state).toBe('drifted');
      await expectDecidable(itemId, reported);
    }
    const changes = await changesOf(itemId);
    // Too large to keep whole: the bounded form, marked, with its size and a preview.
    expect(changes.f00?.current).toMatchObject({ notKept: true, bytes: 10_000 });
    expect((changes.f00?.current as unknown as { preview: string } | undefined)?.preview).toMatch(/^vf00x+/);

    // Approving the drifted changes on purpose, and dismissing, both work.
    const applying = await approveItem(env.deps, owner, itemId, { fields: ['f00', 'f49'] });
    expect(applying.status).toBe('applying');
    const rejected = await settleRecordChange(
      env.deps,
      rejectedAnswer({ id: itemId, workspaceId: WS }, applying.apply!.applyId),
    );
    expect(rejected.outcome).toBe('rejected');
    const dismissed = await dismissItem(env.deps, owner, itemId, {});
    expect(dismissed.status).toBe('dismissed');
    expect((await getHistory(env.deps, owner, itemId)).items.length).toBe(7);
  });

  it('a report of the value the change sets, or the one the automation saw, classifies it exactly (moot, clean)', async () => {
    const record = ownRecord();
    const p = recordUpdateProposal({
      draft: {
        record: { ...record, ownerId: 'u_bob' },
        changes: [
          { field: 'notes', op: 'set', before: big(1, 'before'), after: big(1, 'after') },
          { field: 'summary', op: 'set', before: big(2, 'before'), after: big(2, 'after') },
          { field: 'intro', op: 'set_if_empty', after: big(3, 'after') },
          { field: 'tags', op: 'add', values: ['renewal'] },
          { field: 'labels', op: 'remove', values: ['stale'] },
        ],
      },
    });
    const { itemId } = (await ingestProposal(env.deps, p)) as { itemId: string };
    const manyTags = range(0, 900).map((i) => `tag${i}`);
    await applyRecordChanged(
      env.deps,
      recordChanged(
        {
          notes: big(1, 'after'),
          summary: big(2, 'before'),
          intro: big(3, 'other'),
          tags: [...manyTags, 'renewal'],
          labels: manyTags,
        },
        { workspaceId: WS, record },
      ),
    );
    const changes = await changesOf(itemId);
    expect(changes.notes).toMatchObject({ state: 'moot', current: { notKept: true } });
    expect(changes.summary).toMatchObject({ state: 'clean', current: { notKept: true } });
    expect(changes.intro).toMatchObject({ state: 'drifted', current: { notKept: true } });
    expect(changes.tags).toMatchObject({ state: 'moot', current: { notKept: true, count: 901 } });
    expect(changes.labels).toMatchObject({ state: 'moot', current: { notKept: true, count: 900 } });

    // The texts for people and the agent say what is kept.
    const item = await getReviewItem(env.deps, owner, itemId);
    expect(describeDraft(item.draft)).toContain(
      '[drifted: the record now holds a value of 10000 bytes, not kept whole: otherf03xxx',
    );

    // An edit back to the large value the record holds stays classified against the bounded form.
    const edited = await editItem(env.deps, owner, itemId, {
      version: item.version,
      changes: [
        { field: 'intro', after: big(3, 'other') },
        { field: 'summary', after: big(2, 'before') },
        { field: 'tags', values: ['renewal', 'tag5'] },
        { field: 'labels', values: ['tag5'] },
      ],
    });
    const byField = Object.fromEntries(updateOf(edited).changes.map((c) => [c.field, c]));
    expect(byField.intro?.state).toBe('moot');
    expect(byField.summary?.state).toBe('moot');
    // Membership of the values the change named when reported is kept; of others it is unknown: clean.
    expect(byField.tags?.state).toBe('clean');
    expect(byField.labels?.state).toBe('clean');
  });
});

describe('a draft at its size bound (issue 20, 1)', () => {
  it('a proposal of nearly 200 KB and reports for every change: the reports do not count against the draft', async () => {
    const record = ownRecord();
    // 50 changes of about 4,000 bytes each: the proposal just under 200 KB.
    const p = recordUpdateProposal({
      draft: {
        record: { ...record, ownerId: 'u_bob' },
        changes: range(0, 50).map((i) => ({
          field: name(i),
          op: 'set',
          before: 'a',
          after: `${name(i)}`.padEnd(3_985, 'y'),
        })),
      },
    });
    expect(Buffer.byteLength(JSON.stringify(p.draft))).toBeGreaterThan(199_000);
    const { itemId } = (await ingestProposal(env.deps, p)) as { itemId: string };
    for (const [n, fields] of [range(0, 25), range(25, 50)].entries())
      await applyRecordChanged(
        env.deps,
        recordChanged(Object.fromEntries(fields.map((i) => [name(i), big(i)])), {
          workspaceId: WS,
          record: { ...record, version: String(n + 2) },
        }),
      );
    await expectDecidable(itemId, range(0, 50).map(name));
    const applying = await approveItem(env.deps, owner, itemId, { fields: range(0, 10).map(name) });
    expect(applying.status).toBe('applying');
  });
});

describe('Record Change Rejected with large current values (issue 20, 1)', () => {
  it('a rejection naming 50 values of 10,000 bytes keeps the item readable and decidable', async () => {
    const { itemId } = await seedFiftyChanges();
    const applying = await approveItem(env.deps, owner, itemId, {});
    const outcome = await settleRecordChange(
      env.deps,
      rejectedAnswer({ id: itemId, workspaceId: WS }, applying.apply!.applyId, {
        current: { version: '9', fields: Object.fromEntries(range(0, 50).map((i) => [name(i), big(i)])) },
      }),
    );
    expect(outcome.outcome).toBe('rejected');
    const all = range(0, 50).map(name);
    const changes = await changesOf(itemId);
    for (const field of all)
      expect(changes[field]).toMatchObject({ state: 'drifted', current: { notKept: true } });
    await expectDecidable(itemId, all);
    const again = await approveItem(env.deps, owner, itemId, { fields: all });
    expect(again.status).toBe('applying');
  });
});

describe('any sequence of valid reports (issue 20, 1)', () => {
  const SEED = Number(process.env.CRM_BOUNDS_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const value = fc.oneof(
    fc.constantFrom<unknown>(null, '', 'b', 'a', 0, true),
    fc.integer({ min: 1, max: 10_000 }).map((n) => 'z'.repeat(Math.max(0, n - 2))),
    fc.integer({ min: 1, max: 1_000 }).map((n) => Array.from({ length: n }, (_, i) => `t${i}`)),
  );
  const report = fc.record({
    rejected: fc.boolean(),
    fields: fc.uniqueArray(fc.integer({ min: 0, max: 49 }), { minLength: 1, maxLength: 25 }),
    values: fc.array(value, { minLength: 25, maxLength: 25 }),
  });

  it(`stays readable and decidable, with the stored draft bounded (seed ${SEED}, CRM_BOUNDS_SEED replays it)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(report, { minLength: 1, maxLength: 4 }), async (reports) => {
        const { itemId, record } = await seedFiftyChanges();
        for (const [n, r] of reports.entries()) {
          const fields = Object.fromEntries(
            r.fields
              .map((i, k) => [name(i), r.values[k] as string])
              .filter(([, v]) => JSON.stringify(v).length <= 10_240),
          );
          if (r.rejected) {
            const applying = await approveItem(env.deps, owner, itemId, { fields: ['f00'] });
            await settleRecordChange(
              env.deps,
              rejectedAnswer({ id: itemId, workspaceId: WS }, applying.apply!.applyId, {
                current: { version: String(n), fields },
              }),
            );
          } else
            await applyRecordChanged(
              env.deps,
              recordChanged(fields, { workspaceId: WS, record: { ...record, version: String(n) } }),
            );
          const item = await getReviewItem(env.deps, owner, itemId);
          if (item.status !== 'pending') return;
          const reports = updateOf(item as unknown as ReviewItem).changes.map((c) => ({
            current: c.current,
            currentAt: c.currentAt,
            state: c.state,
          }));
          expect(Buffer.byteLength(JSON.stringify(reports))).toBeLessThanOrEqual(50 * 1024);
          await getHistory(env.deps, owner, itemId);
        }
        expect((await dismissItem(env.deps, owner, itemId, {})).status).toBe('dismissed');
      }),
      { seed: SEED, numRuns: 8, endOnFailure: true },
    );
  }, 240_000);
});
