/**
 * A property test of the record apply protocol on DynamoDB Local (issue 11): random sequences of approvals (plain
 * or naming fields), CRM answers (Applied / Rejected, with the current applyId, a superseded one, an unknown one,
 * repeated), Record Changed reports, replacing proposals and the republication job, checked step by step against
 * a model of spec 3 — then the same events raced two at a time, checked against the invariants.
 *
 * Seeded: STATE_SEED replays a run.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ReviewItem, ReviewStatus } from '../../shared/domain/review-item.js';
import { ConflictError } from '../../shared/errors.js';
import { approveItem, dismissItem } from '../../shared/use-cases/decide.js';
import { ingestProposal } from '../../shared/use-cases/ingest-proposal.js';
import {
  applyRecordChanged,
  republishRecordChanges,
  settleRecordChange,
} from '../../shared/use-cases/record-apply.js';
import { RACE_CONFLICT_WINDOW_MS } from '../support/conflict-rule.js';
import {
  callerOf,
  createItemEnv,
  type ItemEnv,
  SENDING_ADMIN,
  seededRandom,
  seedMembers,
} from '../support/items.js';
import {
  appliedAnswer,
  RECORD_OWNER,
  recordChanged,
  recordUpdateProposal,
  rejectedAnswer,
  updateOf,
} from '../support/records.js';

const SEED = Number(process.env.STATE_SEED ?? Math.floor(Math.random() * 2 ** 31));
const WS = 'ws_acme';
const SEQUENCES = 30;
const STEPS = 14;

let env: ItemEnv;
beforeAll(async () => {
  env = await createItemEnv({ prefix: 'apply-prop', conflictWindowMs: RACE_CONFLICT_WINDOW_MS });
  await seedMembers(env.deps, [SENDING_ADMIN, RECORD_OWNER]);
  console.log(`record-apply property: seed ${SEED} (replay with STATE_SEED=${SEED})`);
});

type Step =
  | { kind: 'approve'; named: boolean }
  | { kind: 'applied' | 'rejected'; which: 'current' | 'old' | 'unknown' }
  | { kind: 'changed'; stage: string }
  | { kind: 'replace' }
  | { kind: 'republish' }
  | { kind: 'dismiss' };

const STAGES = ['Negotiation', 'Closed Won', 'Closed Lost'];

function randomStep(random: () => number): Step {
  const r = random();
  if (r < 0.25) return { kind: 'approve', named: random() < 0.5 };
  if (r < 0.45) return { kind: 'applied', which: pick(random, ['current', 'current', 'old', 'unknown']) };
  if (r < 0.6) return { kind: 'rejected', which: pick(random, ['current', 'current', 'old', 'unknown']) };
  if (r < 0.75) return { kind: 'changed', stage: pick(random, STAGES) };
  if (r < 0.85) return { kind: 'replace' };
  if (r < 0.95) return { kind: 'republish' };
  return { kind: 'dismiss' };
}
const pick = <T>(random: () => number, from: T[]): T => from[Math.floor(random() * from.length)] as T;

interface Case {
  record: { type: string; id: string };
  dedupKey: string;
  itemId: string;
  proposals: number;
  /** Every applyId an approval of the item was answered with, in order. */
  applyIds: string[];
}

const owner = callerOf(RECORD_OWNER);
const stored = async (id: string) => (await env.deps.store.getItem(WS, id)) as ReviewItem;

async function newCase(index: number): Promise<Case> {
  const record = { type: 'opportunity', id: `opp_prop_${SEED}_${index}` };
  const dedupKey = `prop-${SEED}-${index}`;
  const outcome = await ingestProposal(env.deps, proposalFor(record, dedupKey, 0));
  if (outcome.outcome !== 'created') throw new Error(`no item: ${JSON.stringify(outcome)}`);
  return { record, dedupKey, itemId: outcome.itemId, proposals: 1, applyIds: [] };
}

