/**
 * SQS SendMessage, request side, for the local failure queue: a function dead-letters an event it can never
 * process (shared/events/dead-letter.ts) with `@aws-sdk/client-sqs`, which sends the JSON protocol
 * (`POST /`, `x-amz-target: AmazonSQS.SendMessage`, `content-type: application/x-amz-json-1.0`) to the
 * host of the queue URL. The local event bus serves it on its own port and keeps the message as a dead letter.
 * Pure: no I/O.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { LOCAL_ACCOUNT_ID } from './aws-identity.js';
import type { EventEnvelope } from './put-events.js';

export const SEND_MESSAGE_TARGET = 'AmazonSQS.SendMessage';
export const SQS_TARGET_PREFIX = 'AmazonSQS.';
export const AMZ_JSON_1_0 = 'application/x-amz-json-1.0';
/** SQS's default (and the failure queues') maximum message size. */
export const MAX_MESSAGE_BYTES = 256 * 1024;

/**
 * The local failure queue. One for every function: handlers share one process here, so one
 * DEAD_LETTER_QUEUE_URL; the message names its function (in AWS each function has its own queue).
 */
export const LOCAL_FAILURE_QUEUE = 'on-failure';

/** The queue URL handlers get as DEAD_LETTER_QUEUE_URL: on the bus's port, in the local account. */
export const localFailureQueueUrl = (busEndpoint: string): string =>
  `${busEndpoint}/${LOCAL_ACCOUNT_ID}/${LOCAL_FAILURE_QUEUE}`;

/** A request SQS would refuse: `type` is the JSON protocol's error shape name. */
export class SendMessageError extends Error {
  constructor(
    readonly type:
      | 'InvalidParameterValue'
      | 'MissingParameter'
      | 'QueueDoesNotExist'
      | 'InvalidMessageContents',
    message: string,
    /** The query protocol's code, which the SDK reads from `x-amzn-query-error` (mostly the same). */
    readonly queryCode: string = type,
  ) {
    super(message);
    this.name = 'SendMessageError';
  }
}

const requestSchema = z.object({
  QueueUrl: z.string(),
  MessageBody: z.string(),
  DelaySeconds: z.number().optional(),
  MessageAttributes: z
    .record(z.string(), z.object({ DataType: z.string(), StringValue: z.string().optional() }).loose())
    .optional(),
  MessageSystemAttributes: z.unknown().optional(),
  MessageDeduplicationId: z.string().optional(),
  MessageGroupId: z.string().optional(),
});

/** What a function sends: shared/events/dead-letter.ts's DeadLetterMessage. */
const deadLetterBodySchema = z.object({
  reason: z.string().min(1),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).default([]),
  functionName: z.string().min(1),
  event: z
    .object({ id: z.string(), source: z.string(), 'detail-type': z.string(), detail: z.unknown() })
    .loose(),
});

export interface DeadLetterRequest {
  functionName: string;
  reason: string;
  issues: { path: string; message: string }[];
  event: EventEnvelope;
  /** What SendMessage answers: the body's MD5 (the SDK checks it) and an id. */
  answer: { MessageId: string; MD5OfMessageBody: string };
}

/**
 * Parses a SendMessage request for the local failure queue of the bus at `busEndpoint`. Throws SendMessageError
 * for what SQS would refuse, and for a body that is not a dead-letter message (nothing else is sent here).
 */
export function parseSendMessage(body: string, busEndpoint: string, newId: () => string): DeadLetterRequest {
  const request = requestSchema.safeParse(parseJson(body));
  if (!request.success) {
    const missing = request.error.issues.find((issue) => issue.code === 'invalid_type');
    throw new SendMessageError(
      missing ? 'MissingParameter' : 'InvalidParameterValue',
      `Invalid SendMessage request at ${request.error.issues[0]?.path.join('.') || 'root'}`,
    );
  }
  const { QueueUrl, MessageBody } = request.data;
  if (!isLocalFailureQueue(QueueUrl))
    throw new SendMessageError(
      'QueueDoesNotExist',
      `The local bus has one queue, ${localFailureQueueUrl(busEndpoint)}, not ${QueueUrl}`,
      'AWS.SimpleQueueService.NonExistentQueue',
    );
  if (MessageBody === '')
    throw new SendMessageError('MissingParameter', 'The request must contain the parameter MessageBody.');
  if (Buffer.byteLength(MessageBody) > MAX_MESSAGE_BYTES)
    throw new SendMessageError(
      'InvalidParameterValue',
      `One or more parameters are invalid. Reason: Message must be shorter than ${MAX_MESSAGE_BYTES} bytes.`,
    );
  const message = deadLetterBodySchema.safeParse(parseJson(MessageBody));
  if (!message.success)
    throw new SendMessageError(
      'InvalidMessageContents',
      'The local failure queue takes the dead-letter messages of shared/events/dead-letter.ts ' +
        '({ reason, issues, functionName, event }) only',
    );
  const { functionName, reason, issues, event } = message.data;
  return {
    functionName,
    reason,
    issues,
    event: event as unknown as EventEnvelope,
    answer: { MessageId: newId(), MD5OfMessageBody: createHash('md5').update(MessageBody).digest('hex') },
  };
}

/** Any host: the SDK sends to the queue URL's host, which is this bus whatever name it was reached by. */
function isLocalFailureQueue(queueUrl: string): boolean {
  try {
    return new URL(queueUrl).pathname === `/${LOCAL_ACCOUNT_ID}/${LOCAL_FAILURE_QUEUE}`;
  } catch {
    return false;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
