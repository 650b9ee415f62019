/**
 * The review item and the member directory: plain data, no AWS. The item holds a draft of some kind; the kinds
 * (shared/drafts/) are above this module and name their drafts in `DraftsByType`.
 */
import type { ExecutedAs, RelatedRecord } from './primitives.js';

/**
 * The drafts an item can hold, by their `type`: each draft kind adds its own (shared/drafts/index.ts declares the
 * kinds of the registry), so the item's types follow the registry without this module importing a kind.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by declaration merging, one member per draft kind
export interface DraftsByType {}
export type Draft = DraftsByType[keyof DraftsByType];
export type DraftType = keyof DraftsByType & string;

export const REVIEW_STATUSES = [
  'pending',
  /** Approved under the workspace's send hold: executed at `hold.executeAt` unless undone or cancelled first. */
  'scheduled',
  'sending',
  'sent',
  /** The send's outcome is unknown (timeout, connection lost, crash): never resent automatically. */
  'send_unknown',
  /** A record change was approved: the CRM was asked to apply it (`Record Change Approved`) and has not answered. */
  'applying',
  'applied',
  /** The CRM never answered the command's publications: a reviewer settles it (approve again or dismiss). */
  'apply_unknown',
  'dismissed',
  'resolved',
  'expired',
] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

/** Statuses in which an item waits for a person: it is in its reviewers' queues. */
export const OPEN_STATUSES: readonly ReviewStatus[] = ['pending', 'send_unknown', 'apply_unknown'];
export const isOpen = (status: ReviewStatus): boolean => OPEN_STATUSES.includes(status);

export type Role = 'admin' | 'member';

export interface Member {
  workspaceId: string;
  userId: string;
  role: Role;
  /** Connected mailboxes, lower-cased. */
  mailboxes: string[];
  active: boolean;
  /** UTC ISO time at the precision given (shared/domain/time.ts): compare with compareTimes. */
  changedAt: string;
  /** The member's out-of-office delegation (spec 3, Delegation), kept until DELETE even after `until` passes. */
  delegation?: Delegation;
}

/**
 * A member's out-of-office delegation (spec 3): while `until` is ahead, `delegateTo` reviews the member's open and
 * new items that the delegate may see. `delegateRole` is the delegate's role when it was set: routing decides run
 * privacy from the member records it reads, which carry the delegation but not the delegate's own record.
 */
export interface Delegation {
  delegateTo: string;
  delegateRole: Role;
  until: string;
  note?: string;
  createdAt: string;
}

/** A reviewer who is away and whose delegate may not see the item (spec 3, Delegation). */
export interface AwayMark {
  userId: string;
  until: string;
}

export interface Origin {
  automationId: string;
  automationName?: string;
  runId: string;
  stepId: string;
  runUrl?: string;
  executedAs: ExecutedAs;
  /** The automation's version or config hash the run used (spec 2.1): feedback is split by it. */
  automationVersion?: string;
}

export type Actor =
  | { kind: 'user'; userId: string }
  | { kind: 'automation'; runId: string }
  | { kind: 'system'; reason: string };

export type DecisionAction = 'approved' | 'dismissed' | 'resolved' | 'expired';

export interface Decision {
  action: DecisionAction;
  /** The user who acted; null when no reviewer acted (resolved elsewhere, expired). */
  by: string | null;
  at: string;
  messageId?: string;
  note?: string;
  /** A dismissal's reason code (spec 3, Feedback). */
  reason?: DismissReason;
  /** A record change applied: the record's version after it (update) or the new record's id (create). */
  recordVersion?: string;
  recordId?: string;
  /** The changes (update) or fields (create) that were applied, when not all of them. */
  fields?: string[];
}

/** Why a reviewer dismissed a draft (spec 3, Feedback). */
export const DISMISS_REASONS = [
  'not_needed',
  'wrong_recipient',
  'wrong_record',
  'already_handled',
  'wrong_timing',
  'incorrect',
  'tone',
  'duplicate',
  'other',
] as const;
export type DismissReason = (typeof DISMISS_REASONS)[number];

