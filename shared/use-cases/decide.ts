/**
 * Actions on an item: edit, approve (send exactly once), dismiss. See docs/approval-state-machine.md.
 *
 * Each action reads the caller's membership and the item (2 requests), checks who may act, then writes one
 * conditional change (the version and status it read): of two concurrent actions exactly one wins, the other
 * gets 409 with the item's current status and version. Approve adds one SES call and one final write: 4.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Arrow,
  allFieldsOf,
  applyClaimed,
  approveArrow,
  canTake,
  claimed,
  dismissed,
  edited,
  sendRejected,
  sendUnknown,
  sent,
  statusAt,
} from '../domain/lifecycle.js';
import { type HistoryAction, historyEntry, type Member, type ReviewItem } from '../domain/review-item.js';
import { kindOf } from '../drafts/index.js';
import type { DraftDiff } from '../drafts/kind.js';
import { recordCommand } from '../drafts/record-command.js';
import {
  ConflictError,
  DomainError,
  ForbiddenError,
  ValidationError,
  WriteConflictError,
} from '../errors.js';
import { itemEvent, type OutDetailType } from '../events/out-events.js';
import type { Caller } from '../http/request.js';
import { validate } from '../http/request.js';
import type { ApproveRequest, DismissRequest, EditRequest } from '../http/requests.js';
import { logger } from '../logger.js';
import { type EmailItem, SendOutcomeUnknownError, SendRejectedError } from '../mail/mailer.js';
import type { Deps, SendDeps } from './deps.js';
import { type CounterChange, ItemConflictError, type ItemState } from './ports.js';
import { type PresentedItem, presentItem, visibleItem } from './read-items.js';

/** The send went wrong in a way the caller must hear about; the item's state is in `item`. */
export class SendFailedError extends DomainError {
  readonly title: string;
  constructor(
    readonly status: 502 | 504,
    message: string,
    readonly item: PresentedItem,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.title = status === 502 ? 'Send rejected' : 'Send outcome unknown';
  }

  override get extensions() {
    return { item: this.item, current: { status: this.item.status, version: this.item.version } };
  }
}

/** A plain approve of a stale item (SPEC 3, Stale emails): 409 naming why, until the reviewer acknowledges it. */
export class StaleItemError extends ConflictError {
  readonly stale: NonNullable<ReviewItem['stale']>;
  constructor(item: ReviewItem) {
    const stale = item.stale as NonNullable<ReviewItem['stale']>;
    super(
      `The draft may no longer fit the conversation: ${stale.reason} (${stale.at}). Read the thread, then ` +
        'approve with "acknowledgeStale": true to send it anyway, edit it, or dismiss it.',
      { status: item.status, version: item.version },
    );
    this.stale = stale;
  }

  override get extensions() {
    return { current: this.current, stale: this.stale };
  }
}

const actorOf = (caller: Caller) => ({ kind: 'user' as const, userId: caller.userId });

/** Loads the item for an action: visible (else 404), and the caller a reviewer or an admin (else 403). */
export async function loadForAction(deps: Deps, caller: Caller, itemId: string) {
  const { item, member } = await visibleItem(deps, caller, itemId);
  if (!item.reviewers.includes(caller.userId) && member.role !== 'admin') {
    throw new ForbiddenError('Only the reviewers of this item or a workspace admin can act on it');
  }
  return { item, member };
}

export function requireVersion(item: ReviewItem, version: number | undefined) {
  if (version !== undefined && version !== item.version) {
    throw new ConflictError(`The item is at version ${item.version}, not ${version}`, {
      status: item.status,
      version: item.version,
    });
  }
}

/** The arrow must leave the item's status now (an item past expiresAt is expired, marked or not). */
export function requireStatus(item: ReviewItem, now: Date, arrow: Arrow, action: string) {
  const status = statusAt(item, now);
  if (!canTake(arrow, status)) {
    throw new ConflictError(`Cannot ${action} an item that is ${status}`, { status, version: item.version });
  }
}

