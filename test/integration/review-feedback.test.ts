/**
 * Review feedback (docs/review-feedback.md) against a recount from the items' histories, on DynamoDB Local and the
 * local SES: a seeded random sequence of proposals under two automation versions (new and replacing), edits,
 * dismissals with reasons and notes, approvals with a real SesMailer, stale marks and resolutions through the
 * webhook use case; then every version's counters, rates and the latest notes, for an admin and for members who may
 * see different runs.
 *
 * The recount knows nothing of the counters: it walks each item's history and attributes every change to the run
 * that proposed the draft at the time (the entry's `runId`; the test logged each run's scope and version), diffs
 * each edited draft against the draft before it, and keeps the runs the viewer may see (`canSee`).
 * Set FEEDBACK_SEED to replay a sequence.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutedAs } from '../../shared/domain/primitives.js';
import type { HistoryEntry, Member } from '../../shared/domain/review-item.js';
import { canSee } from '../../shared/domain/routing.js';
import { clopperPearsonUpper, DEFAULT_TRUST } from '../../shared/domain/trust.js';
import type { EmailDraft } from '../../shared/drafts/email/schema.js';
import { textChangeRatio } from '../../shared/drafts/text-change.js';
import { approveItem, dismissItem, editItem } from '../../shared/use-cases/decide.js';
import { ingestProposal } from '../../shared/use-cases/ingest-proposal.js';
import { resolveFromWebhook } from '../../shared/use-cases/resolve-from-webhook.js';
import { type ReviewFeedback, reviewFeedback } from '../../shared/use-cases/review-feedback.js';
import { member, proposal } from '../fixtures/index.js';
import {
  callerOf,
  createItemEnv,
  type ItemEnv,
  randomInt,
  seededRandom,
  seedMembers,
  uniqueSubject,
} from '../support/items.js';

const SEED = Number(process.env.FEEDBACK_SEED ?? Math.floor(Math.random() * 2 ** 31));
const STEPS = Number(process.env.FEEDBACK_STEPS ?? 140);
const WS = 'ws_feedback';
const AUTOMATION = 'auto_renewal';
const VERSIONS = ['v6', 'v7', undefined] as const;
const STEP_IDS = ['step_draft', 'step:follow up'] as const;
const REASONS = ['not_needed', 'wrong_recipient', 'tone', 'incorrect', undefined] as const;
const mailboxOf = (userId: string) => `${userId.slice(2)}@acme-feedback.test`;

const ADMIN = member({
  workspaceId: WS,
  userId: 'u_admin',
  role: 'admin',
  mailboxes: ['alice', 'bob', 'robot'].map((u) => mailboxOf(`u_${u}`)),
});
const ALICE = member({
  workspaceId: WS,
  userId: 'u_alice',
  role: 'member',
  mailboxes: [mailboxOf('u_alice')],
});
const BOB = member({ workspaceId: WS, userId: 'u_bob', role: 'member', mailboxes: [mailboxOf('u_bob')] });
const CAROL = member({ workspaceId: WS, userId: 'u_carol', role: 'member', mailboxes: [] });
const VIEWERS = [ADMIN, ALICE, BOB, CAROL];

const SCOPES: ExecutedAs[] = [
  { kind: 'workspace' },
  { kind: 'user', userId: 'u_alice' },
  { kind: 'user', userId: 'u_bob' },
];

let env: ItemEnv;

beforeAll(async () => {
  console.info(`review-feedback: seed ${SEED} (replay with FEEDBACK_SEED=${SEED})`);
  env = await createItemEnv({ prefix: 'feedback', tallies: true });
  await seedMembers(env.deps, VIEWERS);
});
afterAll(async () => {
  await env?.table.drop();
  env?.ses.client.destroy();
});

interface Open {
  itemId: string;
  dedupKey: string;
  executedAs: ExecutedAs;
  threadId: string;
  from: string;
  version: number;
  stepId: string;
}

const pick = <T>(random: () => number, values: readonly T[]): T =>
  values[randomInt(random, 0, values.length - 1)] as T;

describe('review feedback', () => {
  it('equals a recount from the histories, per version, for an admin and for members', {
    timeout: 300_000,
  }, async () => {
    const random = seededRandom(SEED);
    const runs = new Map<string, { executedAs: ExecutedAs; version: string | undefined; stepId: string }>();
    const open: Open[] = [];
    const items = new Set<string>();
    const t0 = Date.now() - 3_600_000;
    let n = 0;

    const propose = async (target?: Open) => {
      n += 1;
      const executedAs = target?.executedAs ?? pick(random, SCOPES);
      const version = pick(random, VERSIONS);
      const runId = `run_${SEED}_${n}`;
      const stepId = target?.stepId ?? pick(random, STEP_IDS);
      runs.set(runId, { executedAs, version, stepId });
      const from = executedAs.kind === 'user' ? mailboxOf(executedAs.userId) : mailboxOf('u_robot');
      const threadId = target?.threadId ?? `thread_${SEED}_${n}`;
      const dedupKey = target?.dedupKey ?? `fb_${SEED}_${n}`;
      const outcome = await ingestProposal(
        env.deps,
        proposal({
          workspaceId: WS,
          dedupKey,
          proposedAt: new Date(t0 + n * 1_000).toISOString(),
          run: {
            id: runId,
            stepId,
            automationId: AUTOMATION,
            executedAs,
            ...(version ? { automationVersion: version } : {}),
          },
          relatedRecords: [],
          draft: {
            from,
            to: ['carol@globex.test'],
            cc: [],
            bcc: [],
            threadId,
            subject: uniqueSubject('Renewal'),
            bodyText: 'Hi Carol, shall we talk about the renewal next week? Best, the team',
          },
        }),
      );
      if (outcome.outcome === 'created') {
        items.add(outcome.itemId);
        open.push({ itemId: outcome.itemId, dedupKey, executedAs, threadId, from, version: 1, stepId });
      } else if (outcome.outcome === 'replaced' && target) {
        target.version = outcome.version;
      } else throw new Error(`unexpected ${JSON.stringify(outcome)}`);
    };
    const current = async (target: Open) => {
      const item = await env.deps.store.getItem(WS, target.itemId);
      if (!item) throw new Error('gone');
      target.version = item.version;
      return item;
    };
    const close = (target: Open) => open.splice(open.indexOf(target), 1);

    for (let step = 0; step < STEPS; step++) {
      const roll = random();
      const target = open.length > 0 ? pick(random, open) : undefined;
      if (!target || roll < 0.25) {
        await propose();
      } else if (roll < 0.35) {
        await propose(target);
      } else if (roll < 0.55) {
        const item = await current(target);
        const draft = item.draft as EmailDraft;
        const kind = randomInt(random, 0, 3);
        const edit =
          kind === 0
            ? { subject: `${draft.subject} (edited)` }
            : kind === 1
              ? { to: [...draft.to, `x${step}@globex.test`], cc: ['cc@globex.test'] }
              : kind === 2
                ? { bodyText: `${draft.bodyText} P.S. ${'more '.repeat(randomInt(random, 1, 5))}` }
                : { to: ['dan@globex.test'], bodyText: 'Short.' };
        await editItem(env.deps, callerOf(ADMIN), target.itemId, { version: item.version, draft: edit });
      } else if (roll < 0.7) {
        await current(target);
        const reason = pick(random, REASONS);
        const note = random() < 0.6 ? `note ${step}` : undefined;
        await dismissItem(env.deps, callerOf(ADMIN), target.itemId, {
          ...(reason ? { reason } : {}),
          ...(note ? { note } : {}),
        });
        close(target);
      } else if (roll < 0.82) {
        await approveItem(env.deps, callerOf(ADMIN), target.itemId, { acknowledgeStale: true });
        close(target);
      } else if (roll < 0.94) {
        await resolveFromWebhook(env.deps, `msg_${SEED}_${step}`, {
          type: 'message.received',
          workspaceId: WS,
          mailbox: target.from,
          from: 'carol@globex.test',
          messageId: `<${step}@globex.test>`,
          threadId: target.threadId,
          to: [target.from],
          occurredAt: new Date().toISOString(),
        });
      } else {
        const answer = await resolveFromWebhook(env.deps, `msg_${SEED}_${step}`, {
          type: 'message.sent',
          workspaceId: WS,
          mailbox: target.from,
          messageId: `<${step}@acme.test>`,
          threadId: target.threadId,
          to: ['carol@globex.test'],
          occurredAt: new Date().toISOString(),
        });
        expect(answer.resolved).toBe(1);
        close(target);
      }
    }

    const histories = new Map<string, HistoryEntry[]>();
    for (const itemId of items) histories.set(itemId, await env.deps.store.getHistory(WS, itemId));

    for (const viewer of VIEWERS) {
      const asMember: Member = { ...viewer, mailboxes: viewer.mailboxes, changedAt: viewer.changedAt };
      const expected = recount(histories, runs, asMember);
      const answer = await reviewFeedback(env.deps, callerOf(viewer), AUTOMATION);
      expect(comparable(answer), `${viewer.userId} (seed ${SEED})`).toEqual(expected);
      const noted = [...histories.values()].flat().filter((h) => h.action === 'dismissed' && h.detail?.note);
      console.info(
        `review-feedback: ${viewer.userId} sees ${answer.versions.length} versions, ` +
          `${answer.versions.reduce((s, v) => s + v.proposals, 0)} proposals, ` +
          `${answer.latestDismissNotes.length} of ${noted.length} notes`,
      );
    }
    // The members see different runs: their answers differ from the admin's (the sequence is long enough).
    const all = comparable(await reviewFeedback(env.deps, callerOf(ADMIN), AUTOMATION));
    const carol = comparable(await reviewFeedback(env.deps, callerOf(CAROL), AUTOMATION));
    expect(carol).not.toEqual(all);
    // The sequence exercised every counter the recount checks (else equality would prove little).
    const versions = Object.values(all.versions);
    expect(versions.length).toBeGreaterThanOrEqual(2);
    for (const counter of ['created', 'replaced', 'approvedAsProposed', 'dismissed', 'stale'] as const)
      expect(
        versions.reduce((sum, v) => sum + v[counter], 0),
        counter,
      ).toBeGreaterThan(0);
    expect(versions.reduce((sum, v) => sum + v.edits.bodyEdits + v.edits.addressesAdded, 0)).toBeGreaterThan(
      0,
    );
    expect(all.notes.length).toBeGreaterThan(0);
    // Trust: decisions of both steps, some needing a human and some not.
    const steps = versions.flatMap((v) => v.steps);
    expect(new Set(steps.map((s) => s.stepId)).size).toBe(STEP_IDS.length);
    expect(steps.reduce((sum, s) => sum + s.neededHuman, 0)).toBeGreaterThan(0);
    expect(steps.reduce((sum, s) => sum + s.decisions - s.neededHuman, 0)).toBeGreaterThan(0);
  });
});

/** The answer without times, rounded like the recount. */
function comparable(answer: ReviewFeedback) {
  return {
    versions: Object.fromEntries(
      answer.versions.map((v) => [
        String(v.automationVersion),
        {
          created: v.created,
          replaced: v.replaced,
          approvedAsProposed: v.approvedAsProposed,
          approvedAfterEdits: v.approvedAfterEdits,
          dismissed: v.dismissed,
          resolved: v.resolved,
          stale: v.stale,
          approvalRate: v.approvalRate,
          dismissReasons: v.dismissReasons,
          edits: { ...v.edits, meanBodyChangeRatio: roundTo(v.edits.meanBodyChangeRatio) },
          steps: v.steps,
        },
      ]),
    ),
    notes: answer.latestDismissNotes.map((note) => [
      note.itemId,
      note.automationVersion,
      note.reason,
      note.note,
    ]),
  };
}

