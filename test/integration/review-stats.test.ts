/**
 * Review stats (docs/review-stats.md) against a recount from the items' histories, on DynamoDB Local and the
 * local SES: a seeded random sequence of proposals (new, replacing, repeated, dropped), edits, approvals with a
 * real SesMailer, dismissals, webhook resolutions and expiry runs; then every counter and the median, per
 * automation, for an admin, for each member, and for callers who get nothing.
 *
 * The recount knows nothing of the counters: it walks each item's history (read through the use case, as an
 * admin) and attributes every change to the run that proposed the item's draft at the time (the history's
 * `runId`; the test logged who each run executed as), then keeps the runs the viewer may see (`canSee`).
 * Set STATS_SEED to replay a sequence.
 */

import { randomUUID } from 'node:crypto';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../infra/local/aws-identity.js';
import { median } from '../../shared/domain/median.js';
import type { ExecutedAs } from '../../shared/domain/primitives.js';
import type { HistoryEntry, Member, ReviewItem } from '../../shared/domain/review-item.js';
import { canSee } from '../../shared/domain/routing.js';
import type { DraftProposed } from '../../shared/events/in-schemas.js';
import { SesMailer } from '../../shared/mail/mailer.js';
import { applyMemberChange } from '../../shared/use-cases/apply-member-change.js';
import { approveItem, dismissItem, editItem } from '../../shared/use-cases/decide.js';
import type { SendDeps } from '../../shared/use-cases/deps.js';
import { ingestProposal } from '../../shared/use-cases/ingest-proposal.js';
import { COUNTER_NAMES, type CounterName } from '../../shared/use-cases/ports.js';
import { getHistory } from '../../shared/use-cases/read-items.js';
import { resolveFromWebhook } from '../../shared/use-cases/resolve-from-webhook.js';
import { type ReviewStats, reviewStats } from '../../shared/use-cases/review-stats.js';
import { expireDueItems } from '../../shared/use-cases/scheduled-jobs.js';
import { newItemId } from '../../shared/wiring.js';
import { member, proposal } from '../fixtures/index.js';
import { createTestTable, type TestTable } from '../support/dynamo.js';
import { sesEndpoint } from '../support/endpoints.js';
import { emailOf } from '../support/items.js';
import { SettlingStore } from '../support/tallies.js';

const SEED = Number(process.env.STATS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const STEPS = Number(process.env.STATS_STEPS ?? 150);

const AUTOMATIONS = [
  { id: 'auto_renewal', name: 'Renewal follow-up' },
  { id: 'auto_churn', name: 'Churn rescue' },
];
const ADMIN = 'u_admin';
const ALICE = 'u_alice';
const BOB = 'u_bob';
const GONE = 'u_gone';
const mailboxOf = (userId: string) => `${userId.slice(2)}@acme-stats.test`;

let table: TestTable;
let ses: SESv2Client;
let now: Date;

beforeAll(async () => {
  console.info(`review-stats: seed ${SEED} (replay with STATS_SEED=${SEED})`);
  table = await createTestTable('stats', { stream: true });
  ses = new SESv2Client({
    endpoint: sesEndpoint(),
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
});

afterAll(async () => {
  ses?.destroy();
  await table?.drop();
});

function depsFor(): SendDeps {
  return {
    store: new SettlingStore(table.client, table.tableName),
    clock: () => new Date(now),
    newId: newItemId,
    mailer: new SesMailer(ses),
  };
}

/** mulberry32: a small seeded PRNG, so a failing sequence can be replayed. */
function seeded(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)] as T,
    chance: (p: number) => next() < p,
  };
}

async function seedDirectory(deps: SendDeps, workspaceId: string) {
  const changedAt = '2026-11-20T09:00:00.000Z';
  for (const [userId, role, active] of [
    [ADMIN, 'admin', true],
    [ALICE, 'member', true],
    [BOB, 'member', true],
    [GONE, 'member', false],
  ] as const) {
    await applyMemberChange(
      deps.store,
      member({ workspaceId, userId, role, active, mailboxes: [mailboxOf(userId)], changedAt }),
    );
  }
}

