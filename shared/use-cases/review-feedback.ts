/**
 * Review feedback per automation version (docs/review-feedback.md): what reviewers did with an automation's drafts,
 * split by `automationVersion`, so a person or the agent can see what reviewers keep changing or rejecting and
 * whether a new version did better (spec 3, Feedback).
 *
 * The counters are kept with every item change (shared/store/item-change.ts, entities/automation-feedback.ts), one
 * row per (version, visibility scope); a caller sums exactly the rows of the scopes whose runs they may see, decided
 * by `canSee` on the scope's run, as review-stats does: an admin every scope, a member workspace runs and their own.
 * Dismiss notes are read from the caller's scopes' partitions only (an admin's `all`), so no note of a run the caller
 * may not see is ever read into the answer.
 *
 * Requests: the caller's membership, then the counter rows, the latest notes and the workspace's settings (its trust
 * thresholds) in parallel (4 for an admin, 5 for a member while the rows fit in one page).
 */
import { canSee, executedAsOfScope } from '../domain/routing.js';
import { type TrustFigures, type TrustSettings, trustFigures } from '../domain/trust.js';
import type { Caller } from '../http/request.js';
import {
  type DismissNote,
  type FeedbackCounter,
  FIELD_PREFIX,
  REASON_PREFIX,
  stepOfTrustPart,
  TRUST_DECISIONS_PREFIX,
  TRUST_DISMISSED_PREFIX,
  TRUST_HUMAN_PREFIX,
} from './ports.js';
import { type ReadDeps, scopesOf } from './read-items.js';

export const LATEST_NOTES = 10;

export interface VersionFeedback {
  automationVersion: string | null;
  firstSeenAt: string | null;
  lastSeenAt: string | null;
  proposals: number;
  created: number;
  replaced: number;
  decided: number;
  approved: number;
  approvedAsProposed: number;
  approvedAfterEdits: number;
  dismissed: number;
  resolved: number;
  expired: number;
  stale: number;
  approvalRate: number | null;
  approvedWithoutEditsRate: number | null;
  dismissRate: number | null;
  staleRate: number | null;
  resolvedRate: number | null;
  expiredRate: number | null;
  dismissReasons: Record<string, number>;
  edits: {
    count: number;
    fields: Record<string, number>;
    addressesAdded: number;
    addressesRemoved: number;
    subjectChanged: number;
    bodyEdits: number;
    meanBodyChangeRatio: number | null;
    changesEdited: number;
    changesLeftOut: number;
  };
  /** Per step and draft type: how often a draft needed a human, its proven bound and the recommendation. */
  steps: StepTrust[];
}

/** `dismissed` of `neededHuman`; the rest were approved after edits or in part. */
export type StepTrust = { stepId: string; draftType: string; dismissed: number } & TrustFigures;

export interface ReviewFeedback {
  automationId: string;
  automationName: string | null;
  versions: VersionFeedback[];
  latestDismissNotes: DismissNote[];
}

export async function reviewFeedback(
  deps: ReadDeps,
  caller: Caller,
  automationId: string,
): Promise<ReviewFeedback> {
  const { workspaceId } = caller;
  const member = await deps.store.getMember(workspaceId, caller.userId);
  if (!member?.active) return { automationId, automationName: null, versions: [], latestDismissNotes: [] };
  const [rows, notes, settings] = await Promise.all([
    deps.store.feedback(workspaceId, automationId),
    deps.store.dismissNotes(workspaceId, automationId, scopesOf(member), LATEST_NOTES),
    deps.store.getSettings(workspaceId),
  ]);
  const { trust } = settings;
  const visible = rows.filter((row) => {
    const executedAs = executedAsOfScope(row.scope);
    return executedAs !== undefined && canSee(member, { workspaceId, origin: { executedAs } });
  });

  const byVersion = new Map<string | null, typeof visible>();
  for (const row of visible)
    byVersion.set(row.automationVersion, [...(byVersion.get(row.automationVersion) ?? []), row]);
  const versions = [...byVersion.entries()].map(([version, versionRows]) =>
    versionFeedback(version, versionRows, trust),
  );
  // Oldest version first (by when it first proposed): the last is the newest.
  versions.sort(
    (a, b) =>
      (a.firstSeenAt ?? '').localeCompare(b.firstSeenAt ?? '') ||
      (a.automationVersion ?? '').localeCompare(b.automationVersion ?? ''),
  );
  const named =
    visible
      .filter((r) => r.automationName)
      .sort((a, b) => (b.lastAt ?? '').localeCompare(a.lastAt ?? ''))[0] ?? undefined;
  return {
    automationId,
    automationName: named?.automationName ?? null,
    versions,
    latestDismissNotes: notes
      .filter((note) => {
        const executedAs = executedAsOfScope(note.scope);
        return executedAs !== undefined && canSee(member, { workspaceId, origin: { executedAs } });
      })
      .map(({ scope: _scope, ...note }) => note),
  };
}

