/**
 * spec 8: "Two to ten concurrent approvals of one item, over 1,000 trials: exactly one SES send per item",
 * and spec 3 "Exactly one action wins": approve raced against dismiss, edit and a replacing proposal.
 *
 * Real DynamoDB Local, real local SES (the emails are counted in its store), real SesMailer. Each trial
 * has its own item (own dedup key, unique subject). Trial plans (how many callers, who, in which order)
 * come from a seeded PRNG: set APPROVE_SEED to replay a plan. Trials run a few at a time so the
 * contention is inside a trial, not between trials.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryEntry, ReviewItem } from '../../shared/domain/review-item.js';
import type { EmailDraft } from '../../shared/drafts/email/schema.js';
import { ConflictError } from '../../shared/errors.js';
import { approveItem, dismissItem, editItem } from '../../shared/use-cases/decide.js';
import { type IngestOutcome, ingestProposal } from '../../shared/use-cases/ingest-proposal.js';
import { RACE_CONFLICT_WINDOW_MS } from '../support/conflict-rule.js';
import {
  callerOf,
  createItemEnv,
  emailOf,
  type ItemEnv,
  mapLimit,
  RUN_USER,
  randomInt,
  SENDING_ADMIN,
  seededRandom,
  seedItemId,
  seedMembers,
  uniqueProposal,
} from '../support/items.js';
import { type SentEmail, sentEmails } from '../support/ses.js';

const SEED = Number(process.env.APPROVE_SEED ?? Math.floor(Math.random() * 2 ** 31));
const APPROVAL_TRIALS = Number(process.env.APPROVE_TRIALS ?? 1_000);
const MIX_TRIALS = Number(process.env.APPROVE_MIX_TRIALS ?? 200);
/**
 * Trials in flight at once (each trial is itself 2–10 concurrent calls). DynamoDB Local is the bottleneck:
 * about 2,000 DynamoDB requests per 100 trials; more trials in flight only queue longer.
 */
const PARALLEL_TRIALS = Number(process.env.APPROVE_PARALLEL ?? 6);
const APPROVERS = [RUN_USER, SENDING_ADMIN];

let env: ItemEnv;
let startedAt: Date;

beforeAll(async () => {
  console.info(`approve-concurrency: seed ${SEED} (replay with APPROVE_SEED=${SEED})`);
  env = await createItemEnv({ prefix: 'approve-race', conflictWindowMs: RACE_CONFLICT_WINDOW_MS });
  await seedMembers(env.deps, APPROVERS);
  // The local SES store keeps epoch seconds: start a second early so no email of this file is missed.
  startedAt = new Date(Date.now() - 1_000);
});

afterAll(async () => {
  await env?.table.drop();
  env?.ses.client.destroy();
});

type Settled<T> = PromiseSettledResult<T>;
type Approved = Awaited<ReturnType<typeof approveItem>>;

const fulfilled = <T>(results: Settled<T>[]) =>
  results.filter((r): r is PromiseFulfilledResult<T> => r.status === 'fulfilled').map((r) => r.value);
const rejected = <T>(results: Settled<T>[]) =>
  results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);

/** A loser must be a 409 carrying the item's status and version after the winner's write. */
function expectConflict(reason: unknown, allowed: string[], label: string) {
  expect(reason, `${label}: ${String(reason)}`).toBeInstanceOf(ConflictError);
  const conflict = reason as ConflictError;
  expect(conflict.status).toBe(409);
  expect(allowed, `${label}: 409 carries status ${conflict.current.status}`).toContain(
    conflict.current.status,
  );
  expect(conflict.current.version, label).toBeGreaterThanOrEqual(2);
}

async function stored(itemId: string): Promise<{ item: ReviewItem; history: HistoryEntry[] }> {
  const item = await env.deps.store.getItem(RUN_USER.workspaceId, itemId);
  if (!item) throw new Error(`item ${itemId} is gone`);
  return { item, history: await env.deps.store.getHistory(RUN_USER.workspaceId, itemId) };
}

const actions = (history: HistoryEntry[]) => history.map((h) => h.action);
const approvedDraft = (history: HistoryEntry[]) =>
  emailOf(history.find((h) => h.action === 'approved')?.draft);

/** Emails whose subject contains the trial's token, fetched once per test and indexed. */
async function emailsByToken(tokens: string[]): Promise<Map<string, SentEmail[]>> {
  const emails = await sentEmails(startedAt);
  const byToken = new Map<string, SentEmail[]>(tokens.map((t) => [t, []]));
  for (const email of emails) {
    const token = email.subject.match(/\[t:([0-9a-f-]{36})\]/)?.[1];
    if (token !== undefined) byToken.get(token)?.push(email);
  }
  return byToken;
}