interface RunLog {
  automationId: string;
  executedAs: ExecutedAs;
}

interface Sequence {
  workspaceId: string;
  runs: Map<string, RunLog>;
  dropped: RunLog[];
  itemIds: Set<string>;
  actions: Record<string, number>;
}

/** The seeded random sequence: returns what the recount needs to know that histories do not say. */
async function playSequence(
  deps: SendDeps,
  random: ReturnType<typeof seeded>,
  steps = STEPS,
): Promise<Sequence> {
  const workspaceId = `ws_stats_${randomUUID().slice(0, 8)}`;
  await seedDirectory(deps, workspaceId);
  const seq: Sequence = { workspaceId, runs: new Map(), dropped: [], itemIds: new Set(), actions: {} };
  const dedupKeys = new Map<string, string>();
  const items = new Map<string, ReviewItem>();
  const count = (action: string) => {
    seq.actions[action] = (seq.actions[action] ?? 0) + 1;
  };
  const refresh = async (itemId: string) => {
    const item = await deps.store.getItem(workspaceId, itemId);
    if (item) items.set(itemId, item);
  };
  /** Pending and not past its expiry: a reviewer can act on it. */
  const actionable = () =>
    [...items.values()].filter(
      (i) => i.status === 'pending' && (!i.expiresAt || Date.parse(i.expiresAt) > now.getTime()),
    );

  let runNumber = 0;
  const propose = async (
    automation: (typeof AUTOMATIONS)[number],
    runAs: string | 'workspace',
    options: {
      dedupKey: string;
      from: string;
      expiresAt?: string;
      related?: DraftProposed['relatedRecords'];
    },
  ) => {
    runNumber += 1;
    const runId = `run_${String(runNumber).padStart(4, '0')}`;
    const executedAs: ExecutedAs =
      runAs === 'workspace' ? { kind: 'workspace' } : { kind: 'user', userId: runAs };
    seq.runs.set(runId, { automationId: automation.id, executedAs });
    const input = proposal({
      workspaceId,
      proposedAt: now.toISOString(),
      run: { id: runId, automationId: automation.id, automationName: automation.name, executedAs },
      relatedRecords: options.related ?? [],
      dedupKey: options.dedupKey,
      ...(options.expiresAt ? { expiresAt: options.expiresAt } : {}),
      draft: {
        from: options.from,
        to: ['carol@globex-stats.test'],
        subject: `Stats ${runId}`,
        bodyText: `Draft of ${runId}`,
        externalDraftId: `draft_${runId}`,
      },
    });
    const outcome = await ingestProposal(deps, input);
    if (outcome.outcome === 'dropped') seq.dropped.push({ automationId: automation.id, executedAs });
    if (outcome.outcome === 'created') seq.itemIds.add(outcome.itemId);
    if (outcome.outcome !== 'dropped') {
      dedupKeys.set(outcome.itemId, options.dedupKey);
      await refresh(outcome.itemId);
    }
    count(`propose:${outcome.outcome}`);
    return { input, outcome };
  };
  const senderFor = (runAs: string) => (runAs === 'workspace' ? random.pick([ADMIN, ALICE, BOB]) : runAs);
  const callerOf = (userId: string) => ({ workspaceId, userId });

  for (let step = 0; step < steps; step++) {
    now = new Date(now.getTime() + random.int(1, 300) * 1000);
    const roll = random.next();
    const open = actionable();
    if (roll < 0.3 || open.length === 0) {
      // A new change.
      const automation = random.pick(AUTOMATIONS);
      const runAs = random.pick(['workspace', ALICE, BOB] as const);
      const dedupKey = `key_${step}`;
      const expiresAt = random.chance(0.3)
        ? new Date(now.getTime() + random.int(5, 40) * 60_000).toISOString()
        : undefined;
      const { input } = await propose(automation, runAs, {
        dedupKey,
        from: mailboxOf(senderFor(runAs)),
        expiresAt,
      });
      if (random.chance(0.1)) {
        // The same event delivered again: changes nothing.
        expect((await ingestProposal(deps, input)).outcome).toBe('ignored');
        count('propose:repeated');
      }
    } else if (roll < 0.4) {
      // A newer proposal for a pending item's key, from a run of the same identity: replaced in place.
      const target = random.pick(open);
      const automation = AUTOMATIONS.find(
        (a) => a.id === target.origin.automationId,
      ) as (typeof AUTOMATIONS)[number];
      const runAs = target.origin.executedAs.kind === 'user' ? target.origin.executedAs.userId : 'workspace';
      const dedupKey = dedupKeys.get(target.id) as string;
      const { outcome } = await propose(automation, runAs, { dedupKey, from: emailOf(target.draft).from });
      expect(outcome).toMatchObject({ outcome: 'replaced', itemId: target.id });
      if (random.chance(0.3)) {
        // The same key from a run of another identity is another change: dedup keys are scoped by run privacy.
        const other = random.pick((['workspace', ALICE, BOB] as const).filter((id) => id !== runAs));
        const { outcome: separate } = await propose(automation, other, {
          dedupKey,
          from: mailboxOf(senderFor(other)),
        });
        // Never the target; a new item, or (when an earlier step already made one for that identity) that item.
        expect(['created', 'replaced']).toContain(separate.outcome);
        expect(separate).not.toMatchObject({ itemId: target.id });
      }
    } else if (roll < 0.47) {
      // Proposals that become no item.
      const automation = random.pick(AUTOMATIONS);
      const kind = random.pick(['inactive run user', 'nobody on the draft', 'already expired'] as const);
      const dedupKey = `dropped_${step}`;
      if (kind === 'inactive run user') await propose(automation, GONE, { dedupKey, from: mailboxOf(GONE) });
      else if (kind === 'nobody on the draft')
        await propose(automation, 'workspace', { dedupKey, from: 'nobody@elsewhere-stats.test' });
      else {
        const runAs = random.pick(['workspace', ALICE, BOB] as const);
        const expiresAt = new Date(now.getTime() - 1_000).toISOString();
        await propose(automation, runAs, { dedupKey, from: mailboxOf(senderFor(runAs)), expiresAt });
      }
    } else if (roll < 0.67) {
      // Approve, after edits or not, by the reviewer whose mailbox sends it.
      const item = random.pick(open);
      const sender = [ADMIN, ALICE, BOB].find((u) => mailboxOf(u) === emailOf(item.draft).from) as string;
      let version = item.version;
      if (random.chance(0.4)) {
        version = (
          await editItem(deps, callerOf(sender), item.id, {
            version,
            draft: { subject: `${emailOf(item.draft).subject} (edited)` },
          })
        ).version;
        count('edit');
      }
      const sent = await approveItem(deps, callerOf(sender), item.id, { version });
      expect(sent.status).toBe('sent');
      count('approve');
      await refresh(item.id);
    } else if (roll < 0.8) {
      const item = random.pick(open);
      const by = random.chance(0.2) ? ADMIN : random.pick(item.reviewers);
      await dismissItem(deps, callerOf(by), item.id, { version: item.version, note: 'not now' });
      count('dismiss');
      await refresh(item.id);
    } else if (roll < 0.9) {
      const item = random.pick(open);
      const { resolved } = await resolveFromWebhook(deps, `wh_${randomUUID()}`, {
        type: 'draft.deleted',
        workspaceId,
        mailbox: emailOf(item.draft).from,
        draftId: emailOf(item.draft).externalDraftId,
        to: [],
        occurredAt: now.toISOString(),
      });
      expect(resolved).toBe(1);
      count('resolve');
      await refresh(item.id);
    } else {
      count(`expire:${(await expireDueItems(deps)).expired}`);
      for (const id of items.keys()) await refresh(id);
    }
  }
  // One item that expires whatever the draw (seed 297700873 decided every item that had an expiresAt), then let
  // everything that can expire expire, so expiry is counted too.
  await propose(AUTOMATIONS[0] as (typeof AUTOMATIONS)[number], 'workspace', {
    dedupKey: 'key_final_expiry',
    from: mailboxOf(ADMIN),
    expiresAt: new Date(now.getTime() + 60_000).toISOString(),
  });
  now = new Date(now.getTime() + 24 * 3600 * 1000);
  while ((await expireDueItems(deps)).expired > 0) count('expire:final');
  return seq;
}

