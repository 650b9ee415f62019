/**
 * The port an email draft is sent through (its adapter: shared/mail/mailer.ts, over SES), and how a send can fail:
 * - `SendRejectedError`: the provider answered and did not accept it. Nothing was sent.
 * - `SendOutcomeUnknownError`: the request may have reached the provider. It may or may not have been sent, and is
 *   never retried automatically.
 */
import type { ReviewItem } from '../../domain/review-item.js';
import type { EmailDraft } from './schema.js';

/** An item holding an email draft: what the mailer sends. */
export type EmailItem = ReviewItem & { draft: EmailDraft };

export interface SentMessage {
  messageId: string;
}

export interface Mailer {
  send(item: EmailItem): Promise<SentMessage>;
}

export class SendRejectedError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SendRejectedError';
  }
}

export class SendOutcomeUnknownError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SendOutcomeUnknownError';
  }
}
