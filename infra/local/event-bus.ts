/**
 * The local EventBridge: an HTTP endpoint speaking PutEvents as the AWS SDK sends it, delivering every
 * accepted event to the Lambda handler of every manifest rule whose pattern matches, asynchronously, with
 * retries and a dead-letter list, as the CDK stack's rules, targets and dead-letter queue do in AWS.
 *
 * Read endpoints on the same server: `GET /events?source=&detailType=`, `GET /dead-letters`,
 * `GET /deliveries?eventId=` (what each rule's function made of an event), `GET /health`, the published event
 * schemas (`GET /schemas`, `GET /schemas/<detail-type>`) and whatever the runtime adds (`GET /stream-failures`). The fault switch (SPEC 7): `POST /faults {"failPutEvents": n}` makes
 * the next n PutEvents requests made by the system itself (every entry's Source is the system's own) fail as
 * EventBridge does under an outage; `GET /faults` answers what is left.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import * as z from 'zod';
import { type EventPattern, type FunctionSpec, OWN_EVENT_SOURCE } from '../manifest.js';
import { matchesPattern } from './event-pattern.js';
import type { HandlerInvoker } from './handlers.js';
import { BodyTooLargeError, closeServer, listenLocal, readBody, sendJson } from './http-server.js';
import { describeError, type LocalLog } from './log.js';
import { LOCAL_HOST } from './ports.js';
import {
  type EventEnvelope,
  MAX_REQUEST_ENTRIES_BYTES,
  type PutEventsEntry,
  PutEventsRequestError,
  type PutEventsResultEntry,
  parsePutEvents,
  toEnvelope,
} from './put-events.js';

const AMZ_JSON = 'application/x-amz-json-1.1';
const PUT_EVENTS_TARGET = 'AWSEvents.PutEvents';
/** Kept in memory for reading; the oldest go first past this many (a long `npm start` stays small). */
const MAX_KEPT = 10_000;
/** On stop, deliveries under way get this long to finish before the stand-ins they use go away. */
const STOP_WAIT_MS = 5_000;
const SCHEMAS_PREFIX = '/schemas/';

export interface BusRule {
  ruleName: string;
  pattern: EventPattern;
  fn: FunctionSpec;
  /** `default`: the rule listens on the account's default bus, as in the CDK stack. */
  bus?: 'default';
}

export interface DeadLetter {
  ruleName: string;
  functionName: string;
  event: EventEnvelope;
  attempts: number;
  error: string;
  failedAt: string;
}

export interface EventFilter {
  source?: string;
  detailType?: string;
}

/** What one rule's function made of one event: the handler's result, or why it was dead-lettered. */
export interface Delivery {
  ruleName: string;
  functionName: string;
  status: 'pending' | 'delivered' | 'dead-lettered';
  attempts: number;
  result?: unknown;
  error?: string;
}

/** The fault switch's state: how many of the system's own PutEvents requests will still fail. */
export interface Faults {
  failPutEvents: number;
}

export interface EventBusOptions {
  port: number;
  eventBusName: string;
  rules: BusRule[];
  invoker: HandlerInvoker;
  log: LocalLog;
  /** Delay before each retry; its length + 1 is the number of attempts. Default [100, 400]: 3 attempts. */
  retryDelaysMs?: number[];
  /** The Source of the system's own events, which the fault switch fails (default the manifest's). */
  ownSource?: string;
  /** More read-only endpoints on this server: path → what `GET path` answers as JSON. */
  reads?: Record<string, () => unknown>;
  /**
   * The JSON Schemas of the events' details, by detail-type: `GET /schemas` answers them all, `GET
   * /schemas/<detail-type>` (URL-encoded) one of them. Loaded on the first such request, not at start.
   */
  schemas?: () => Promise<Record<string, unknown>>;
}