export interface CommitOptions {
  counters?: CounterChange;
  detail?: Record<string, string>;
  diff?: DraftDiff;
  withDraft?: boolean;
  /** The event the change publishes (written with it: the outbox) and what its detail adds; none for a claim. */
  event?: { type: OutDetailType; extra?: Record<string, unknown> };
}

/** Writes a change with its event; a lost race becomes 409 with the item's current status and version. */
export async function commit(
  deps: Deps,
  before: ItemState | ReviewItem,
  after: ReviewItem,
  action: HistoryAction,
  caller: Caller,
  options: CommitOptions,
) {
  const actor = actorOf(caller);
  try {
    await deps.store.changeItem({
      before,
      after,
      entry: historyEntry(after, action, actor, options),
      counters: options.counters,
      events: options.event ? [itemEvent(options.event.type, after, actor, options.event.extra)] : [],
    });
  } catch (error) {
    if (!(error instanceof ItemConflictError)) throw error;
    const current = error.current ?? (await winnersItem(deps, after, before.version, error));
    throw new ConflictError(
      current
        ? `Another action changed this item first: it is ${current.status}`
        : 'The item changed meanwhile',
      { status: current?.status ?? 'unknown', version: current?.version ?? 0 },
      { cause: error },
    );
  }
}

/** How long a loser waits for the winner's change to show before answering with what it reads. */
const WINNER_WAIT = { attempts: 20, delayMs: 100 };

/**
 * The item as the race's winner left it. A loss to a commit still in flight (TransactionConflict, no condition
 * failed: the table already retried) reads the item before the winner's change lands; the 409 would then say the
 * item is as the caller saw it. So the loser waits, bounded, for the version to move on.
 */
async function winnersItem(
  deps: Deps,
  after: ReviewItem,
  seenVersion: number,
  error: WriteConflictError,
): Promise<ReviewItem | undefined> {
  let current = await deps.store.getItem(after.workspaceId, after.id);
  for (let attempt = 1; error.inFlightOnly && current?.version === seenVersion; attempt++) {
    if (attempt > WINNER_WAIT.attempts) break;
    await sleep(WINNER_WAIT.delayMs);
    current = await deps.store.getItem(after.workspaceId, after.id);
  }
  return current;
}

/** Counters for a decided item: the decision and the time from creation to decision. */
export function decisionCounters(item: ReviewItem, add: CounterChange['add'], at: string): CounterChange {
  return {
    automationId: item.origin.automationId,
    automationName: item.origin.automationName,
    executedAs: item.origin.executedAs,
    add,
    decision: {
      itemId: item.id,
      seconds: (Date.parse(at) - Date.parse(item.createdAt)) / 1000,
      executedAsUserId: item.origin.executedAs.kind === 'user' ? item.origin.executedAs.userId : null,
    },
  };
}

// ---------------------------------------------------------------- edit

export async function editItem(deps: Deps, caller: Caller, itemId: string, request: EditRequest) {
  const now = deps.clock();
  const { item, member } = await loadForAction(deps, caller, itemId);
  requireStatus(item, now, 'edit', 'edit');
  requireVersion(item, request.version);
  const kind = kindOf(item.draft);
  const edit = request[kind.editKey];
  if (edit === undefined) {
    throw new ValidationError(`A ${item.type} draft is edited with "${kind.editKey}"`, [
      { path: kind.editKey, message: `required for a ${item.type} draft` },
    ]);
  }
  const draft = validate(kind.schema, kind.merge(item.draft, edit), 'The edited draft is invalid');
  const after = edited(item, draft, now.toISOString());
  await commit(deps, item, after, 'edited', caller, {
    withDraft: true,
    // What the edit changed, as the draft's kind measures it (SPEC 3, Feedback).
    ...(kind.diff ? { diff: kind.diff(item.draft, draft) } : {}),
    event: { type: 'Review Item Edited' },
  });
  return presentItem(after, member, now);
}

// ---------------------------------------------------------------- dismiss