type Counts = Record<CounterName, number>;
interface Recount {
  counts: Map<string, Counts>;
  durations: Map<string, number[]>;
}

const scopeKey = (automationId: string, executedAs: ExecutedAs) =>
  `${automationId}|${executedAs.kind === 'workspace' ? 'workspace' : executedAs.userId}`;

/** Counters per (automation, run identity), from the histories alone plus the log of runs and drops. */
async function recount(deps: SendDeps, seq: Sequence): Promise<Recount> {
  const counts = new Map<string, Counts>();
  const durations = new Map<string, number[]>();
  const add = (key: string, name: CounterName) => {
    const row = counts.get(key) ?? (Object.fromEntries(COUNTER_NAMES.map((n) => [n, 0])) as Counts);
    row[name] += 1;
    counts.set(key, row);
  };
  for (const drop of seq.dropped) add(scopeKey(drop.automationId, drop.executedAs), 'dropped');

  const admin = { workspaceId: seq.workspaceId, userId: ADMIN };
  for (const itemId of seq.itemIds) {
    const { items: history } = await getHistory(deps, admin, itemId);
    const keyOf = (entry: HistoryEntry) => {
      const run = seq.runs.get(entry.runId);
      if (!run) throw new Error(`history names an unknown run ${entry.runId}`);
      return scopeKey(run.automationId, run.executedAs);
    };
    const createdAt = Date.parse(history[0]?.at ?? '');
    expect(history[0]?.action).toBe('created');
    let edited = false;
    for (const entry of history) {
      const key = keyOf(entry);
      const decided = (name: CounterName) => {
        add(key, name);
        durations.set(key, [...(durations.get(key) ?? []), (Date.parse(entry.at) - createdAt) / 1000]);
      };
      if (entry.action === 'created') add(key, 'proposed');
      else if (entry.action === 'replaced') {
        add(key, 'replaced');
        edited = false;
      } else if (entry.action === 'edited') edited = true;
      else if (entry.action === 'sent') decided(edited ? 'approvedAfterEdits' : 'approvedAsProposed');
      else if (entry.action === 'dismissed') decided('dismissed');
      else if (entry.action === 'resolved') decided('resolvedElsewhere');
      else if (entry.action === 'expired') decided('expired');
    }
  }
  return { counts, durations };
}

