/**
 * The email kind's executor: an approval sends the email exactly once (docs/approval-state-machine.md).
 * 1. Claim: pending → sending. Exactly one claim wins; the dedup key is released (a new proposal starts a new item).
 * 2. Send once, through the mailer port. 3. Record the outcome: sent; pending again after a definite rejection;
 * `send_unknown` when the outcome is unknown (never resent automatically).
 */

import { claimed, sendRejected, sendUnknown, sent } from '../../domain/lifecycle.js';
import type { ReviewItem } from '../../domain/review-item.js';
import { ConflictError, DomainError, ValidationError } from '../../errors.js';
import type { ApproveContext, ApproveOptions, ChangeOptions, PresentedItem } from '../kind.js';
import type { EmailDraft } from './schema.js';
import { type EmailItem, SendOutcomeUnknownError, SendRejectedError } from './sender.js';

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

/** A plain approve of a stale item (spec 3, Stale emails): 409 naming why, until the reviewer acknowledges it. */
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

/** What the email's approval must satisfy before its claim: no `fields`, a resend confirmed, a stale mark acknowledged. */
export function checkEmailApproval(item: ReviewItem, options: ApproveOptions): void {
  if (options.fields !== undefined) {
    throw new ValidationError('"fields" names the changes of a record draft; this is an email', [
      { path: 'fields', message: 'only for record drafts' },
    ]);
  }
  if (item.status === 'send_unknown' && options.confirmResend !== true) {
    throw new ConflictError(
      'The previous send of this item has an unknown outcome. Check the sent mail, then approve with ' +
        '"confirmResend": true to send it again, or dismiss it.',
      { status: item.status, version: item.version },
    );
  }
  if (item.stale && options.acknowledgeStale !== true) throw new StaleItemError(item);
}

export async function sendEmail(context: ApproveContext<EmailDraft>): Promise<ReviewItem> {
  const { item, options } = context;
  checkEmailApproval(item, options);

  const sending = claimed(item, {
    id: context.newId(),
    by: context.userId,
    claimedAt: context.now.toISOString(),
  }) as EmailItem;
  await context.commit(item, sending, 'approved', { withDraft: true });

  try {
    const { messageId } = await context.ports.mailer.send(sending);
    const done = sent(sending, context.userId, context.clock().toISOString(), messageId);
    await context.commitOutcome(sending, done, 'sent', {
      countsApproval: true,
      detail: { messageId },
      event: { type: 'Review Item Sent', extra: { messageId } },
    });
    return done;
  } catch (error) {
    if (error instanceof SendRejectedError) {
      const back = await returnToPending(context, sending, item.holdsKey, error);
      throw new SendFailedError(
        502,
        `The email was not sent: ${error.code}: ${error.message}. The item is pending again.`,
        context.present(back),
        { cause: error },
      );
    }
    if (error instanceof SendOutcomeUnknownError) {
      const at = context.clock().toISOString();
      const unknown = sendUnknown(sending, { code: error.code, message: error.message, at });
      await context.commitOutcome(sending, unknown, 'send_unknown', {
        detail: { code: error.code },
        event: { type: 'Review Item Send Failed', extra: { outcome: 'unknown', code: error.code } },
      });
      throw new SendFailedError(
        504,
        `The email may or may not have been sent (${error.code}). It will not be resent automatically: ` +
          'check the sent mail, then approve again with "confirmResend": true, or dismiss.',
        context.present(unknown),
        { cause: error },
      );
    }
    throw error;
  }
}

/** A definite rejection: back to pending with the error shown, re-taking the dedup key if nobody took it since. */
async function returnToPending(
  context: ApproveContext<EmailDraft>,
  sending: ReviewItem,
  heldKey: boolean,
  error: SendRejectedError,
): Promise<ReviewItem> {
  const at = context.clock().toISOString();
  const back = sendRejected(sending, { code: error.code, message: error.message, at }, heldKey);
  const options: ChangeOptions = {
    detail: { code: error.code, message: error.message.slice(0, 500) },
    event: { type: 'Review Item Send Failed', extra: { outcome: 'rejected', code: error.code } },
  };
  try {
    await context.commitOutcome(sending, back, 'send_failed', options);
    return back;
  } catch (conflict) {
    if (!heldKey || !(conflict instanceof ConflictError) || conflict.current.status !== 'sending')
      throw conflict;
    // A newer proposal took the key while we were sending: stay pending without it.
    const keyless = { ...back, holdsKey: false };
    await context.commitOutcome(sending, keyless, 'send_failed', options);
    return keyless;
  }
}
