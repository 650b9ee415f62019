/**
 * Sending an approved draft. The one rule that matters: a send whose outcome is unknown is never retried here.
 *
 * The SES client is built with `maxAttempts: 1` so the SDK itself never resends; this module retries only
 * answers that prove SES did not accept the message (throttling), with a short backoff, and classifies
 * everything else:
 * - `SendRejectedError`: SES answered and did not accept it (message rejected, unverified sender, throttled
 *   after our backoff, any other 4xx, or no connection could be made at all). Nothing was sent.
 * - `SendOutcomeUnknownError`: the request may have reached SES (timeout, connection reset, 5xx). It may or
 *   may not have been sent.
 */
import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { crashPoint } from '../crash-points.js';
import {
  type EmailItem,
  type Mailer,
  SendOutcomeUnknownError,
  SendRejectedError,
  type SentMessage,
} from '../drafts/email/sender.js';

export { type EmailItem, type Mailer, SendOutcomeUnknownError, SendRejectedError };

const THROTTLING = new Set([
  'TooManyRequestsException',
  'Throttling',
  'ThrottlingException',
  'LimitExceededException',
]);
/** Errors raised before any byte of the request could reach SES. */
const NEVER_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export interface SesMailerOptions {
  configurationSet?: string;
  /** Backoff delays for throttled attempts, in ms; the number of retries is its length. */
  throttleBackoffMs?: number[];
  sleep?: (ms: number) => Promise<void>;
}

export class SesMailer implements Mailer {
  private readonly backoff: number[];
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly client: SESv2Client,
    private readonly options: SesMailerOptions = {},
  ) {
    this.backoff = options.throttleBackoffMs ?? [200, 800, 2000];
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async send(item: EmailItem): Promise<SentMessage> {
    const command = sendCommandFor(item, this.options.configurationSet);
    crashPoint('ses.send.before');
    for (let attempt = 0; ; attempt++) {
      let messageId: string;
      try {
        const out = await this.client.send(command);
        if (!out.MessageId)
          throw new SendOutcomeUnknownError('NoMessageId', 'SES answered without a message id');
        messageId = out.MessageId;
      } catch (error) {
        const failure = classify(error);
        const delay = this.backoff[attempt];
        if (failure instanceof SendRejectedError && THROTTLING.has(failure.code) && delay !== undefined) {
          await this.sleep(delay);
          continue;
        }
        throw failure;
      }
      // Outside the try: a crash here is the process dying, not a send failure to classify.
      crashPoint('ses.send.after');
      return { messageId };
    }
  }
}

export function sendCommandFor(item: EmailItem, configurationSet?: string): SendEmailCommand {
  const { draft } = item;
  const headers = draft.inReplyTo
    ? [
        { Name: 'In-Reply-To', Value: draft.inReplyTo },
        { Name: 'References', Value: draft.inReplyTo },
      ]
    : undefined;
  return new SendEmailCommand({
    FromEmailAddress: draft.from,
    Destination: { ToAddresses: draft.to, CcAddresses: draft.cc, BccAddresses: draft.bcc },
    Content: {
      Simple: {
        Subject: { Data: draft.subject, Charset: 'UTF-8' },
        Body: {
          Text: { Data: draft.bodyText, Charset: 'UTF-8' },
          ...(draft.bodyHtml ? { Html: { Data: draft.bodyHtml, Charset: 'UTF-8' } } : {}),
        },
        ...(headers ? { Headers: headers } : {}),
      },
    },
    EmailTags: [
      { Name: 'reviewItemId', Value: item.id },
      { Name: 'workspaceId', Value: item.workspaceId },
    ],
    ...(configurationSet ? { ConfigurationSetName: configurationSet } : {}),
  });
}

/** Classifies an SDK or network failure as a definite rejection or an unknown outcome. */
export function classify(error: unknown): SendRejectedError | SendOutcomeUnknownError {
  if (error instanceof SendRejectedError || error instanceof SendOutcomeUnknownError) return error;
  const e = error as {
    name?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const name = e.name ?? 'Error';
  const message = e.message ?? String(error);
  const status = e.$metadata?.httpStatusCode;
  if (e.code && NEVER_CONNECTED.has(e.code)) return new SendRejectedError(e.code, message, { cause: error });
  if (status !== undefined && status >= 400 && status < 500)
    return new SendRejectedError(name, message, { cause: error });
  if (THROTTLING.has(name)) return new SendRejectedError(name, message, { cause: error });
  return new SendOutcomeUnknownError(e.code ?? name, message, { cause: error });
}