export async function dismissItem(deps: Deps, caller: Caller, itemId: string, request: DismissRequest) {
  const now = deps.clock();
  const at = now.toISOString();
  const { item, member } = await loadForAction(deps, caller, itemId);
  requireStatus(item, now, 'dismiss', 'dismiss');
  requireVersion(item, request.version);
  const after = dismissed(item, caller.userId, at, request.note, request.reason);
  const said = {
    ...(request.reason ? { reason: request.reason } : {}),
    ...(request.note ? { note: request.note } : {}),
  };
  await commit(deps, item, after, 'dismissed', caller, {
    counters: decisionCounters(item, { dismissed: 1 }, after.updatedAt),
    ...(Object.keys(said).length > 0 ? { detail: said } : {}),
    event: { type: 'Review Item Dismissed', extra: said },
  });
  return presentItem(after, member, now);
}

// ---------------------------------------------------------------- approve

export async function approveItem(deps: SendDeps, caller: Caller, itemId: string, request: ApproveRequest) {
  const now = deps.clock();
  const { item, member } = await loadForAction(deps, caller, itemId);
  requireStatus(item, now, approveArrow(item), 'approve');
  requireVersion(item, request.version);
  if (item.draft.type !== 'email') return approveRecordChange(deps, caller, item, member, request, now);
  if (request.fields !== undefined) {
    throw new ValidationError('"fields" names the changes of a record draft; this is an email', [
      { path: 'fields', message: 'only for record drafts' },
    ]);
  }
  const email = item as EmailItem;
  if (item.status === 'send_unknown' && request.confirmResend !== true) {
    throw new ConflictError(
      'The previous send of this item has an unknown outcome. Check the sent mail, then approve with ' +
        '"confirmResend": true to send it again, or dismiss it.',
      { status: item.status, version: item.version },
    );
  }
  if (item.stale && request.acknowledgeStale !== true) throw new StaleItemError(item);
  const refusal = kindOf(item.draft).approveRefusal(member, item.draft);
  if (refusal) throw new ForbiddenError(refusal);

  // 1. Claim: pending → sending. Exactly one claim wins; the key is released (a new proposal starts a new item).
  const sending = claimed(email, {
    id: deps.newId(),
    by: caller.userId,
    claimedAt: now.toISOString(),
  }) as EmailItem;
  await commit(deps, item, sending, 'approved', caller, { withDraft: true });

  // 2. Send once. 3. Record the outcome.
  try {
    const { messageId } = await deps.mailer.send(sending);
    const at = deps.clock().toISOString();
    const done = sent(sending, caller.userId, at, messageId);
    await recordOutcome(deps, sending, done, 'sent', caller, {
      counters: decisionCounters(
        item,
        item.edited ? { approvedAfterEdits: 1 } : { approvedAsProposed: 1 },
        done.updatedAt,
      ),
      detail: { messageId },
      event: { type: 'Review Item Sent', extra: { messageId } },
    });
    return presentItem(done, member, deps.clock());
  } catch (error) {
    if (error instanceof SendRejectedError) {
      const back = await returnToPending(deps, sending, item.holdsKey, error, caller);
      throw new SendFailedError(
        502,
        `The email was not sent: ${error.code}: ${error.message}. The item is pending again.`,
        presentItem(back, member, deps.clock()),
        { cause: error },
      );
    }
    if (error instanceof SendOutcomeUnknownError) {
      const at = deps.clock().toISOString();
      const unknown = sendUnknown(sending, { code: error.code, message: error.message, at });
      await recordOutcome(deps, sending, unknown, 'send_unknown', caller, {
        detail: { code: error.code },
        event: { type: 'Review Item Send Failed', extra: { outcome: 'unknown', code: error.code } },
      });
      throw new SendFailedError(
        504,
        `The email may or may not have been sent (${error.code}). It will not be resent automatically: ` +
          'check the sent mail, then approve again with "confirmResend": true, or dismiss.',
        presentItem(unknown, member, deps.clock()),
        { cause: error },
      );
    }
    throw error;
  }
}

/** Writes of a send's outcome: each is a transaction with its own retries of conflicts (store/table.ts). */
const OUTCOME_ATTEMPTS = 5;

/**
 * Records what happened after the send. The send already happened, so this write must not be lost to a
 * passing fault: it is retried; if it still fails the item stays `sending` and the recovery job surfaces it. Only
 * a failed condition is a lost race (the recovery job took the item first); a transaction cancelled only because
 * others were committing on the item (other callers' claims, each refused) is written again.
 */