function proposalFor(record: Case['record'], dedupKey: string, n: number) {
  return recordUpdateProposal({
    dedupKey,
    proposedAt: new Date(Date.UTC(2026, 10, 20, 10, 0, n)).toISOString(),
    run: { id: `run_${n}` },
    draft: {
      record: { ...record, ownerId: 'u_bob', version: '17' },
      changes: [
        { field: 'stage', op: 'set', before: 'Negotiation', after: 'Closed Won' },
        { field: 'amount', op: 'set', before: 12000, after: 15000 + n },
      ],
    },
  });
}

/** Runs one step; answers what the model needs to know of its outcome. */
async function run(c: Case, step: Step, random: () => number): Promise<string> {
  switch (step.kind) {
    case 'approve': {
      const result = await approveItem(
        env.deps,
        owner,
        c.itemId,
        step.named ? { fields: ['stage', 'amount'] } : {},
      ).catch((e: unknown) => e);
      if (result instanceof ConflictError) return 'conflict';
      if (result instanceof Error) throw result;
      const applyId = (result as { apply: { applyId: string } | null }).apply?.applyId;
      if (!applyId) throw new Error('an approval without an applyId');
      c.applyIds.push(applyId);
      return 'claimed';
    }
    case 'applied':
    case 'rejected': {
      const current = (await stored(c.itemId)).apply?.applyId;
      const applyId =
        step.which === 'current'
          ? (current ?? c.applyIds.at(-1) ?? 'ap_none')
          : step.which === 'old'
            ? (c.applyIds[Math.floor(random() * Math.max(1, c.applyIds.length - 1))] ?? 'ap_none')
            : `ap_unknown_${Math.floor(random() * 1e9)}`;
      const answer =
        step.kind === 'applied'
          ? appliedAnswer({ id: c.itemId, workspaceId: WS }, applyId, { ...c.record, version: '19' })
          : rejectedAnswer({ id: c.itemId, workspaceId: WS }, applyId, {
              current: { fields: { stage: pick(random, STAGES) } },
            });
      return (await settleRecordChange(env.deps, answer)).outcome;
    }
    case 'changed':
      await applyRecordChanged(env.deps, recordChanged({ stage: step.stage }, { record: c.record }));
      return 'changed';
    case 'replace': {
      const outcome = await ingestProposal(env.deps, proposalFor(c.record, c.dedupKey, c.proposals));
      c.proposals += 1;
      return outcome.outcome === 'replaced' && outcome.itemId === c.itemId ? 'replaced' : 'other';
    }
    case 'republish':
      env.deps.clock.advance(5 * 60 * 1000 + 1);
      await republishRecordChanges(env.deps);
      return 'republished';
    case 'dismiss': {
      const result = await dismissItem(env.deps, owner, c.itemId, {}).catch((e: unknown) => e);
      return result instanceof ConflictError ? 'conflict' : 'dismissed';
    }
  }
}

const OPEN_FOR_ANSWERS: ReviewStatus[] = ['applying', 'apply_unknown'];
const FINAL: ReviewStatus[] = ['applied', 'dismissed', 'resolved'];

/** What spec 3 says the step must have done, from the item before and after it. */
function expectStep(step: Step, outcome: string, before: ReviewItem, after: ReviewItem, label: string) {
  const answerable = OPEN_FOR_ANSWERS.includes(before.status);
  switch (step.kind) {
    case 'approve': {
      const drifted =
        before.draft.type === 'record.update' && before.draft.changes.some((ch) => ch.state === 'drifted');
      const may =
        (before.status === 'pending' || before.status === 'apply_unknown') && (step.named || !drifted);
      expect(outcome, label).toBe(may ? 'claimed' : 'conflict');
      expect(after.status, label).toBe(may ? 'applying' : before.status);
      if (may) expect(after.apply?.applyId, label).not.toBe(before.apply?.applyId);
      return;
    }
    case 'applied':
    case 'rejected': {
      const valid = answerable && outcome !== 'ignored';
      if (valid) {
        expect(after.status, label).toBe(step.kind === 'applied' ? 'applied' : 'pending');
        expect(before.apply, label).toBeDefined();
      } else {
        expect(after.version, label).toBe(before.version);
        expect(after.status, label).toBe(before.status);
      }
      // An answer with the current applyId to an answerable item is never ignored.
      if (step.which === 'current' && answerable && before.apply) expect(valid, label).toBe(true);
      // An unknown applyId never does anything.
      if (step.which === 'unknown') expect(valid, label).toBe(false);
      return;
    }
    case 'changed':
      if (before.status !== 'pending') expect(after.version, label).toBe(before.version);
      else if (after.status === 'resolved')
        expect(
          updateOf(after).changes.every((ch) => ch.state === 'moot'),
          label,
        ).toBe(true);
      else expect(after.status, label).toBe('pending');
      return;
    case 'replace':
      // Only a pending item that still holds its key is replaced; otherwise the proposal starts a new item.
      expect(outcome === 'replaced', label).toBe(before.status === 'pending' && before.holdsKey);
      return;
    case 'republish':
      if (before.status === 'applying') expect(['applying', 'apply_unknown'], label).toContain(after.status);
      else expect(after.version, label).toBe(before.version);
      return;
    case 'dismiss':
      expect(outcome === 'dismissed', label).toBe(['pending', 'apply_unknown'].includes(before.status));
      return;
  }
}

