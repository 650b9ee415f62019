/**
 * The item's lifecycle in one place: its statuses and the transitions between them (docs/approval-state-machine.md),
 * as a table, and one pure function per transition that builds the item after it. Use cases call these instead of
 * spreading objects; the store writes what they return, conditional on the item they started from.
 *
 * Every transition bumps the version by one and stamps `updatedAt`; a transition into a final status records the decision
 * and releases the dedup key. A transition taken from a status the table does not list throws TransitionRefusedError
 * (the use case answers 409 with the item's current status and version).
 */
import {
  type ApplyAttempt,
  type ApplyError,
  type Decision,
  type Delivery,
  type EscalationMark,
  type HistoryAction,
  type HoldCancelMark,
  type HoldMark,
  isOpen,
  type OverdueMark,
  type ReviewerChanges,
  type ReviewItem,
  type ReviewStatus,
  type SendAttempt,
  type SendError,
  type StaleMark,
} from './review-item.js';

export type Transition =
  | 'replace'
  | 'edit'
  | 'claim'
  | 'sent'
  | 'sendRejected'
  | 'sendUnknown'
  | 'interrupted'
  | 'dismiss'
  | 'resolve'
  | 'expire'
  | 'delivery'
  | 'reassign'
  | 'markStale'
  | 'applyClaim'
  | 'applied'
  | 'applyRejected'
  | 'republish'
  | 'applyUnknown'
  | 'recordChanged'
  | 'schedule'
  | 'undo'
  | 'cancelHold'
  | 'heldRecordChanged';

interface TransitionSpec {
  from: readonly ReviewStatus[];
  to: ReviewStatus;
  /** The history entry the transition writes. */
  history: HistoryAction;
}

/** Statuses and transitions: the state machine of docs/approval-state-machine.md, row for row. */
export const TRANSITIONS: Readonly<Record<Transition, TransitionSpec>> = {
  // A newer proposal replaces a scheduled item too: its hold is cancelled with it (spec 3, Send hold and undo).
  replace: { from: ['pending', 'scheduled'], to: 'pending', history: 'replaced' },
  edit: { from: ['pending'], to: 'pending', history: 'edited' },
  claim: { from: ['pending', 'send_unknown', 'scheduled'], to: 'sending', history: 'approved' },
  sent: { from: ['sending'], to: 'sent', history: 'sent' },
  sendRejected: { from: ['sending'], to: 'pending', history: 'send_failed' },
  sendUnknown: { from: ['sending'], to: 'send_unknown', history: 'send_unknown' },
  interrupted: { from: ['sending'], to: 'send_unknown', history: 'send_unknown' },
  dismiss: { from: ['pending', 'send_unknown', 'apply_unknown'], to: 'dismissed', history: 'dismissed' },
  resolve: { from: ['pending', 'send_unknown', 'scheduled'], to: 'resolved', history: 'resolved' },
  expire: { from: ['pending'], to: 'expired', history: 'expired' },
  delivery: { from: ['sent'], to: 'sent', history: 'delivery_updated' },
  reassign: { from: ['pending'], to: 'pending', history: 'reassigned' },
  markStale: { from: ['pending'], to: 'pending', history: 'marked_stale' },
  // Record drafts (spec 3, "Record drafts: drift, moot, apply"): the CRM applies them.
  applyClaim: { from: ['pending', 'apply_unknown', 'scheduled'], to: 'applying', history: 'approved' },
  applied: { from: ['applying', 'apply_unknown'], to: 'applied', history: 'applied' },
  applyRejected: { from: ['applying', 'apply_unknown'], to: 'pending', history: 'apply_failed' },
  republish: { from: ['applying'], to: 'applying', history: 'apply_republished' },
  applyUnknown: { from: ['applying'], to: 'apply_unknown', history: 'apply_unknown' },
  recordChanged: { from: ['pending'], to: 'pending', history: 'record_changed' },
  // Send hold (spec 3): an approval held until its executeAt; the execution is the kind's claim from `scheduled`.
  schedule: { from: ['pending'], to: 'scheduled', history: 'scheduled' },
  undo: { from: ['scheduled'], to: 'pending', history: 'undone' },
  cancelHold: { from: ['scheduled'], to: 'pending', history: 'hold_cancelled' },
  heldRecordChanged: { from: ['scheduled'], to: 'scheduled', history: 'record_changed' },
};