async function recordOutcome(
  deps: Deps,
  before: ReviewItem,
  after: ReviewItem,
  action: HistoryAction,
  caller: Caller,
  options: CommitOptions,
) {
  for (let attempt = 1; ; attempt++) {
    try {
      await commit(deps, before, after, action, caller, options);
      return;
    } catch (error) {
      const lostRace =
        error instanceof ConflictError &&
        !(error.cause instanceof WriteConflictError && error.cause.inFlightOnly);
      if (lostRace || attempt >= OUTCOME_ATTEMPTS) throw error;
      logger.warn('Retrying the write of a send outcome', {
        itemId: after.id,
        attempt,
        error: error as Error,
      });
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

/** A definite rejection: back to pending with the error shown, re-taking the dedup key if nobody took it since. */
async function returnToPending(
  deps: Deps,
  sending: ReviewItem,
  heldKey: boolean,
  error: SendRejectedError,
  caller: Caller,
): Promise<ReviewItem> {
  const at = deps.clock().toISOString();
  const back = sendRejected(sending, { code: error.code, message: error.message, at }, heldKey);
  const options: CommitOptions = {
    detail: { code: error.code, message: error.message.slice(0, 500) },
    event: { type: 'Review Item Send Failed', extra: { outcome: 'rejected', code: error.code } },
  };
  try {
    await recordOutcome(deps, sending, back, 'send_failed', caller, options);
    return back;
  } catch (conflict) {
    if (!heldKey || !(conflict instanceof ConflictError) || conflict.current.status !== 'sending')
      throw conflict;
    // A newer proposal took the key while we were sending: stay pending without it.
    const keyless = { ...back, holdsKey: false };
    await recordOutcome(deps, sending, keyless, 'send_failed', caller, options);
    return keyless;
  }
}

// ---------------------------------------------------------------- approve a record change

/** How long the CRM has to answer a command before it is published again (SPEC 3: 5 minutes apart). */
export const REPUBLISH_AFTER_MS = 5 * 60 * 1000;

/**
 * A record draft's approval: claim it (`applying`, with a fresh applyId) and write the `Record Change Approved`
 * command with the claim (the outbox publishes it). The CRM's answer settles it (record-apply.ts). A plain approve
 * of an item with drifted changes answers 409 naming them; `fields` applies just the named changes.
 */
async function approveRecordChange(
  deps: Deps,
  caller: Caller,
  item: ReviewItem,
  member: Member,
  request: ApproveRequest,
  now: Date,
) {
  const all = allFieldsOf(item);
  let fields = all;
  if (request.fields !== undefined) {
    const unknown = request.fields.filter((field) => !all.includes(field));
    if (unknown.length > 0) {
      throw new ValidationError(
        'The draft has no change for these fields',
        unknown.map((field) => ({ path: 'fields', message: `no change for ${field}` })),
      );
    }
    fields = all.filter((field) => request.fields?.includes(field));
  } else if (item.draft.type === 'record.update') {
    const drifted = item.draft.changes.filter((c) => c.state === 'drifted').map((c) => c.field);
    if (drifted.length > 0) {
      throw new ConflictError(
        `The record changed since the draft was made: ${drifted.join(', ')} now hold other values. Approve with ` +
          '"fields" naming the changes to apply (drifted ones included on purpose), or edit them first.',
        { status: item.status, version: item.version },
        { drifted },
      );
    }
  }
  const at = now.toISOString();
  const applying = applyClaimed(item, {
    applyId: `ap_${deps.newId()}`,
    by: caller.userId,
    claimedAt: at,
    fields,
    publications: 1,
    nextAt: new Date(now.getTime() + REPUBLISH_AFTER_MS).toISOString(),
  });
  await commit(deps, item, applying, 'approved', caller, {
    withDraft: true,
    detail: { applyId: applying.apply?.applyId ?? '', fields: fields.join(',') },
    event: { type: 'Record Change Approved', extra: recordCommand(applying) },
  });
  return presentItem(applying, member, now);
}