async function expectInvariants(c: Case, label: string) {
  const item = await stored(c.itemId);
  const history = await env.deps.store.getHistory(WS, c.itemId);
  // History in version order, time never going back.
  expect(
    history.map((h) => h.version),
    label,
  ).toEqual(history.map((_, i) => i + 1));
  expect(
    history.map((h) => h.at),
    label,
  ).toEqual([...history.map((h) => h.at)].sort());
  expect(item.version, label).toBe(history.length);
  // Each approval one fresh applyId, and the commands carry only those.
  const approvals = history.filter((h) => h.action === 'approved').map((h) => h.detail?.applyId);
  expect(approvals, label).toEqual(c.applyIds);
  expect(new Set(approvals).size, label).toBe(approvals.length);
  const commands = await env.outbox.of('Record Change Approved', WS, c.itemId);
  expect(new Set(commands.map((e) => e.detail.applyId)), label).toEqual(new Set(c.applyIds));
  expect(commands.filter((e) => e.detail.publication === 1).length, label).toBe(c.applyIds.length);
  // At most one settlement per approval, and an applied item was applied with its latest approval's applyId.
  const settled = history
    .filter((h) => h.action === 'applied' || h.action === 'apply_failed')
    .map((h) => h.detail?.applyId);
  expect(new Set(settled).size, label).toBe(settled.length);
  if (item.status === 'applied') expect(settled.at(-1), label).toBe(c.applyIds.at(-1));
  if (FINAL.includes(item.status)) expect(item.holdsKey, label).toBe(false);
}

describe('the record apply protocol over random sequences', () => {
  it(`matches spec 3 step by step (${SEQUENCES} sequences of ${STEPS} steps)`, {
    timeout: 240_000,
  }, async () => {
    const random = seededRandom(SEED);
    const start = new Date();
    env.deps.clock.set(start);
    try {
      for (let s = 0; s < SEQUENCES; s++) {
        const c = await newCase(s);
        for (let i = 0; i < STEPS; i++) {
          const before = await stored(c.itemId);
          if (FINAL.includes(before.status)) break;
          const step = randomStep(random);
          const label = `seed ${SEED}, sequence ${s}, step ${i}: ${JSON.stringify(step)} from ${before.status}`;
          const outcome = await run(c, step, random);
          expectStep(step, outcome, before, await stored(c.itemId), label);
          await expectInvariants(c, label);
        }
      }
    } finally {
      env.deps.clock.set(new Date());
    }
  });

  it('keeps the invariants when the events race two at a time', { timeout: 240_000 }, async () => {
    const random = seededRandom(SEED + 1);
    for (let s = 0; s < SEQUENCES; s++) {
      const c = await newCase(1000 + s);
      for (let i = 0; i < STEPS / 2; i++) {
        const steps = [randomStep(random), randomStep(random)].filter((step) => step.kind !== 'republish');
        await Promise.all(steps.map((step) => run(c, step, random).catch((e: unknown) => e)));
        await expectInvariants(c, `seed ${SEED}, race ${s}, round ${i}: ${JSON.stringify(steps)}`);
      }
    }
  });
});