/** Statuses no transition leaves. */
export const FINAL_STATUSES: readonly ReviewStatus[] = [
  'sent',
  'applied',
  'dismissed',
  'resolved',
  'expired',
];

/** Whether the transition may be taken from this status. */
export const canTransition = (transition: Transition, status: ReviewStatus): boolean =>
  TRANSITIONS[transition].from.includes(status);

/** A transition asked of an item in a status it does not leave from. */
export class TransitionRefusedError extends Error {
  constructor(
    readonly transition: Transition,
    readonly current: { status: ReviewStatus; version: number },
  ) {
    super(`Cannot ${transition} an item that is ${current.status}`);
    this.name = 'TransitionRefusedError';
  }
}

/** A pending item past its expiresAt is expired, whether or not the scheduled job has marked it yet. */
export function statusAt(item: { status: ReviewStatus; expiresAt?: string }, now: Date): ReviewStatus {
  if (item.status === 'pending' && item.expiresAt && Date.parse(item.expiresAt) <= now.getTime())
    return 'expired';
  return item.status;
}

/**
 * The time of a change after `previous`: `at`, or a millisecond after `previous` should `at` not be later (another
 * container's clock may lag): an item's `updatedAt`, and so its history, never goes back in time.
 */
export function stampAfter(previous: string, at: string): string {
  return Date.parse(at) > Date.parse(previous) ? at : new Date(Date.parse(previous) + 1).toISOString();
}

/** The item after `transition`, with `changes` applied; throws TransitionRefusedError from a status it does not leave. */
function transitioned(
  item: ReviewItem,
  transition: Transition,
  at: string,
  changes: Partial<ReviewItem> = {},
): ReviewItem {
  if (!canTransition(transition, item.status))
    throw new TransitionRefusedError(transition, { status: item.status, version: item.version });
  const to = TRANSITIONS[transition].to;
  return {
    ...item,
    ...changes,
    status: to,
    version: item.version + 1,
    updatedAt: stampAfter(item.updatedAt, at),
  };
}

/** Into a final status: the decision is recorded (at the change's time) and the dedup key released. */
function decide(item: ReviewItem, transition: Transition, decision: Decision): ReviewItem {
  const at = stampAfter(item.updatedAt, decision.at);
  return withoutHold(transitioned(item, transition, at, { decision: { ...decision, at }, holdsKey: false }));
}

/** What a proposal brings to an item: everything but its identity, state and key. */
export type ProposedFields = Pick<
  ReviewItem,
  | 'workspaceId'
  | 'type'
  | 'draft'
  | 'reason'
  | 'relatedRecords'
  | 'origin'
  | 'reviewers'
  | 'dedupHash'
  | 'proposedAt'
> &
  Pick<Partial<ReviewItem>, 'expiresAt' | 'reviewerChanges' | 'delegatedFrom' | 'away'>;

/** A new item: pending, version 1, the open item of its dedup key. */
export function created(id: string, fields: ProposedFields, at: string): ReviewItem {
  return {
    ...fields,
    id,
    status: 'pending',
    version: 1,
    edited: false,
    createdAt: at,
    updatedAt: at,
    decision: null,
    holdsKey: true,
  };
}

/**
 * A newer proposal replaces the pending item in place: same id and place in the queue (createdAt), the new draft,
 * reason, origin and reviewers, reviewer edits dropped (`keptEdits`: a record draft's field-by-field replacement
 * kept some, already merged into the draft). Built from the item's state as its dedup head mirrors it.
 */
export function replaced(
  before: {
    id: string;
    version: number;
    createdAt: string;
    updatedAt: string;
    status: ReviewStatus;
    overdue?: OverdueMark;
    escalated?: EscalationMark;
  },
  fields: ProposedFields,
  at: string,
  keptEdits = false,
): ReviewItem {
  if (!canTransition('replace', before.status))
    throw new TransitionRefusedError('replace', { status: before.status, version: before.version });
  return {
    ...created(before.id, fields, before.createdAt),
    edited: keptEdits,
    version: before.version + 1,
    updatedAt: stampAfter(before.updatedAt, at),
    // The item keeps its createdAt, so it has waited as long as before: its time marks stay.
    ...(before.overdue ? { overdue: before.overdue } : {}),
    ...(before.escalated ? { escalated: before.escalated } : {}),
  };
}