/** A message arrived on the draft's thread after it was proposed (spec 3, Stale emails). */
export interface StaleMark {
  reason: string;
  at: string;
  messageId?: string;
}

/** The item waited longer than its workspace's `overdueAfterMinutes` (spec 3, Overdue and escalation). */
export interface OverdueMark {
  since: string;
}

/** The escalation reviewers were added (those of them who could see the item; maybe none). */
export interface EscalationMark {
  at: string;
  added: string[];
}

/** Reviewers changed by hand (reassignment): a replacing proposal keeps the added, and never brings back the removed. */
export interface ReviewerChanges {
  added: string[];
  removed: string[];
}

/** A record change's approval: the command the CRM applies, identified by its applyId (spec 3, 5). */
export interface ApplyAttempt {
  applyId: string;
  by: string;
  claimedAt: string;
  /** The changes (update) or fields (create) approved: all of them unless the reviewer named some. */
  fields: string[];
  /** How many times the command was published (the first included). */
  publications: number;
  /** When to publish it again (or give up: apply_unknown) if the CRM has not answered. */
  nextAt: string;
}

/** Why the CRM did not apply it (`Record Change Rejected`), or that it never answered. */
export interface ApplyError {
  reason: 'conflict' | 'invalid' | 'not_found' | 'forbidden' | 'unanswered';
  message: string;
  at: string;
}

export interface SendError {
  code: string;
  message: string;
  at: string;
}

/** What SES said became of a sent email (spec 3, Delivery). */
export interface Delivery {
  status: 'delivered' | 'bounced' | 'complained' | 'rejected' | 'rendering_failed';
  /** When SES saw it happen (for a reject or rendering failure, when SES accepted the send). */
  at: string;
  /** What SES said: the bounce type, the complaint feedback type, the recipients. */
  detail?: string;
}

/**
 * An approval held until `executeAt` (spec 3, Send hold and undo): who approved, and the approval's options the
 * execution takes (checked when it was scheduled).
 */
export interface HoldMark {
  executeAt: string;
  by: string;
  confirmResend?: boolean;
  acknowledgeStale?: boolean;
  acknowledgeConflicts?: boolean;
  fields?: string[];
}

/** Why a hold was cancelled before `executeAt`, the item pending again (spec 3, Send hold and undo). */
export const HOLD_CANCEL_REASONS = ['reply', 'drift', 'replaced', 'approver_removed'] as const;
export type HoldCancelReason = (typeof HOLD_CANCEL_REASONS)[number];

export interface HoldCancelMark {
  reason: HoldCancelReason;
  at: string;
}

export interface SendAttempt {
  id: string;
  by: string;
  claimedAt: string;
}

export interface ReviewItem {
  id: string;
  workspaceId: string;
  /** The draft's kind (shared/drafts/). */
  type: DraftType;
  status: ReviewStatus;
  version: number;
  draft: Draft;
  /** True when a reviewer changed the draft since it was proposed. */
  edited: boolean;
  reason: string;
  relatedRecords: RelatedRecord[];
  origin: Origin;
  reviewers: string[];
  /** Hash of the dedup key: identifies "the same change" within the workspace. */
  dedupHash: string;
  proposedAt: string;
  expiresAt?: string;
  createdAt: string;
  updatedAt: string;
  decision: Decision | null;
  lastSendError?: SendError;
  sendAttempt?: SendAttempt;
  /** For a record draft being applied (applying, apply_unknown) or applied: its command. */
  apply?: ApplyAttempt;
  lastApplyError?: ApplyError;
  /** For a sent email: the latest delivery event SES reported. */
  delivery?: Delivery;
  /** Marked while pending: the conversation moved on since the draft was proposed; cleared by a replacement. */
  stale?: StaleMark;
  /** Reviewers added and removed by hand since the item was created. */
  reviewerChanges?: ReviewerChanges;
  /** Marked once by the overdue job; kept by a replacement (the item keeps its createdAt). */
  overdue?: OverdueMark;
  /** Marked once by the escalation job. */
  escalated?: EscalationMark;
  /** Reviewers a delegation added, each with the member they cover for: they leave when it ends (spec 3). */
  delegatedFrom?: Record<string, string>;
  /** Reviewers who are away and whose delegate may not see the item. */
  away?: AwayMark[];
  /** While `scheduled`: the held approval. */
  hold?: HoldMark;
  /** The latest hold cancelled on its own (not undone); cleared by the next approval. */
  holdCancelled?: HoldCancelMark;
  /** True while this item is the open item of its dedup key (later proposals replace it). */
  holdsKey: boolean;
}

