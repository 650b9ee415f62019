/**
 * `AutomationFeedback` and `DismissNote` records: an automation's review feedback (docs/review-feedback.md), derived
 * from every item change (shared/store/item-change.ts) and counted from its tally (tally.ts), split by `automationVersion` and, like
 * the review stats, by visibility scope (`workspace`, or `user#<id>` for runs executed as that user), so a member's
 * feedback is summed from exactly the scopes they may see.
 *
 * - counters: one row per (version, scope) in the automation's feedback partition: fixed counters, plus one
 *   attribute per field edited (`field:<name>`) and per dismiss reason (`reason:<code>`);
 * - dismiss notes: each note twice, in its scope's notes partition and in the automation's `all` partition, newest
 *   first, so an admin reads the latest notes in one Query and a member in two (workspace runs, their own).
 */
import * as z from 'zod/mini';
import type { DismissReason, HistoryEntry, ReviewItem } from '../../domain/review-item.js';
import { scopeOf } from '../../domain/routing.js';
import type { DraftDiff } from '../../drafts/kind.js';
import {
  type DismissNote,
  FEEDBACK_COUNTERS,
  type FeedbackCounter,
  type FeedbackRow,
  FIELD_PREFIX,
  REASON_PREFIX,
  TRUST_DECISIONS_PREFIX,
  TRUST_DISMISSED_PREFIX,
  TRUST_HUMAN_PREFIX,
  trustPart,
} from '../../use-cases/ports.js';
import { escapeKeySegment, tenant } from '../key-parts.js';
import type { Attributes, TableKey } from '../table.js';
import { parseRecord } from './record-schemas.js';
import type { CounterWrite } from './tally.js';

export const FEEDBACK_ENTITY = 'AutomationFeedback';
export const NOTE_ENTITY = 'DismissNote';

/** A dismissal without a reason code. */
export const NO_REASON = 'none';

export interface FeedbackChange {
  automationId: string;
  automationName?: string;
  automationVersion?: string;
  scope: string;
  at: string;
  add: Partial<Record<FeedbackCounter, number>>;
  /** Edits per field, dismissals per reason. */
  fields?: string[];
  reason?: DismissReason | typeof NO_REASON;
  note?: DismissNote;
  /** A decision (approved or dismissed) of the step's draft, and whether it needed a human (spec 3, "Trust"). */
  trust?: { stepId: string; draftType: string; neededHuman: boolean; dismissed: boolean };
}

const pk = (workspaceId: string, automationId: string) =>
  `${tenant(workspaceId)}#FEEDBACK#${escapeKeySegment(automationId)}`;
const versionPart = (version: string | undefined) =>
  version === undefined ? '-' : `=${escapeKeySegment(version)}`;

export const feedbackKeys = {
  pk,
  counters: (
    workspaceId: string,
    automationId: string,
    version: string | undefined,
    scope: string,
  ): TableKey => ({
    pk: pk(workspaceId, automationId),
    sk: `FB#${versionPart(version)}#${escapeKeySegment(scope)}`,
  }),
  countersPrefix: 'FB#',
  /** The counter rows of one version, every scope. */
  versionPrefix: (version: string | undefined) => `FB#${versionPart(version)}#`,
  notesPk: (workspaceId: string, automationId: string, scope: string | 'all') =>
    `${tenant(workspaceId)}#FBNOTES#${escapeKeySegment(automationId)}#${scope === 'all' ? 'ALL' : `S#${escapeKeySegment(scope)}`}`,
  noteSk: (at: string, itemId: string) => `${at}#${escapeKeySegment(itemId)}`,
};

