/**
 * EventBridge PutEvents, request side: validates the entries the AWS SDK sends and turns the accepted
 * ones into the envelopes EventBridge hands to rule targets. Pure: no I/O, no clock or ids of its own.
 */
import * as z from 'zod';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from './aws-identity.js';

/** What a Lambda target of an EventBridge rule receives. */
export interface EventEnvelope {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export type PutEventsResultEntry = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

/** A whole request EventBridge would refuse (HTTP 400, `{ __type, message }`). */
export class PutEventsRequestError extends Error {
  constructor(
    readonly type: 'SerializationException' | 'ValidationException',
    message: string,
  ) {
    super(message);
    this.name = 'PutEventsRequestError';
  }
}

const MAX_ENTRIES = 10;
/** EventBridge's limit on the entries of one request (256 KB). */
export const MAX_REQUEST_ENTRIES_BYTES = 256 * 1024;

const entrySchema = z.object({
  Source: z.string().optional(),
  DetailType: z.string().optional(),
  Detail: z.string().optional(),
  EventBusName: z.string().optional(),
  Time: z.union([z.number(), z.string()]).optional(),
  Resources: z.array(z.string()).optional(),
  TraceHeader: z.string().optional(),
});
const requestSchema = z.object({ Entries: z.array(entrySchema), EndpointId: z.string().optional() });

export type PutEventsEntry = z.infer<typeof entrySchema>;

export interface PutEventsContext {
  /** The bus the local runtime serves (name; its ARN is accepted too). */
  eventBusName: string;
  /**
   * Whether the account's default bus is served too: when a rule listens there (AWS services such as SES publish
   * to it). An entry without EventBusName goes to the default bus, as in AWS.
   */
  serveDefaultBus?: boolean;
  now: Date;
  newId: () => string;
}

export type EntryOutcome =
  | { accepted: EventEnvelope; bus: 'own' | 'default' }
  | { failed: { ErrorCode: string; ErrorMessage: string } };

/** Parses a PutEvents body; throws PutEventsRequestError for what EventBridge refuses as a whole. */
export function parsePutEvents(body: string): PutEventsEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new PutEventsRequestError('SerializationException', 'The request body is not valid JSON');
  }
  const parsed = requestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PutEventsRequestError(
      'SerializationException',
      `Unexpected request shape at ${issue?.path.join('.') || 'root'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const entries = parsed.data.Entries;
  if (entries.length < 1 || entries.length > MAX_ENTRIES) {
    throw new PutEventsRequestError(
      'ValidationException',
      `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${MAX_ENTRIES}`,
    );
  }
  const size = entries.reduce((total, entry) => total + entrySize(entry), 0);
  if (size > MAX_REQUEST_ENTRIES_BYTES) {
    throw new PutEventsRequestError(
      'ValidationException',
      'Total size of the entries in the request is over the limit.',
    );
  }
  return entries;
}

/** EventBridge's entry size: source, detail-type, detail and resources as UTF-8, plus 14 bytes for a time. */
function entrySize(entry: PutEventsEntry): number {
  const bytes = (text: string | undefined) => (text === undefined ? 0 : Buffer.byteLength(text, 'utf8'));
  return (
    (entry.Time === undefined ? 0 : 14) +
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    (entry.Resources ?? []).reduce((total, resource) => total + bytes(resource), 0)
  );
}

/** Validates one entry the way EventBridge does and builds its envelope. */
export function toEnvelope(entry: PutEventsEntry, context: PutEventsContext): EntryOutcome {
  const busName = entry.EventBusName ?? 'default';
  const bus = namesBus(busName, context.eventBusName)
    ? 'own'
    : context.serveDefaultBus && namesBus(busName, 'default')
      ? 'default'
      : undefined;
  if (bus === undefined) {
    return invalid(
      'InvalidArgument',
      `Event bus ${busName} does not exist. The local runtime serves only the bus "${context.eventBusName}"` +
        (entry.EventBusName === undefined
          ? ' (set EventBusName: an entry without it goes to the default bus).'
          : '.'),
    );
  }
  if (!entry.Source)
    return invalid(
      'InvalidArgument',
      'Parameter Source is not valid. Reason: Source is a required argument.',
    );
  if (!entry.DetailType) {
    return invalid(
      'InvalidArgument',
      'Parameter DetailType is not valid. Reason: DetailType is a required argument.',
    );
  }
  if (entry.Detail === undefined) {
    return invalid(
      'InvalidArgument',
      'Parameter Detail is not valid. Reason: Detail is a required argument.',
    );
  }
  const detail = parseDetail(entry.Detail);
  if (!detail) return invalid('MalformedDetail', 'Detail is malformed.');
  const time = timeOf(entry.Time, context.now);
  if (!time) return invalid('InvalidArgument', 'Parameter Time is not valid.');
  return {
    bus,
    accepted: {
      version: '0',
      id: context.newId(),
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: LOCAL_ACCOUNT_ID,
      time,
      region: LOCAL_REGION,
      resources: entry.Resources ?? [],
      detail,
    },
  };
}

function invalid(ErrorCode: string, ErrorMessage: string): EntryOutcome {
  return { failed: { ErrorCode, ErrorMessage } };
}

function namesBus(given: string, busName: string): boolean {
  return (
    given === busName || given === `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:event-bus/${busName}`
  );
}

/** Detail must be a JSON object. */
function parseDetail(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    return { ...value };
  } catch {
    return undefined;
  }
}

/** The SDK sends Time as epoch seconds; EventBridge envelopes carry it as ISO 8601 without milliseconds. */
function timeOf(time: number | string | undefined, now: Date): string | undefined {
  const date = time === undefined ? now : new Date(typeof time === 'number' ? time * 1_000 : time);
  if (Number.isNaN(date.getTime())) return undefined;
  return eventTime(date);
}

/** An envelope's `time`: ISO 8601 in UTC, to the second. */
export function eventTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