/** What `viewer` should see of one automation, from the recount. */
function expectedStats(
  re: Recount,
  automation: (typeof AUTOMATIONS)[number],
  viewer: Member | undefined,
): ReviewStats {
  const totals = Object.fromEntries(COUNTER_NAMES.map((n) => [n, 0])) as Counts;
  const seconds: number[] = [];
  const visible = (key: string) => {
    const [automationId, runAs] = key.split('|') as [string, string];
    if (automationId !== automation.id || !viewer) return false;
    const executedAs: ExecutedAs =
      runAs === 'workspace' ? { kind: 'workspace' } : { kind: 'user', userId: runAs };
    return canSee(viewer, { workspaceId: viewer.workspaceId, origin: { executedAs } });
  };
  for (const [key, row] of re.counts) if (visible(key)) for (const n of COUNTER_NAMES) totals[n] += row[n];
  for (const [key, values] of re.durations) if (visible(key)) seconds.push(...values);
  const anyRow = [...re.counts.keys()].some(visible);
  return {
    automationId: automation.id,
    automationName: anyRow ? automation.name : null,
    ...totals,
    decided:
      totals.approvedAsProposed +
      totals.approvedAfterEdits +
      totals.dismissed +
      totals.resolvedElsewhere +
      totals.expired,
    medianSecondsToDecision: median(seconds),
  };
}