/**
 * The time marks (spec 3, Overdue and escalation) keep the status: any open item may wait too long. They are not
 * rows of the transition table, which moves between statuses.
 */
function timeMarked(item: ReviewItem, at: string, changes: Partial<ReviewItem>): ReviewItem {
  if (!isOpen(item.status))
    throw new Error(`Only an open item is marked overdue or escalated, not one that is ${item.status}`);
  return { ...item, ...changes, version: item.version + 1, updatedAt: stampAfter(item.updatedAt, at) };
}

export const markedOverdue = (item: ReviewItem, since: string, at: string): ReviewItem =>
  timeMarked(item, at, { overdue: { since } });

/** The escalation reviewers added (kept like reviewers added by hand, so a replacement keeps them). */
export function escalated(item: ReviewItem, added: string[], at: string): ReviewItem {
  const changes: ReviewerChanges = item.reviewerChanges ?? { added: [], removed: [] };
  return timeMarked(item, at, {
    escalated: { at: stampAfter(item.updatedAt, at), added },
    ...(added.length > 0
      ? {
          reviewers: [...item.reviewers, ...added],
          reviewerChanges: {
            added: [...changes.added, ...added.filter((u) => !changes.added.includes(u))],
            removed: changes.removed.filter((u) => !added.includes(u)),
          },
        }
      : {}),
  });
}

export const edited = (item: ReviewItem, draft: ReviewItem['draft'], at: string): ReviewItem =>
  transitioned(item, 'edit', at, { draft, edited: true });

// ---------------------------------------------------------------- send hold

/** The hold and a cancelled hold's mark dropped: an approval (scheduling or executing) clears both. */
function withoutHold(item: ReviewItem): ReviewItem {
  delete item.hold;
  delete item.holdCancelled;
  return item;
}

/** An approval under a send hold: scheduled until `hold.executeAt`, out of the queues, its edits kept. */
export const scheduled = (item: ReviewItem, hold: HoldMark, at: string): ReviewItem => {
  const after = withoutHold(transitioned(item, 'schedule', at));
  after.hold = hold;
  return after;
};

/** Undone by the approver or an admin before it executed: pending again, with its edits. */
export const undone = (item: ReviewItem, at: string): ReviewItem =>
  withoutHold(transitioned(item, 'undo', at));

/** The hold cancelled on its own (a reply, a drift, the approver removed): pending again, the reason shown. */
export function holdCancelled(
  item: ReviewItem,
  reason: HoldCancelMark['reason'],
  at: string,
  changes: Partial<ReviewItem> = {},
): ReviewItem {
  const after = withoutHold(transitioned(item, 'cancelHold', at, changes));
  after.holdCancelled = { reason, at: after.updatedAt };
  return after;
}

/** A `Record Changed` that drifts none of a scheduled draft's held changes: re-classified, still scheduled. */
export const heldRecordChanged = (item: ReviewItem, draft: ReviewItem['draft'], at: string): ReviewItem =>
  transitioned(item, 'heldRecordChanged', at, { draft });

/** The claim of an approval: the only way into `sending`. The dedup key is released (the reviewer decided). */
export function claimed(item: ReviewItem, attempt: SendAttempt): ReviewItem {
  const sending = transitioned(item, 'claim', attempt.claimedAt, { sendAttempt: attempt, holdsKey: false });
  delete sending.lastSendError;
  return withoutHold(sending);
}

export const sent = (sending: ReviewItem, by: string, at: string, messageId: string): ReviewItem =>
  decide(sending, 'sent', { action: 'approved', by, at, messageId });

/** A definite rejection: pending again with the error shown; `holdsKey` says whether it re-takes its dedup key. */
export function sendRejected(sending: ReviewItem, error: SendError, holdsKey: boolean): ReviewItem {
  const back = transitioned(sending, 'sendRejected', error.at, { lastSendError: error, holdsKey });
  delete back.sendAttempt;
  return back;
}