export type HistoryAction =
  | 'created'
  | 'replaced'
  | 'edited'
  | 'approved'
  | 'sent'
  | 'send_failed'
  | 'send_unknown'
  | 'dismissed'
  | 'resolved'
  | 'expired'
  | 'delivery_updated'
  | 'reassigned'
  | 'marked_stale'
  | 'applied'
  | 'apply_failed'
  | 'apply_republished'
  | 'apply_unknown'
  | 'record_changed'
  | 'overdue'
  | 'escalated'
  /** A reviewer is away and their delegate may not see the item (or the mark is cleared): spec 3, Delegation. */
  | 'marked_away'
  /** Send hold (spec 3): approved and held, undone by a person, or cancelled on its own. */
  | 'scheduled'
  | 'undone'
  | 'hold_cancelled';

export const HISTORY_ACTIONS = [
  'created',
  'replaced',
  'edited',
  'approved',
  'sent',
  'send_failed',
  'send_unknown',
  'dismissed',
  'resolved',
  'expired',
  'delivery_updated',
  'applied',
  'apply_failed',
  'apply_republished',
  'apply_unknown',
  'record_changed',
  'reassigned',
  'marked_stale',
  'overdue',
  'escalated',
  'marked_away',
  'scheduled',
  'undone',
  'hold_cancelled',
] as const satisfies readonly HistoryAction[];

/**
 * What a reviewer's edit changed, as the draft's kind measures it (spec 3, Feedback): kept in the `edited` history
 * entry and counted, per automation version, in the review feedback (docs/review-feedback.md). `fields` are the
 * draft fields the edit changed; the rest is what the kind measures (an email: addresses and how much of the body;
 * a record draft: which changes were edited or left out).
 */
export interface DraftDiff {
  fields: string[];
  addressesAdded?: string[];
  addressesRemoved?: string[];
  subjectChanged?: boolean;
  /** How much of the body changed, 0 (nothing) to 1 (all of it). */
  bodyChangeRatio?: number;
  changesEdited?: string[];
  changesLeftOut?: string[];
}

export interface HistoryEntry {
  action: HistoryAction;
  actor: Actor;
  at: string;
  /** The run that proposed the item's draft at the time of this change. */
  runId: string;
  /** Item version after the change. */
  version: number;
  status: ReviewStatus;
  /** The draft after the change, for created, replaced and edited. */
  draft?: Draft;
  detail?: Record<string, string>;
  /** For an edit: what it changed, as the draft's kind measures it (spec 3, Feedback). */
  diff?: DraftDiff;
}

/** The history entry of the change that produced `after`: its time, run, version and status come from it. */
export function historyEntry(
  after: ReviewItem,
  action: HistoryAction,
  actor: Actor,
  extra: { withDraft?: boolean; detail?: Record<string, string>; diff?: DraftDiff } = {},
): HistoryEntry {
  return {
    action,
    actor,
    at: after.updatedAt,
    runId: after.origin.runId,
    version: after.version,
    status: after.status,
    ...(extra.withDraft ? { draft: after.draft } : {}),
    ...(extra.detail ? { detail: extra.detail } : {}),
    ...(extra.diff ? { diff: extra.diff } : {}),
  };
}

/** A CRM record an item is about (its related records), as the record banner finds it. */
export interface RecordRef {
  type: string;
  id: string;
}

/** Normalizes an ISO time to UTC with milliseconds, so that stored times compare lexically. */
export const utcIso = (time: string | number | Date): string => new Date(time).toISOString();