const roundTo = (value: number | null) => (value === null ? null : Math.round(value * 100) / 100);

function recount(
  histories: Map<string, HistoryEntry[]>,
  runs: Map<string, { executedAs: ExecutedAs; version: string | undefined; stepId: string }>,
  viewer: Member,
) {
  type Counts = {
    created: number;
    replaced: number;
    approvedAsProposed: number;
    approvedAfterEdits: number;
    dismissed: number;
    resolved: number;
    stale: number;
    reasons: Record<string, number>;
    edits: number;
    fields: Record<string, number>;
    addressesAdded: number;
    addressesRemoved: number;
    subjectChanged: number;
    bodyEdits: number;
    bodySum: number;
    steps: Record<string, { decisions: number; neededHuman: number; dismissed: number }>;
  };
  const byVersion = new Map<string, Counts>();
  const notes: { itemId: string; at: string; version: string | null; reason: string | null; note: string }[] =
    [];
  const counts = (version: string | undefined) => {
    const key = String(version ?? null);
    let c = byVersion.get(key);
    if (!c) {
      c = {
        created: 0,
        replaced: 0,
        approvedAsProposed: 0,
        approvedAfterEdits: 0,
        dismissed: 0,
        resolved: 0,
        stale: 0,
        reasons: {},
        edits: 0,
        fields: {},
        addressesAdded: 0,
        addressesRemoved: 0,
        subjectChanged: 0,
        bodyEdits: 0,
        bodySum: 0,
        steps: {},
      };
      byVersion.set(key, c);
    }
    return c;
  };
  for (const [itemId, history] of histories) {
    let previous: EmailDraft | undefined;
    let editedSinceProposal = false;
    for (const entry of history) {
      const run = runs.get(entry.runId);
      if (!run) throw new Error(`unknown run ${entry.runId}`);
      if (!canSee(viewer, { workspaceId: WS, origin: { executedAs: run.executedAs } })) continue;
      const c = counts(run.version);
      c.steps[run.stepId] ??= { decisions: 0, neededHuman: 0, dismissed: 0 };
      const step = c.steps[run.stepId] as { decisions: number; neededHuman: number; dismissed: number };
      switch (entry.action) {
        case 'created':
        case 'replaced':
          c[entry.action] += 1;
          editedSinceProposal = false;
          break;
        case 'edited': {
          const before = previous as EmailDraft;
          const after = entry.draft as EmailDraft;
          c.edits += 1;
          for (const field of ['to', 'cc', 'bcc', 'subject', 'bodyText', 'bodyHtml'] as const)
            if (JSON.stringify(before[field]) !== JSON.stringify(after[field]))
              c.fields[field] = (c.fields[field] ?? 0) + 1;
          const was = new Set([...before.to, ...before.cc, ...before.bcc]);
          const now = new Set([...after.to, ...after.cc, ...after.bcc]);
          c.addressesAdded += [...now].filter((a) => !was.has(a)).length;
          c.addressesRemoved += [...was].filter((a) => !now.has(a)).length;
          if (before.subject !== after.subject) c.subjectChanged += 1;
          if (before.bodyText !== after.bodyText) {
            c.bodyEdits += 1;
            c.bodySum += textChangeRatio(before.bodyText, after.bodyText);
          }
          editedSinceProposal = true;
          break;
        }
        case 'sent':
          if (editedSinceProposal) c.approvedAfterEdits += 1;
          else c.approvedAsProposed += 1;
          step.decisions += 1;
          if (editedSinceProposal) step.neededHuman += 1;
          break;
        case 'dismissed': {
          c.dismissed += 1;
          step.decisions += 1;
          step.neededHuman += 1;
          step.dismissed += 1;
          const reason = entry.detail?.reason ?? 'none';
          c.reasons[reason] = (c.reasons[reason] ?? 0) + 1;
          if (entry.detail?.note)
            notes.push({
              itemId,
              at: entry.at,
              version: run.version ?? null,
              reason: entry.detail.reason ?? null,
              note: entry.detail.note,
            });
          break;
        }
        case 'resolved':
          c.resolved += 1;
          break;
        case 'marked_stale':
          c.stale += 1;
          break;
      }
      if (entry.draft) previous = entry.draft as EmailDraft;
    }
  }
  const versions = Object.fromEntries(
    [...byVersion.entries()].map(([version, c]) => {
      const approved = c.approvedAsProposed + c.approvedAfterEdits;
      const decided = approved + c.dismissed + c.resolved;
      return [
        version,
        {
          created: c.created,
          replaced: c.replaced,
          approvedAsProposed: c.approvedAsProposed,
          approvedAfterEdits: c.approvedAfterEdits,
          dismissed: c.dismissed,
          resolved: c.resolved,
          stale: c.stale,
          approvalRate: decided > 0 ? Math.round((approved / decided) * 1000) / 1000 : null,
          dismissReasons: Object.fromEntries(
            Object.entries(c.reasons).sort(([a], [b]) => a.localeCompare(b)),
          ),
          edits: {
            count: c.edits,
            fields: Object.fromEntries(Object.entries(c.fields).sort(([a], [b]) => a.localeCompare(b))),
            addressesAdded: c.addressesAdded,
            addressesRemoved: c.addressesRemoved,
            subjectChanged: c.subjectChanged,
            bodyEdits: c.bodyEdits,
            // The route answers ratios to 3 decimals; both sides are then compared to 2.
            meanBodyChangeRatio:
              c.bodyEdits > 0 ? roundTo(Math.round((c.bodySum / c.bodyEdits) * 1000) / 1000) : null,
            changesEdited: 0,
            changesLeftOut: 0,
          },
          // Every item is an email; the bound from the counts (clopperPearsonUpper is checked in unit tests).
          steps: Object.entries(c.steps)
            .filter(([, s]) => s.decisions > 0)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([stepId, s]) => {
              const upperBound =
                Math.round(clopperPearsonUpper(s.neededHuman, s.decisions) * 10_000) / 10_000;
              return {
                stepId,
                draftType: 'email',
                dismissed: s.dismissed,
                decisions: s.decisions,
                neededHuman: s.neededHuman,
                neededHumanRate: Math.round((s.neededHuman / s.decisions) * 10_000) / 10_000,
                upperBound,
                recommendation:
                  s.decisions >= DEFAULT_TRUST.minDecisions &&
                  clopperPearsonUpper(s.neededHuman, s.decisions) <= DEFAULT_TRUST.maxHumanRate
                    ? 'apply_directly'
                    : 'keep_reviewing',
              };
            }),
        },
      ];
    }),
  );
  notes.sort((a, b) => (a.at === b.at ? b.itemId.localeCompare(a.itemId) : b.at.localeCompare(a.at)));
  return {
    versions,
    notes: notes.slice(0, 10).map((note) => [note.itemId, note.version, note.reason, note.note]),
  };
}