/** An unknown outcome (the approving request saw it, or the recovery job found the send interrupted). */
export const sendUnknown = (
  sending: ReviewItem,
  error: SendError,
  transition: 'sendUnknown' | 'interrupted' = 'sendUnknown',
): ReviewItem => transitioned(sending, transition, error.at, { lastSendError: error });

export const dismissed = (
  item: ReviewItem,
  by: string,
  at: string,
  note?: string,
  reason?: Decision['reason'],
): ReviewItem =>
  decide(item, 'dismiss', {
    action: 'dismissed',
    by,
    at,
    ...(note ? { note } : {}),
    ...(reason ? { reason } : {}),
  });

/** Reviewers changed by hand: the new reviewers, and what was added and removed by hand so far. */
export const reassigned = (
  item: ReviewItem,
  reviewers: string[],
  reviewerChanges: ReviewerChanges,
  at: string,
): ReviewItem => transitioned(item, 'reassign', at, { reviewers, reviewerChanges });

/** A message arrived on the draft's thread after it was proposed: still pending, approving needs acknowledgment. */
export const markedStale = (item: ReviewItem, stale: StaleMark, at: string): ReviewItem =>
  transitioned(item, 'markStale', at, { stale });

export const resolved = (item: ReviewItem, at: string, messageId?: string): ReviewItem =>
  decide(item, 'resolve', { action: 'resolved', by: null, at, ...(messageId ? { messageId } : {}) });

/** SES reported what became of a sent email: kept on the item (the latest report wins). */
export const deliveryUpdated = (item: ReviewItem, delivery: Delivery, at: string): ReviewItem =>
  transitioned(item, 'delivery', at, { delivery });

export const expired = (item: ReviewItem, at: string): ReviewItem =>
  decide(item, 'expire', { action: 'expired', by: null, at });

// ---------------------------------------------------------------- record drafts

/** The claim of a record change's approval: into `applying` with a fresh command. The dedup key is released. */
export function applyClaimed(item: ReviewItem, attempt: ApplyAttempt): ReviewItem {
  const applying = transitioned(item, 'applyClaim', attempt.claimedAt, { apply: attempt, holdsKey: false });
  delete applying.lastApplyError;
  return withoutHold(applying);
}

/**
 * The CRM applied it: the record's new version (update) or the new record's id (create). `allFields` are every part
 * the draft proposes (its kind's `fieldsOf`): the decision names the applied ones when they are fewer.
 */
export function applied(
  item: ReviewItem,
  at: string,
  result: { recordVersion?: string; recordId?: string },
  allFields: string[],
): ReviewItem {
  const attempt = item.apply as ApplyAttempt;
  const partial = attempt.fields.length < allFields.length;
  return decide(item, 'applied', {
    action: 'approved',
    by: attempt.by,
    at,
    ...result,
    ...(partial ? { fields: attempt.fields } : {}),
  });
}

/** The CRM refused it: pending again with the error shown; `draft` re-classified when the CRM said what it holds. */
export function applyRejected(
  item: ReviewItem,
  error: ApplyError,
  holdsKey: boolean,
  draft: ReviewItem['draft'] = item.draft,
): ReviewItem {
  const back = transitioned(item, 'applyRejected', error.at, { lastApplyError: error, holdsKey, draft });
  delete back.apply;
  return back;
}

/** The command published again (same applyId), or given up on after the last publication. */
export const republished = (item: ReviewItem, at: string, nextAt: string): ReviewItem =>
  transitioned(item, 'republish', at, {
    apply: { ...(item.apply as ApplyAttempt), publications: (item.apply?.publications ?? 0) + 1, nextAt },
  });

export const applyUnknown = (item: ReviewItem, error: ApplyError): ReviewItem =>
  transitioned(item, 'applyUnknown', error.at, { lastApplyError: error });

/** The CRM reported the record changed: the item's changes re-classified (the draft given). */
export const recordChanged = (item: ReviewItem, draft: ReviewItem['draft'], at: string): ReviewItem =>
  transitioned(item, 'recordChanged', at, { draft });