/** What a change adds to its (version, scope) row, as a tally write (tally.ts). */
export function feedbackWrite(workspaceId: string, change: FeedbackChange): CounterWrite {
  const add: Record<string, number> = {};
  const count = (attribute: string, amount: number) => {
    add[attribute] = (add[attribute] ?? 0) + amount;
  };
  for (const [name, amount] of Object.entries(change.add)) if (amount) count(name, amount);
  for (const field of new Set(change.fields ?? [])) count(`${FIELD_PREFIX}${field}`, 1);
  if (change.reason) count(`${REASON_PREFIX}${change.reason}`, 1);
  if (change.trust) {
    const part = trustPart(change.trust.draftType, change.trust.stepId);
    count(`${TRUST_DECISIONS_PREFIX}${part}`, 1);
    count(`${TRUST_HUMAN_PREFIX}${part}`, change.trust.neededHuman ? 1 : 0);
    count(`${TRUST_DISMISSED_PREFIX}${part}`, change.trust.dismissed ? 1 : 0);
  }
  const set: Attributes = {
    entity: FEEDBACK_ENTITY,
    workspaceId,
    automationId: change.automationId,
    automationVersion: change.automationVersion ?? null,
    scope: change.scope,
    lastAt: change.at,
  };
  if (change.automationName) set.automationName = change.automationName;
  return {
    key: feedbackKeys.counters(workspaceId, change.automationId, change.automationVersion, change.scope),
    set,
    setIfAbsent: { firstAt: change.at },
    add,
  };
}

/** A dismiss note's two records: in its scope's partition and in the automation's `all` partition. */
export function noteRecords(
  workspaceId: string,
  automationId: string,
  scope: string,
  note: DismissNote,
): Attributes[] {
  const sk = feedbackKeys.noteSk(note.at, note.itemId);
  return [scope, 'all'].map((partition) => ({
    pk: feedbackKeys.notesPk(workspaceId, automationId, partition),
    sk,
    entity: NOTE_ENTITY,
    scope,
    ...note,
  }));
}

const countersRecord = z.lazy(() =>
  z.looseObject({
    automationVersion: z.optional(z.nullable(z.string())),
    scope: z.string(),
    automationName: z.optional(z.string()),
    firstAt: z.optional(z.string()),
    lastAt: z.optional(z.string()),
  }),
);

export function parseFeedbackRow(record: Attributes): FeedbackRow {
  const parsed = parseRecord(countersRecord, record, 'automation feedback');
  const counts: Record<string, number> = {};
  for (const [name, value] of Object.entries(record)) {
    if (
      typeof value === 'number' &&
      (FEEDBACK_COUNTERS.includes(name as FeedbackCounter) ||
        name.startsWith(FIELD_PREFIX) ||
        name.startsWith(REASON_PREFIX) ||
        name.startsWith(TRUST_DECISIONS_PREFIX) ||
        name.startsWith(TRUST_HUMAN_PREFIX) ||
        name.startsWith(TRUST_DISMISSED_PREFIX))
    )
      counts[name] = value;
  }
  return {
    automationVersion: parsed.automationVersion ?? null,
    scope: parsed.scope,
    ...(parsed.automationName ? { automationName: parsed.automationName } : {}),
    ...(parsed.firstAt ? { firstAt: parsed.firstAt } : {}),
    ...(parsed.lastAt ? { lastAt: parsed.lastAt } : {}),
    counts,
  };
}

const noteRecord = z.lazy(() =>
  z.object({
    itemId: z.string(),
    automationVersion: z.nullable(z.string()),
    reason: z.nullable(z.string()),
    note: z.string(),
    by: z.string(),
    at: z.string(),
    scope: z.string(),
  }),
);

export function parseNote(record: Attributes): DismissNote & { scope: string } {
  const parsed = parseRecord(noteRecord, record, 'dismiss note');
  return { ...parsed, reason: parsed.reason as DismissReason | null };
}

