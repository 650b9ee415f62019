/**
 * The local EventBridge: an HTTP endpoint speaking PutEvents as the AWS SDK sends it, delivering every
 * accepted event to the Lambda handler of every manifest rule whose pattern matches, asynchronously, with
 * retries and a dead-letter list, as the CDK stack's rules, targets and dead-letter queue do in AWS.
 *
 * Read endpoints on the same server: `GET /events?source=&detailType=`, `GET /dead-letters`, `GET /health`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { EventPattern, FunctionSpec } from '../manifest.js';
import { matchesPattern } from './event-pattern.js';
import type { HandlerInvoker } from './handlers.js';
import { BodyTooLargeError, closeServer, listenLocal, readBody, sendJson } from './http-server.js';
import { describeError, type LocalLog } from './log.js';
import { LOCAL_HOST } from './ports.js';
import {
  type EventEnvelope,
  MAX_REQUEST_ENTRIES_BYTES,
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

export interface BusRule {
  ruleName: string;
  pattern: EventPattern;
  fn: FunctionSpec;
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

export interface EventBusOptions {
  port: number;
  eventBusName: string;
  rules: BusRule[];
  invoker: HandlerInvoker;
  log: LocalLog;
  /** Delay before each retry; its length + 1 is the number of attempts. Default [100, 400]: 3 attempts. */
  retryDelaysMs?: number[];
}

export interface LocalEventBus {
  endpoint: string;
  port: number;
  /** Every accepted event, oldest first, optionally filtered. */
  events(filter?: EventFilter): EventEnvelope[];
  /** Deliveries that failed every attempt. */
  deadLetters(): DeadLetter[];
  /** Resolves once no delivery is pending (including retries, and events those deliveries published). */
  idle(): Promise<void>;
  /** Stops accepting events, then waits (up to 5 s) for deliveries under way. */
  stop(): Promise<void>;
}

export async function startEventBus(options: EventBusOptions): Promise<LocalEventBus> {
  const retryDelaysMs = options.retryDelaysMs ?? [100, 400];
  const { log } = options;
  const accepted: EventEnvelope[] = [];
  const deadLetters: DeadLetter[] = [];
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

  async function deliver(rule: BusRule, event: EventEnvelope): Promise<void> {
    const attempts = retryDelaysMs.length + 1;
    for (let attempt = 1; ; attempt += 1) {
      try {
        await options.invoker.invoke(rule.fn, event);
        log.debug(`${event['detail-type']} ${event.id} → ${rule.fn.name} (attempt ${attempt})`);
        return;
      } catch (error) {
        if (attempt >= attempts) {
          keep(deadLetters, {
            ruleName: rule.ruleName,
            functionName: rule.fn.name,
            event,
            attempts,
            error: describeError(error),
            failedAt: new Date().toISOString(),
          });
          log.warn(
            `${rule.fn.name} failed ${attempts} times on ${event['detail-type']} ${event.id}; dead-lettered: ${describeError(error)}`,
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

  function accept(event: EventEnvelope): void {
    keep(accepted, event);
    const targets = options.rules.filter((rule) => matchesPattern(event, rule.pattern));
    log.debug(`accepted ${event.source} / ${event['detail-type']} ${event.id} → ${targets.length} rule(s)`);
    for (const rule of targets) {
      pending += 1; // counted before the response goes out, so idle() cannot miss it
      setImmediate(() => void deliver(rule, event).finally(settleOne));
    }
  }

  function putEvents(body: string): { FailedEntryCount: number; Entries: PutEventsResultEntry[] } {
    const context = { eventBusName: options.eventBusName, now: new Date(), newId: randomUUID };
    const results = parsePutEvents(body).map((entry): PutEventsResultEntry => {
      const outcome = toEnvelope(entry, context);
      if ('failed' in outcome) return outcome.failed;
      accept(outcome.accepted);
      return { EventId: outcome.accepted.id };
    });
    return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
  }

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
      return sendJson(response, 404, { message: 'Not Found' });
    }
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
    try {
      sendJson(response, 200, putEvents(body.toString('utf8')), AMZ_JSON);
    } catch (error) {
      if (error instanceof PutEventsRequestError) return awsError(response, error.type, error.message);
      throw error;
    }
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
    idle,
    stop: async () => {
      await closeServer(server);
      await Promise.race([idle(), new Promise((resolve) => setTimeout(resolve, STOP_WAIT_MS).unref())]);
    },
  };
}

function awsError(response: ServerResponse, type: string, message: string, status = 400): void {
  response.setHeader('x-amzn-errortype', type);
  sendJson(response, status, { __type: type, message }, AMZ_JSON);
}