export interface LocalEventBus {
  endpoint: string;
  port: number;
  /** Every accepted event, oldest first, optionally filtered. */
  events(filter?: EventFilter): EventEnvelope[];
  /** Deliveries that failed every attempt. */
  deadLetters(): DeadLetter[];
  /** What each matching rule's function made of the event (undefined for an event this bus does not know). */
  deliveries(eventId: string): Delivery[] | undefined;
  /** Resolves once no delivery is pending (including retries, and events those deliveries published). */
  idle(): Promise<void>;
  /** How many events this bus has accepted (for quiet detection). */
  acceptedCount(): number;
  /** Makes the next n PutEvents requests of the system's own events fail (0 turns the switch off). */
  failPutEvents(n: number): void;
  faults(): Faults;
  /** Stops accepting events, then waits (up to 5 s) for deliveries under way. */
  stop(): Promise<void>;
}

export async function startEventBus(options: EventBusOptions): Promise<LocalEventBus> {
  const retryDelaysMs = options.retryDelaysMs ?? [100, 400];
  const { log } = options;
  const ownSource = options.ownSource ?? OWN_EVENT_SOURCE;
  const accepted: EventEnvelope[] = [];
  const deadLetters: DeadLetter[] = [];
  const deliveriesByEvent = new Map<string, Delivery[]>();
  const faults: Faults = { failPutEvents: 0 };
  let acceptedTotal = 0;
  let pending = 0;
  let idleWaiters: (() => void)[] = [];

  const keep = <T>(list: T[], item: T) => {
    list.push(item);
    if (list.length > MAX_KEPT) list.splice(0, list.length - MAX_KEPT);
  };

  const settleOne = () => {
    pending -= 1;
    if (pending > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const wake of waiters) wake();
  };

  async function deliver(rule: BusRule, event: EventEnvelope, delivery: Delivery): Promise<void> {
    const attempts = retryDelaysMs.length + 1;
    for (let attempt = 1; ; attempt += 1) {
      delivery.attempts = attempt;
      try {
        const result = await options.invoker.invoke(rule.fn, event);
        delivery.status = 'delivered';
        delivery.result = result;
        log.info(
          `${eventName(event)} → ${rule.fn.name}: ${outcomeOf(result)}${attempt > 1 ? ` (attempt ${attempt})` : ''}`,
        );
        return;
      } catch (error) {
        if (attempt >= attempts) {
          delivery.status = 'dead-lettered';
          delivery.error = describeError(error);
          keep(deadLetters, {
            ruleName: rule.ruleName,
            functionName: rule.fn.name,
            event,
            attempts,
            error: describeError(error),
            failedAt: new Date().toISOString(),
          });
          log.warn(
            `${eventName(event)} → ${rule.fn.name}: dead-lettered after ${attempts} attempts (GET /dead-letters): ${describeError(error)}`,
          );
          return;
        }
        log.info(
          `${rule.fn.name} failed on ${event.id} (attempt ${attempt}), retrying: ${describeError(error)}`,
        );
        await new Promise((resolve) => setTimeout(resolve, retryDelaysMs[attempt - 1]));
      }
    }
  }

  function accept(event: EventEnvelope, bus: 'own' | 'default'): void {
    keep(accepted, event);
    acceptedTotal += 1;
    const targets = options.rules.filter(
      (rule) => (rule.bus === 'default' ? 'default' : 'own') === bus && matchesPattern(event, rule.pattern),
    );
    if (targets.length === 0) log.info(`${eventName(event)}: accepted, no rule matches`);
    const deliveries = targets.map(
      (rule): Delivery => ({
        ruleName: rule.ruleName,
        functionName: rule.fn.name,
        status: 'pending',
        attempts: 0,
      }),
    );
    deliveriesByEvent.set(event.id, deliveries);
    if (deliveriesByEvent.size > MAX_KEPT) {
      const oldest = deliveriesByEvent.keys().next().value;
      if (oldest !== undefined) deliveriesByEvent.delete(oldest);
    }
    targets.forEach((rule, index) => {
      const delivery = deliveries[index] as Delivery;
      pending += 1; // counted before the response goes out, so idle() cannot miss it
      setImmediate(() => void deliver(rule, event, delivery).finally(settleOne));
    });
  }

  /** The fault switch: true (and one fault spent) when this request must fail as under an outage. */
  function failsNow(entries: PutEventsEntry[]): boolean {
    if (faults.failPutEvents <= 0 || !entries.every((entry) => entry.Source === ownSource)) return false;
    faults.failPutEvents -= 1;
    log.info(
      `fault switch: failed a PutEvents of ${entries.length} ${ownSource} event(s) with InternalException (${faults.failPutEvents} left)`,
    );
    return true;
  }

  function putEvents(entries: PutEventsEntry[]): {
    FailedEntryCount: number;
    Entries: PutEventsResultEntry[];
  } {
    const context = {
      eventBusName: options.eventBusName,
      serveDefaultBus: options.rules.some((rule) => rule.bus === 'default'),
      now: new Date(),
      newId: randomUUID,
    };
    const results = entries.map((entry): PutEventsResultEntry => {
      const outcome = toEnvelope(entry, context);
      if ('failed' in outcome) return outcome.failed;
      accept(outcome.accepted, outcome.bus);
      return { EventId: outcome.accepted.id };
    });
    return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
  }

  let loadedSchemas: Promise<Record<string, unknown>> | undefined;
  const schemas = () => {
    loadedSchemas ??= options.schemas ? options.schemas() : Promise.resolve({});
    return loadedSchemas;
  };

  const idle = () =>
    pending === 0 ? Promise.resolve() : new Promise<void>((wake) => idleWaiters.push(wake));

  const events = (filter: EventFilter = {}) =>
    accepted.filter(
      (event) =>
        (filter.source === undefined || event.source === filter.source) &&
        (filter.detailType === undefined || event['detail-type'] === filter.detailType),
    );

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', `http://${LOCAL_HOST}`);
    if (request.method === 'GET') {
      if (url.pathname === '/health') return sendJson(response, 200, { status: 'ok' });
      if (url.pathname === '/events') {
        const filter = {
          source: url.searchParams.get('source') ?? undefined,
          detailType: url.searchParams.get('detailType') ?? undefined,
        };
        return sendJson(response, 200, { events: events(filter) });
      }
      if (url.pathname === '/dead-letters') return sendJson(response, 200, { deadLetters });
      if (url.pathname === '/faults') return sendJson(response, 200, faults);
      if (url.pathname === '/deliveries') return answerDeliveries(response, url.searchParams.get('eventId'));
      if (url.pathname === '/schemas') return sendJson(response, 200, await schemas());
      if (url.pathname.startsWith(SCHEMAS_PREFIX))
        return answerSchema(response, url.pathname.slice(SCHEMAS_PREFIX.length), await schemas());
      const read = options.reads?.[url.pathname];
      if (read && Object.hasOwn(options.reads ?? {}, url.pathname)) return sendJson(response, 200, read());
      return sendJson(response, 404, { message: 'Not Found' });
    }
    if (request.method === 'POST' && url.pathname === '/faults') return setFaults(request, response);
    if (request.method !== 'POST' || url.pathname !== '/')
      return sendJson(response, 404, { message: 'Not Found' });

    const target = request.headers['x-amz-target'];
    if (target !== PUT_EVENTS_TARGET) {
      return awsError(
        response,
        'UnknownOperationException',
        `The local event bus only implements ${PUT_EVENTS_TARGET}, not ${target ?? '(no x-amz-target)'}`,
      );
    }
    let body: Buffer;
    try {
      body = await readBody(request, 4 * MAX_REQUEST_ENTRIES_BYTES);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      return awsError(
        response,
        'ValidationException',
        'Total size of the entries in the request is over the limit.',
      );
    }
    let entries: PutEventsEntry[];
    try {
      entries = parsePutEvents(body.toString('utf8'));
    } catch (error) {
      if (error instanceof PutEventsRequestError) return awsError(response, error.type, error.message);
      throw error;
    }
    if (failsNow(entries))
      return awsError(
        response,
        'InternalException',
        'Internal error (the local fault switch: POST /faults)',
        500,
      );
    sendJson(response, 200, putEvents(entries), AMZ_JSON);
  }

  function answerDeliveries(response: ServerResponse, eventId: string | null): void {
    const deliveries = eventId ? deliveriesByEvent.get(eventId) : undefined;
    if (!eventId) sendJson(response, 400, { message: 'Give the event id: GET /deliveries?eventId=<id>' });
    else if (!deliveries) sendJson(response, 404, { message: `This bus has no event ${eventId}` });
    else sendJson(response, 200, { eventId, deliveries });
  }

  function answerSchema(response: ServerResponse, encoded: string, schemas: Record<string, unknown>): void {
    let detailType: string | undefined;
    try {
      detailType = decodeURIComponent(encoded);
    } catch {
      detailType = undefined;
    }
    if (detailType !== undefined && Object.hasOwn(schemas, detailType))
      sendJson(response, 200, schemas[detailType]);
    else
      sendJson(response, 404, {
        message: `No published schema for the detail-type ${JSON.stringify(detailType ?? encoded)}: GET /schemas lists them`,
      });
  }

  async function setFaults(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let text: string;
    try {
      text = (await readBody(request, 4_096)).toString('utf8');
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      return sendJson(response, 413, { message: 'The body is larger than 4096 bytes' });
    }
    const parsed = faultsRequestSchema.safeParse(parseJson(text));
    if (!parsed.success) {
      return sendJson(response, 400, {
        message: 'Expected a JSON body like {"failPutEvents": 3}: an integer from 0 to 1000000',
      });
    }
    faults.failPutEvents = parsed.data.failPutEvents;
    log.info(`fault switch: the next ${faults.failPutEvents} PutEvents of ${ownSource} events will fail`);
    sendJson(response, 200, faults);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      log.error(`PutEvents failed: ${describeError(error)}`);
      if (!response.headersSent)
        awsError(response, 'InternalException', 'Internal error in the local event bus', 500);
    });
  });
  const port = await listenLocal(server, options.port, 'the local event bus');

  return {
    endpoint: `http://${LOCAL_HOST}:${port}`,
    port,
    events,
    deadLetters: () => [...deadLetters],
    deliveries: (eventId) => {
      const deliveries = deliveriesByEvent.get(eventId);
      return deliveries?.map((delivery) => ({ ...delivery }));
    },
    idle,
    acceptedCount: () => acceptedTotal,
    failPutEvents: (n) => {
      faults.failPutEvents = faultsRequestSchema.shape.failPutEvents.parse(n);
    },
    faults: () => ({ ...faults }),
    stop: async () => {
      await closeServer(server);
      await Promise.race([idle(), new Promise((resolve) => setTimeout(resolve, STOP_WAIT_MS).unref())]);
    },
  };
}