/** The counters a diff adds to its version's row. */
export function diffCounters(diff: DraftDiff | undefined): Partial<Record<FeedbackCounter, number>> {
  if (!diff) return { edits: 1 };
  return {
    edits: 1,
    ...(diff.bodyChangeRatio !== undefined && diff.bodyChangeRatio > 0
      ? { bodyEdits: 1, bodyChangeRatioSum: diff.bodyChangeRatio }
      : {}),
    ...(diff.addressesAdded?.length ? { addressesAdded: diff.addressesAdded.length } : {}),
    ...(diff.addressesRemoved?.length ? { addressesRemoved: diff.addressesRemoved.length } : {}),
    ...(diff.subjectChanged ? { subjectChanged: 1 } : {}),
    ...(diff.changesEdited?.length ? { changesEdited: diff.changesEdited.length } : {}),
    ...(diff.changesLeftOut?.length ? { changesLeftOut: diff.changesLeftOut.length } : {}),
  };
}

/** Decisions and proposals as the review-stats counters of the change say them, renamed where feedback differs. */
const FROM_STATS: Partial<Record<string, FeedbackCounter>> = {
  proposed: 'proposed',
  replaced: 'replaced',
  approvedAsProposed: 'approvedAsProposed',
  approvedAfterEdits: 'approvedAfterEdits',
  dismissed: 'dismissed',
  resolvedElsewhere: 'resolved',
  expired: 'expired',
};

/**
 * What an item change adds to its automation's feedback: its proposals and decisions (from the change's review-stats
 * counters), an edit's diff, a stale mark, a dismissal's reason and note; counted under the automation version and
 * visibility scope of the run whose draft the change is about. Undefined when it adds nothing.
 */
export function feedbackOfChange(
  after: ReviewItem,
  entry: HistoryEntry,
  statsAdd: Partial<Record<string, number>> | undefined,
): FeedbackChange | undefined {
  const add: Partial<Record<FeedbackCounter, number>> = {};
  for (const [name, amount] of Object.entries(statsAdd ?? {})) {
    const counter = FROM_STATS[name];
    if (counter && amount) add[counter] = (add[counter] ?? 0) + amount;
  }
  let fields: string[] | undefined;
  let reason: FeedbackChange['reason'];
  let note: DismissNote | undefined;
  if (entry.action === 'edited') {
    Object.assign(add, diffCounters(entry.diff));
    fields = entry.diff?.fields;
  }
  if (entry.action === 'marked_stale') add.stale = 1;
  // A reply that cancelled a held send made the draft stale too (spec 3, Send hold and undo).
  if (entry.action === 'hold_cancelled' && entry.detail?.reason === 'reply') add.stale = 1;
  // A record draft applied in part: the changes the reviewer left out (spec 3, Feedback).
  if (entry.action === 'applied' && entry.diff?.changesLeftOut?.length)
    add.changesLeftOut = entry.diff.changesLeftOut.length;
  if (entry.action === 'dismissed' && after.decision) {
    reason = after.decision.reason ?? NO_REASON;
    if (after.decision.note && after.decision.by) {
      note = {
        itemId: after.id,
        automationVersion: after.origin.automationVersion ?? null,
        reason: after.decision.reason ?? null,
        note: after.decision.note,
        by: after.decision.by,
        at: after.decision.at,
      };
    }
  }
  if (Object.keys(add).length === 0 && !fields?.length && !reason) return undefined;
  // A decision people made: approved (as proposed, after edits or in part) or dismissed; not resolved or expired.
  const humanDecisions = (add.approvedAfterEdits ?? 0) + (add.dismissed ?? 0);
  const decisions = (add.approvedAsProposed ?? 0) + humanDecisions;
  return {
    automationId: after.origin.automationId,
    ...(after.origin.automationName ? { automationName: after.origin.automationName } : {}),
    ...(after.origin.automationVersion ? { automationVersion: after.origin.automationVersion } : {}),
    scope: scopeOf(after.origin.executedAs),
    at: entry.at,
    add,
    ...(fields ? { fields } : {}),
    ...(reason ? { reason } : {}),
    ...(note ? { note } : {}),
    ...(decisions > 0
      ? {
          trust: {
            stepId: after.origin.stepId,
            draftType: after.type,
            neededHuman: humanDecisions > 0,
            dismissed: (add.dismissed ?? 0) > 0,
          },
        }
      : {}),
  };
}