describe('review stats', () => {
  it('equal a recount from the histories, per automation, for an admin and for each member', async () => {
    now = new Date('2026-11-20T10:00:00.000Z');
    const deps = depsFor();
    const seq = await playSequence(deps, seeded(SEED));
    const re = await recount(deps, seq);
    console.info(
      `review-stats: ${seq.itemIds.size} items, ${seq.dropped.length} dropped; ${JSON.stringify(seq.actions)}`,
    );

    const viewers = await Promise.all(
      [ADMIN, ALICE, BOB].map((u) => deps.store.getMember(seq.workspaceId, u)),
    );
    for (const automation of AUTOMATIONS) {
      for (const viewer of viewers) {
        const caller = { workspaceId: seq.workspaceId, userId: viewer?.userId ?? '' };
        expect({ viewer: caller.userId, stats: await reviewStats(deps, caller, automation.id) }).toEqual({
          viewer: caller.userId,
          stats: expectedStats(re, automation, viewer),
        });
      }
    }

    // The sequence exercised what the stats count, and members' private runs were hidden from each other.
    const all = (userId: string) =>
      Promise.all(AUTOMATIONS.map((a) => reviewStats(deps, { workspaceId: seq.workspaceId, userId }, a.id)));
    const total = (stats: ReviewStats[], name: CounterName) => stats.reduce((sum, s) => sum + s[name], 0);
    const [admin, alice, bob] = await Promise.all([all(ADMIN), all(ALICE), all(BOB)]);
    for (const name of COUNTER_NAMES)
      expect({ name, counted: total(admin, name) > 0 }).toEqual({ name, counted: true });
    expect(total(alice, 'proposed')).toBeLessThan(total(admin, 'proposed'));
    expect(total(bob, 'proposed')).toBeLessThan(total(admin, 'proposed'));
  });

  it('are zeros for an unknown automation, an inactive member and a stranger, in 3 requests', async () => {
    now = new Date('2026-11-21T10:00:00.000Z');
    const deps = depsFor();
    const seq = await playSequence(deps, seeded(SEED + 1), 30);
    const zeros = (automationId: string): ReviewStats => ({
      automationId,
      automationName: null,
      ...(Object.fromEntries(COUNTER_NAMES.map((n) => [n, 0])) as Counts),
      decided: 0,
      medianSecondsToDecision: null,
    });

    table.counter.reset();
    expect(await reviewStats(deps, { workspaceId: seq.workspaceId, userId: ADMIN }, 'auto_unknown')).toEqual(
      zeros('auto_unknown'),
    );
    expect(table.counter.total).toBe(3);
    for (const userId of [GONE, 'u_stranger']) {
      for (const automation of AUTOMATIONS) {
        expect(await reviewStats(deps, { workspaceId: seq.workspaceId, userId }, automation.id)).toEqual(
          zeros(automation.id),
        );
      }
    }
    // Another workspace's admin sees none of this workspace's counters.
    const other = `ws_other_${randomUUID().slice(0, 8)}`;
    await applyMemberChange(deps.store, member({ workspaceId: other, userId: ADMIN, role: 'admin' }));
    expect(await reviewStats(deps, { workspaceId: other, userId: ADMIN }, AUTOMATIONS[0]!.id)).toEqual(
      zeros(AUTOMATIONS[0]!.id),
    );
  });
});
