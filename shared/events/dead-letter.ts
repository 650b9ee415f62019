/**
 * Dead-lettering an event that can never be processed (it fails its schema) at once, from inside the function:
 * one SQS SendMessage to the function's own failure queue (`DEAD_LETTER_QUEUE_URL`), after which the
 * invocation succeeds, so neither Lambda nor the local bus retries what no retry can fix.
 *
 * The SQS client is imported and created on the first rejected event only: a cold start never pays for it.
 * Without `DEAD_LETTER_QUEUE_URL`, or when the send fails, the rejection is thrown instead, as before: Lambda's
 * retries and on-failure destination (the same queue) still keep the event. Nothing is lost either way.
 */
import type { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { optionalEnv } from '../config.js';
import type { FieldIssue } from '../errors.js';
import { logger } from '../logger.js';

/** The body of a dead-letter message (JSON): why, and the event exactly as the function received it. */
export interface DeadLetterMessage {
  /** `Invalid event: <path>: <message>; …` */
  reason: string;
  issues: FieldIssue[];
  /** The function that rejected it (its Lambda name). */
  functionName: string;
  rejectedAt: string;
  /** The whole EventBridge envelope: re-put its source, detail-type and detail to replay it. */
  event: unknown;
}

/** Message attributes of a dead-letter message, for filtering the queue without parsing bodies. */
export const DEAD_LETTER_ATTRIBUTE = {
  /** Always `invalid-event` for now. */
  kind: 'kind',
  functionName: 'functionName',
  eventId: 'eventId',
  source: 'source',
  detailType: 'detailType',
} as const;

export const INVALID_EVENT = 'invalid-event';

/** More issues than this are summed up in the reason; the message stays far below SQS's size limit. */
const MAX_ISSUES = 50;
const MAX_REASON_CHARS = 4_000;

interface Sqs {
  client: SQSClient;
  SendMessageCommand: typeof SendMessageCommand;
}

let sqs: Promise<Sqs> | undefined;

/** Imported and created once per container, on the first rejected event. */
function loadSqs(): Promise<Sqs> {
  sqs ??= import('@aws-sdk/client-sqs').then((module) => ({
    client: new module.SQSClient({}),
    SendMessageCommand: module.SendMessageCommand,
  }));
  sqs.catch(() => {
    sqs = undefined; // the next rejected event tries again
  });
  return sqs;
}

export interface Rejection {
  reason: string;
  issues: FieldIssue[];
  /** What the handler throws when the event cannot be dead-lettered (the error Lambda will retry). */
  error: Error;
}

/**
 * Sends the rejected event to the function's failure queue, or throws `rejection.error` when it cannot (no
 * queue configured, or the send failed): then Lambda retries and its on-failure destination keeps the event.
 */
export async function deadLetter(event: unknown, rejection: Rejection, functionName: string): Promise<void> {
  const queueUrl = optionalEnv('DEAD_LETTER_QUEUE_URL');
  if (!queueUrl) {
    logger.warn('No DEAD_LETTER_QUEUE_URL: the rejected event is thrown, to be retried and dead-lettered');
    throw rejection.error;
  }
  const message: DeadLetterMessage = {
    reason: truncate(rejection.reason, MAX_REASON_CHARS),
    issues: rejection.issues.slice(0, MAX_ISSUES),
    functionName,
    rejectedAt: new Date().toISOString(),
    event,
  };
  const meta = envelopeMeta(event);
  try {
    const { client, SendMessageCommand } = await loadSqs();
    await client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify(message),
        MessageAttributes: stringAttributes({
          [DEAD_LETTER_ATTRIBUTE.kind]: INVALID_EVENT,
          [DEAD_LETTER_ATTRIBUTE.functionName]: functionName,
          [DEAD_LETTER_ATTRIBUTE.eventId]: meta.id,
          [DEAD_LETTER_ATTRIBUTE.source]: meta.source,
          [DEAD_LETTER_ATTRIBUTE.detailType]: meta['detail-type'],
        }),
      }),
    );
  } catch (cause) {
    logger.error('Could not dead-letter the rejected event; throwing it instead', { error: cause as Error });
    throw Object.assign(rejection.error, { cause });
  }
  logger.info('Rejected event dead-lettered', { eventId: meta.id, queueUrl });
}

/** id, source and detail-type of what looks like an EventBridge envelope (strings only). */
export function envelopeMeta(event: unknown): { id?: string; source?: string; 'detail-type'?: string } {
  if (typeof event !== 'object' || event === null) return {};
  const record = event as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  return { id: text(record.id), source: text(record.source), 'detail-type': text(record['detail-type']) };
}

/** SQS refuses empty attribute values: absent ones are left out. */
function stringAttributes(values: Record<string, string | undefined>) {
  return Object.fromEntries(
    Object.entries(values).flatMap(([name, value]) =>
      value === undefined ? [] : [[name, { DataType: 'String', StringValue: truncate(value, 256) }]],
    ),
  );
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