/** The email as sent must be the draft recorded at the claim ('approved' history entry). */
function expectEmailIsDraft(email: SentEmail | undefined, draft: EmailDraft | undefined, label: string) {
  expect(email, `${label}: an email was sent`).toBeDefined();
  expect(draft, `${label}: the approved entry keeps the draft`).toBeDefined();
  expect({ subject: email?.subject, text: email?.body.text, to: email?.destination.to }, label).toEqual({
    subject: draft?.subject,
    text: draft?.bodyText,
    to: draft?.to,
  });
}

function describeError(error: unknown): string {
  const cause = (error as { cause?: { name?: string; reasons?: unknown } }).cause;
  const why = cause ? ` (cause ${cause.name} ${JSON.stringify(cause.reasons ?? '')})` : '';
  if (error instanceof ConflictError)
    return `409 ${error.current.status} v${error.current.version}: ${error.message}${why}`;
  return `${String(error)}${why}`;
}

const shuffle = <T>(random: () => number, values: T[]): T[] => {
  const copy = [...values];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
};

describe('concurrent approvals of one item', () => {
  it(`sends exactly one email per item over ${APPROVAL_TRIALS} trials of 2–10 concurrent approvals`, {
    // Each trial writes one item change per list the item is on (queues, counters, record banner, automations):
    // about three minutes on DynamoDB Local alone, more beside other test files.
    timeout: 600_000,
  }, async () => {
    const random = seededRandom(SEED);
    const plans = Array.from({ length: APPROVAL_TRIALS }, (_, index) => {
      const count = randomInt(random, 2, 10);
      return { index, approvers: Array.from({ length: count }, () => APPROVERS[randomInt(random, 0, 1)]!) };
    });
    const sesBefore = env.ses.counter.byCommand.SendEmail ?? 0;
    const requestsBefore = env.table.counter.total;
    const started = Date.now();

    const trials = await mapLimit(plans, PARALLEL_TRIALS, async (plan) => {
      const token = crypto.randomUUID();
      const itemId = await seedItemId(
        env.deps,
        uniqueProposal({ draft: { subject: `Approve race ${plan.index} [t:${token}]` } }),
      );
      const results = await Promise.allSettled(
        plan.approvers.map((approver) => approveItem(env.deps, callerOf(approver), itemId, {})),
      );
      const label = `trial ${plan.index} (${plan.approvers.length} approvals, seed ${SEED})`;
      const winners = fulfilled(results);
      if (winners.length !== 1) {
        const { item, history } = await stored(itemId);
        expect.fail(
          `${label}: ${winners.length} approvals succeeded; the others: ${rejected(results).map(describeError).join(' | ')}; ` +
            `item ${item.status} v${item.version}, history ${actions(history).join(',')}`,
        );
      }
      const winner = winners[0] as Approved;
      expect(winner.status, label).toBe('sent');
      expect(winner.decision?.messageId, label).toEqual(expect.any(String));
      for (const reason of rejected(results)) expectConflict(reason, ['sending', 'sent'], label);

      const { item: after, history } = await stored(itemId);
      expect(after.status, label).toBe('sent');
      expect(after.decision?.messageId, label).toBe(winner.decision?.messageId);
      expect(actions(history), label).toEqual(['created', 'approved', 'sent']);
      return { token, label, messageId: winner.decision?.messageId, losers: results.length - 1 };
    });
    const elapsed = Date.now() - started;
    const requests = env.table.counter.total - requestsBefore;

    const emails = await emailsByToken(trials.map((t) => t.token));
    for (const trial of trials) {
      const sent = emails.get(trial.token) ?? [];
      expect(
        sent.map((e) => e.messageId),
        `${trial.label}: emails in local SES`,
      ).toEqual([trial.messageId]);
    }
    const totalEmails = [...emails.values()].reduce((n, list) => n + list.length, 0);
    expect(totalEmails).toBe(APPROVAL_TRIALS);
    expect((env.ses.counter.byCommand.SendEmail ?? 0) - sesBefore).toBe(APPROVAL_TRIALS);
    const approvals = plans.reduce((n, p) => n + p.approvers.length, 0);
    console.info(
      `approve-concurrency: ${APPROVAL_TRIALS} trials, ${approvals} approvals, ` +
        `${trials.reduce((n, t) => n + t.losers, 0)} answered 409, ${totalEmails} emails in local SES, ` +
        `${requests} DynamoDB requests (with set-up and checks), ${elapsed} ms`,
    );
  });
});