const faultsRequestSchema = z.object({ failPutEvents: z.number().int().min(0).max(1_000_000) }).strict();

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `automations / Review Draft Proposed 3f2a9c1e`: how log lines name an event. */
function eventName(event: EventEnvelope): string {
  return `${event.source} / ${event['detail-type']} ${event.id.slice(0, 8)}`;
}

/**
 * A handler's result as one short phrase: `created itemId=ri_1 version=1`, `applied=true`. Generic: whatever
 * the function returns, its `outcome` first.
 */
export function outcomeOf(result: unknown): string {
  if (result === undefined || result === null) return 'done';
  if (typeof result !== 'object' || Array.isArray(result)) return truncate(JSON.stringify(result));
  const { outcome, ...rest } = result as Record<string, unknown>;
  const parts = Object.entries(rest).map(
    ([name, value]) => `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`,
  );
  if (typeof outcome === 'string') parts.unshift(outcome);
  else if (outcome !== undefined) parts.unshift(`outcome=${JSON.stringify(outcome)}`);
  return parts.length === 0 ? 'done' : truncate(parts.join(' '));
}

function truncate(text: string, max = 300): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function awsError(response: ServerResponse, type: string, message: string, status = 400): void {
  response.setHeader('x-amzn-errortype', type);
  sendJson(response, status, { __type: type, message }, AMZ_JSON);
}