function versionFeedback(
  automationVersion: string | null,
  rows: { counts: Record<string, number>; firstAt?: string; lastAt?: string }[],
  trust: TrustSettings,
): VersionFeedback {
  const sum: Record<string, number> = {};
  for (const row of rows)
    for (const [name, value] of Object.entries(row.counts)) sum[name] = (sum[name] ?? 0) + value;
  const c = (name: FeedbackCounter) => sum[name] ?? 0;
  const prefixed = (prefix: string) =>
    Object.fromEntries(
      Object.entries(sum)
        .filter(([name, value]) => name.startsWith(prefix) && value !== 0)
        .map(([name, value]) => [name.slice(prefix.length), value])
        .sort(([a], [b]) => String(a).localeCompare(String(b))),
    );
  const approved = c('approvedAsProposed') + c('approvedAfterEdits');
  const decided = approved + c('dismissed') + c('resolved') + c('expired');
  const proposals = c('proposed') + c('replaced');
  const firsts = rows.flatMap((r) => (r.firstAt ? [r.firstAt] : [])).sort();
  const lasts = rows.flatMap((r) => (r.lastAt ? [r.lastAt] : [])).sort();
  return {
    automationVersion,
    firstSeenAt: firsts[0] ?? null,
    lastSeenAt: lasts.at(-1) ?? null,
    proposals,
    created: c('proposed'),
    replaced: c('replaced'),
    decided,
    approved,
    approvedAsProposed: c('approvedAsProposed'),
    approvedAfterEdits: c('approvedAfterEdits'),
    dismissed: c('dismissed'),
    resolved: c('resolved'),
    expired: c('expired'),
    stale: c('stale'),
    approvalRate: rate(approved, decided),
    approvedWithoutEditsRate: rate(c('approvedAsProposed'), approved),
    dismissRate: rate(c('dismissed'), decided),
    staleRate: rate(c('stale'), proposals),
    resolvedRate: rate(c('resolved'), decided),
    expiredRate: rate(c('expired'), decided),
    dismissReasons: prefixed(REASON_PREFIX),
    edits: {
      count: c('edits'),
      fields: prefixed(FIELD_PREFIX),
      addressesAdded: c('addressesAdded'),
      addressesRemoved: c('addressesRemoved'),
      subjectChanged: c('subjectChanged'),
      bodyEdits: c('bodyEdits'),
      meanBodyChangeRatio: c('bodyEdits') > 0 ? round(c('bodyChangeRatioSum') / c('bodyEdits')) : null,
      changesEdited: c('changesEdited'),
      changesLeftOut: c('changesLeftOut'),
    },
    steps: stepsTrust(sum, trust),
  };
}

/** The trust figures of every step and draft type the summed counters hold, by step then type. */
export function stepsTrust(sum: Record<string, number>, trust: TrustSettings): StepTrust[] {
  return Object.entries(sum)
    .filter(([name]) => name.startsWith(TRUST_DECISIONS_PREFIX))
    .map(([name, decisions]) => {
      const part = name.slice(TRUST_DECISIONS_PREFIX.length);
      const { stepId, draftType } = stepOfTrustPart(part);
      return {
        stepId,
        draftType,
        dismissed: sum[`${TRUST_DISMISSED_PREFIX}${part}`] ?? 0,
        ...trustFigures(decisions, sum[`${TRUST_HUMAN_PREFIX}${part}`] ?? 0, trust),
      };
    })
    .filter((step) => step.decisions > 0)
    .sort((a, b) => a.stepId.localeCompare(b.stepId) || a.draftType.localeCompare(b.draftType));
}

const rate = (part: number, whole: number): number | null => (whole > 0 ? round(part / whole) : null);
const round = (value: number) => Math.round(value * 1000) / 1000;