/**
 * One call of a mix trial. The calls are launched in the plan's (shuffled) order, each after its own small
 * delay, so that over the trials every interleaving of the calls' requests comes up.
 */
type Call = {
  kind: 'approve' | 'dismiss' | 'edit' | 'replace';
  by: (typeof APPROVERS)[number];
  delayMs: number;
};

function planCalls(
  random: () => number,
  counts: Partial<Record<Call['kind'], [number, number]>>,
  maxDelayMs: Partial<Record<Call['kind'], number>> = {},
): Call[] {
  const calls: Call[] = [];
  for (const [kind, [min, max]] of Object.entries(counts) as [Call['kind'], [number, number]][]) {
    const count = randomInt(random, min, max);
    for (let i = 0; i < count; i++) {
      calls.push({
        kind,
        by: APPROVERS[randomInt(random, 0, 1)]!,
        delayMs: randomInt(random, 0, maxDelayMs[kind] ?? 0),
      });
    }
  }
  return shuffle(random, calls);
}

const delayed = <T>(ms: number, call: () => Promise<T>): Promise<T> =>
  ms === 0 ? call() : new Promise((resolve) => setTimeout(resolve, ms)).then(call);

describe('approve raced against other actions on the same item', () => {
  it(`lets exactly one of approve and dismiss win, over ${MIX_TRIALS} trials`, {
    timeout: 90_000,
  }, async () => {
    const random = seededRandom(SEED + 1);
    const plans = Array.from({ length: MIX_TRIALS }, (_, index) => ({
      index,
      calls: planCalls(random, { approve: [1, 3], dismiss: [1, 2] }, { approve: 20, dismiss: 20 }),
    }));
    const trials = await mapLimit(plans, PARALLEL_TRIALS, async (plan) => {
      const token = crypto.randomUUID();
      const itemId = await seedItemId(
        env.deps,
        uniqueProposal({ draft: { subject: `Approve vs dismiss ${plan.index} [t:${token}]` } }),
      );
      const results = await Promise.allSettled(
        plan.calls.map((call) =>
          delayed(call.delayMs, () =>
            call.kind === 'approve'
              ? approveItem(env.deps, callerOf(call.by), itemId, {})
              : dismissItem(env.deps, callerOf(call.by), itemId, { note: 'not needed' }),
          ),
        ),
      );
      const label = `approve/dismiss trial ${plan.index} (${plan.calls.map((c) => c.kind).join(',')}, seed ${SEED})`;
      const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [plan.calls[i]!.kind] : []));
      expect(won, label).toHaveLength(1);
      for (const reason of rejected(results)) expectConflict(reason, ['sending', 'sent', 'dismissed'], label);

      const { item, history } = await stored(itemId);
      if (won[0] === 'approve') {
        expect(item.status, label).toBe('sent');
        expect(actions(history), label).toEqual(['created', 'approved', 'sent']);
      } else {
        expect(item.status, label).toBe('dismissed');
        expect(item.decision?.action, label).toBe('dismissed');
        expect(actions(history), label).toEqual(['created', 'dismissed']);
      }
      return { token, label, winner: won[0], item, history };
    });

    const emails = await emailsByToken(trials.map((t) => t.token));
    for (const trial of trials) {
      const sent = emails.get(trial.token) ?? [];
      if (trial.winner === 'approve') {
        expect(
          sent.map((e) => e.messageId),
          trial.label,
        ).toEqual([trial.item.decision?.messageId]);
        expectEmailIsDraft(sent[0], approvedDraft(trial.history), trial.label);
      } else {
        expect(sent, `${trial.label}: a dismissed item sends nothing`).toEqual([]);
      }
    }
    const approvedWins = trials.filter((t) => t.winner === 'approve').length;
    console.info(
      `approve vs dismiss: ${MIX_TRIALS} trials, approve won ${approvedWins}, dismiss won ${MIX_TRIALS - approvedWins}`,
    );
    // The race went both ways (about 3:2 on this machine): otherwise the trials proved only one order.
    expect(approvedWins, 'trials approve won').toBeGreaterThan(0);
    expect(MIX_TRIALS - approvedWins, 'trials dismiss won').toBeGreaterThan(0);
  });

  it(`keeps approve and edit consistent: the email carries the edit only if the edit landed first, over ${MIX_TRIALS} trials`, {
    timeout: 90_000,
  }, async () => {
    const random = seededRandom(SEED + 2);
    const plans = Array.from({ length: MIX_TRIALS }, (_, index) => ({
      index,
      // Half the trials approve with the version the reviewer saw (1), half without a version.
      versioned: random() < 0.5,
      calls: planCalls(random, { approve: [1, 2], edit: [1, 1] }, { approve: 40, edit: 20 }),
    }));
    const outcomes = { editThenApprove: 0, approveWon: 0, editWon: 0 };
    const trials = await mapLimit(plans, PARALLEL_TRIALS, async (plan) => {
      const token = crypto.randomUUID();
      const subject = `Approve vs edit ${plan.index} [t:${token}]`;
      const itemId = await seedItemId(env.deps, uniqueProposal({ draft: { subject } }));
      const edit = { subject: `${subject} edited`, bodyText: `Edited body ${token}` };
      const results = await Promise.allSettled(
        plan.calls.map((call) =>
          delayed(call.delayMs, () =>
            call.kind === 'approve'
              ? approveItem(env.deps, callerOf(call.by), itemId, plan.versioned ? { version: 1 } : {})
              : editItem(env.deps, callerOf(call.by), itemId, { version: 1, draft: edit }),
          ),
        ),
      );
      const label = `approve/edit trial ${plan.index} (${plan.calls.map((c) => c.kind).join(',')}${plan.versioned ? ', versioned' : ''}, seed ${SEED})`;
      const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [plan.calls[i]!.kind] : []));
      const approved = won.filter((k) => k === 'approve').length;
      const edited = won.includes('edit');
      expect(approved, `${label}: at most one approval sends`).toBeLessThanOrEqual(1);
      expect(approved + (edited ? 1 : 0), `${label}: someone wins`).toBeGreaterThanOrEqual(1);
      // With the version the reviewer saw, whatever comes second gets 409 (spec 3): exactly one winner.
      if (plan.versioned) expect(won, label).toHaveLength(1);
      for (const reason of rejected(results)) expectConflict(reason, ['pending', 'sending', 'sent'], label);

      const { item, history } = await stored(itemId);
      if (approved === 1 && edited) {
        outcomes.editThenApprove += 1;
        expect(actions(history), label).toEqual(['created', 'edited', 'approved', 'sent']);
        expect(approvedDraft(history)?.subject, label).toBe(edit.subject);
        expect(item.status, label).toBe('sent');
      } else if (approved === 1) {
        outcomes.approveWon += 1;
        expect(actions(history), label).toEqual(['created', 'approved', 'sent']);
        expect(approvedDraft(history)?.subject, label).toBe(subject);
        expect(item.status, label).toBe('sent');
      } else {
        outcomes.editWon += 1;
        expect(actions(history), label).toEqual(['created', 'edited']);
        expect(item).toMatchObject({
          status: 'pending',
          version: 2,
          edited: true,
          draft: { subject: edit.subject },
        });
      }
      return { token, label, approved, item, history };
    });

    const emails = await emailsByToken(trials.map((t) => t.token));
    for (const trial of trials) {
      const sent = emails.get(trial.token) ?? [];
      if (trial.approved === 1) {
        expect(
          sent.map((e) => e.messageId),
          trial.label,
        ).toEqual([trial.item.decision?.messageId]);
        expectEmailIsDraft(sent[0], approvedDraft(trial.history), trial.label);
      } else {
        expect(sent, `${trial.label}: the approval lost, nothing is sent`).toEqual([]);
      }
    }
    console.info(`approve vs edit: ${MIX_TRIALS} trials, ${JSON.stringify(outcomes)}`);
    // Both winners came up (about 72 approvals and 123 edits won of 200 here). An unversioned approval may also land
    // after the edit (a handful of trials); too rare to demand in every run, and checked above whenever it happens.
    expect(outcomes.approveWon, 'trials the approval won').toBeGreaterThan(0);
    expect(outcomes.editWon, 'trials the edit won').toBeGreaterThan(0);
  });

  it(`keeps approve and a replacing proposal consistent: one email, of the draft approved, over ${MIX_TRIALS} trials`, {
    timeout: 90_000,
  }, async () => {
    const random = seededRandom(SEED + 3);
    const plans = Array.from({ length: MIX_TRIALS }, (_, index) => ({
      index,
      // Ingesting takes more round trips than approving: the approvals start up to 150 ms later.
      calls: planCalls(random, { approve: [1, 3], replace: [1, 1] }, { approve: 150 }),
    }));
    const outcomes = { replacedThenApproved: 0, replacedApproveLost: 0, approvedNewItem: 0 };
    const trials = await mapLimit(plans, PARALLEL_TRIALS, async (plan) => {
      const token = crypto.randomUUID();
      const subject = `Approve vs replace ${plan.index} [t:${token}]`;
      const first = uniqueProposal({ draft: { subject } });
      const itemId = await seedItemId(env.deps, first);
      const replacement = uniqueProposal({
        dedupKey: first.dedupKey,
        proposedAt: new Date(Date.parse(first.proposedAt) + 1_000).toISOString(),
        run: { id: `run_replacement_${plan.index}` },
        draft: { subject: `${subject} v2`, bodyText: `Replacement body ${token}` },
      });
      const results = await Promise.allSettled(
        plan.calls.map((call) =>
          delayed(
            call.delayMs,
            (): Promise<Approved | IngestOutcome> =>
              call.kind === 'approve'
                ? approveItem(env.deps, callerOf(call.by), itemId, {})
                : ingestProposal(env.deps, replacement),
          ),
        ),
      );
      const label = `approve/replace trial ${plan.index} (${plan.calls.map((c) => c.kind).join(',')}, seed ${SEED})`;
      const ingested = results[plan.calls.findIndex((c) => c.kind === 'replace')]!;
      expect(
        ingested.status === 'rejected' ? String(ingested.reason) : 'ingested',
        `${label}: the proposal is taken in`,
      ).toBe('ingested');
      const outcome = (ingested as PromiseFulfilledResult<IngestOutcome>).value;
      const approvals = results.filter((_, i) => plan.calls[i]!.kind === 'approve');
      const approved = fulfilled(approvals) as Approved[];
      expect(approved.length, `${label}: at most one approval sends`).toBeLessThanOrEqual(1);
      for (const reason of rejected(approvals)) expectConflict(reason, ['pending', 'sending', 'sent'], label);

      const { item, history } = await stored(itemId);
      if (outcome.outcome === 'replaced') {
        expect(outcome.itemId, label).toBe(itemId);
        if (approved.length === 1) {
          outcomes.replacedThenApproved += 1;
          expect(actions(history), label).toEqual(['created', 'replaced', 'approved', 'sent']);
          expect(approvedDraft(history)?.subject, label).toBe(`${subject} v2`);
          expect(item.status, label).toBe('sent');
        } else {
          outcomes.replacedApproveLost += 1;
          expect(actions(history), label).toEqual(['created', 'replaced']);
          expect(item).toMatchObject({
            status: 'pending',
            version: 2,
            holdsKey: true,
            draft: { subject: `${subject} v2` },
          });
        }
      } else {
        // The claim released the dedup key first: the proposal is a new item, the approval sent the first draft.
        expect(outcome.outcome, label).toBe('created');
        outcomes.approvedNewItem += 1;
        expect(approved, `${label}: a new item means the approval won`).toHaveLength(1);
        expect(actions(history), label).toEqual(['created', 'approved', 'sent']);
        expect(approvedDraft(history)?.subject, label).toBe(subject);
        const created = outcome as { itemId: string };
        expect(created.itemId, label).not.toBe(itemId);
        const fresh = await env.deps.store.getItem(RUN_USER.workspaceId, created.itemId);
        expect(fresh, label).toMatchObject({
          status: 'pending',
          version: 1,
          holdsKey: true,
          draft: { subject: `${subject} v2` },
        });
      }
      // Exactly one open item holds the key, whichever way the race went.
      const head = await env.deps.store.getHead(RUN_USER.workspaceId, item.dedupHash);
      const open = outcome.outcome === 'created' ? outcome.itemId : itemId;
      if (item.status === 'pending' || outcome.outcome === 'created')
        expect(head, label).toMatchObject({ itemId: open, open: true });
      else expect(head, label).toMatchObject({ itemId, open: false });
      return { token, label, approved: approved.length, item, history };
    });

    const emails = await emailsByToken(trials.map((t) => t.token));
    for (const trial of trials) {
      const sent = emails.get(trial.token) ?? [];
      if (trial.approved === 1) {
        expect(
          sent.map((e) => e.messageId),
          trial.label,
        ).toEqual([trial.item.decision?.messageId]);
        expectEmailIsDraft(sent[0], approvedDraft(trial.history), trial.label);
      } else {
        expect(sent, `${trial.label}: the approval lost, nothing is sent`).toEqual([]);
      }
    }
    console.info(`approve vs replacing proposal: ${MIX_TRIALS} trials, ${JSON.stringify(outcomes)}`);
    // Both sides won some trials: an approval sent (of either draft) and a replacement the approval lost to.
    expect(
      outcomes.replacedThenApproved + outcomes.approvedNewItem,
      'trials an approval sent',
    ).toBeGreaterThan(0);
    expect(outcomes.replacedApproveLost, 'trials the approval lost to the replacement').toBeGreaterThan(0);
  });
});
