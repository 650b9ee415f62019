/**
 * The local bus's deliveries: what each matching rule's function made of each accepted event (`GET
 * /deliveries`), and the dead letters (`GET /dead-letters`). A delivery invokes its function's handler through
 * the delivery queue (delivery-queue.ts: the function's concurrency cap, the retries with jitter), and ends
 * `delivered` with the handler's result or `dead-lettered`, either after its last attempt failed or at once when
 * the function dead-lettered an invalid event itself (SQS SendMessage, send-message.ts), as it does in AWS.
 */
import type { EventPattern, FunctionSpec } from '../manifest.js';
import {
  createDeliveryQueue,
  DEFAULT_RETRY,
  fullJitterDelay,
  type QueuedDelivery,
  type RetryPolicy,
} from './delivery-queue.js';
import { matchesPattern } from './event-pattern.js';
import type { HandlerInvoker } from './handlers.js';
import { describeError, type LocalLog } from './log.js';
import type { EventEnvelope } from './put-events.js';
import type { DeadLetterRequest } from './send-message.js';

export interface BusRule {
  ruleName: string;
  pattern: EventPattern;
  fn: FunctionSpec;
  /** `default`: the rule listens on the account's default bus, as in the CDK stack. */
  bus?: 'default';
}

/** Kept in memory for reading; the oldest go first past this many (a long `npm start` stays small). */
export const MAX_KEPT = 10_000;

export interface DeadLetter {
  ruleName: string;
  functionName: string;
  event: EventEnvelope;
  attempts: number;
  /** The last attempt's error, or the reason the function gave when it dead-lettered the event itself. */
  error: string;
  /** The schema's issues, when the function dead-lettered an invalid event itself. */
  issues?: { path: string; message: string }[];
  failedAt: string;
}

/**
 * What one rule's function made of one event: the handler's result, or why it was dead-lettered. `queued`:
 * waiting for one of its function's `concurrency` slots (a burst; again before each retry); `pending`: being
 * invoked, or waiting to be retried.
 */
export interface Delivery {
  ruleName: string;
  functionName: string;
  status: 'queued' | 'pending' | 'delivered' | 'dead-lettered';
  attempts: number;
  result?: unknown;
  error?: string;
}

export interface RetryOptions {
  /**
   * Retries of a failed delivery: `attempts` in all, each retry after a random delay (full jitter) below a
   * ceiling doubling from `baseDelayMs` to `maxDelayMs`. Default DEFAULT_RETRY (delivery-queue.ts): 8 attempts,
   * 100 ms doubling to 10 s.
   */
  retry?: Partial<RetryPolicy>;
  /** Exact delays before each retry instead of `retry` (no jitter); its length + 1 is the number of attempts. */
  retryDelaysMs?: number[];
  /** The jitter's random numbers in [0, 1) (default Math.random). */
  random?: () => number;
}

export interface DeliveriesOptions extends RetryOptions {
  rules: BusRule[];
  invoker: HandlerInvoker;
  log: LocalLog;
}

export interface Deliveries {
  /** Starts (or queues) the delivery of an accepted event to each of the rules it matched. */
  deliver(event: EventEnvelope, rules: BusRule[]): void;
  /** What each matched rule's function made of the event, as copies (undefined: an event it does not know). */
  of(eventId: string): Delivery[] | undefined;
  /** The dead letters, oldest first (a copy of the list). */
  deadLetters(): DeadLetter[];
  /** A function dead-lettered an invalid event itself (SQS SendMessage on the local failure queue). */
  deadLetteredByFunction(request: DeadLetterRequest): void;
  /** Resolves once no delivery is queued or pending. */
  idle(): Promise<void>;
  /** Drops queued deliveries and retries not yet due; resolves once those running are done. */
  close(): Promise<void>;
}

export function createDeliveries(options: DeliveriesOptions): Deliveries {
  const { log } = options;
  for (const rule of options.rules) checkConcurrency(rule.fn);
  const byEvent = new Map<string, Delivery[]>();
  const deadLetters: DeadLetter[] = [];
  const queue = createDeliveryQueue({
    ...retrySchedule(options),
    onBacklog: (lane, backlog) =>
      log.info(
        backlog.kind === 'started'
          ? `${lane}: ${backlog.concurrency} deliveries under way, its concurrency cap; queuing the others`
          : `${lane}: queue drained; ${backlog.waited} deliveries waited, the longest ${seconds(backlog.longestWaitMs)}`,
      ),
  });

  const keep = (letter: DeadLetter) => {
    deadLetters.push(letter);
    if (deadLetters.length > MAX_KEPT) deadLetters.splice(0, deadLetters.length - MAX_KEPT);
  };

  /** One delivery through the queue: its record follows the queue's callbacks. */
  function queued(rule: BusRule, event: EventEnvelope, delivery: Delivery): QueuedDelivery {
    const { fn } = rule;
    return {
      lane: fn.name,
      concurrency: fn.concurrency,
      onQueued: () => {
        delivery.status = 'queued';
      },
      onStart: (attempt) => {
        delivery.status = 'pending';
        delivery.attempts = attempt;
      },
      attempt: async (attempt) => {
        const result = await options.invoker.invoke(fn, event);
        const again = attempt > 1 ? ` (attempt ${attempt})` : '';
        // The function dead-lettered the event itself while it ran (deadLetteredByFunction): no retries.
        if (delivery.status === 'dead-lettered') {
          log.warn(
            `${eventName(event)} → ${fn.name}: dead-lettered by the function, at once${again} (GET /dead-letters): ${delivery.error}`,
          );
          return;
        }
        delivery.status = 'delivered';
        delivery.result = result;
        log.info(`${eventName(event)} → ${fn.name}: ${outcomeOf(result)}${again}`);
      },
      onRetry: (error, attempt, delayMs) =>
        log.info(
          `${fn.name} failed on ${event.id} (attempt ${attempt}), retrying in ${delayMs} ms: ${describeError(error)}`,
        ),
      onExhausted: (error, attempts) => {
        const message = describeError(error);
        delivery.status = 'dead-lettered';
        delivery.error = message;
        keep({
          ruleName: rule.ruleName,
          functionName: fn.name,
          event,
          attempts,
          error: message,
          failedAt: new Date().toISOString(),
        });
        log.warn(
          `${eventName(event)} → ${fn.name}: dead-lettered after ${attempts} attempts (GET /dead-letters): ${message}`,
        );
      },
    };
  }

  return {
    deliver(event, rules) {
      const deliveries = rules.map(
        (rule): Delivery => ({
          ruleName: rule.ruleName,
          functionName: rule.fn.name,
          status: 'pending',
          attempts: 0,
        }),
      );
      byEvent.set(event.id, deliveries);
      if (byEvent.size > MAX_KEPT) {
        const oldest = byEvent.keys().next().value;
        if (oldest !== undefined) byEvent.delete(oldest);
      }
      // Counted at once, so that idle() cannot miss them; none starts within the caller's turn.
      rules.forEach((rule, index) => {
        queue.add(queued(rule, event, deliveries[index] as Delivery));
      });
    },

    of: (eventId) => byEvent.get(eventId)?.map((delivery) => ({ ...delivery })),

    deadLetters: () => [...deadLetters],

    deadLetteredByFunction(request) {
      const { event, functionName } = request;
      // The delivery under way: its handler is waiting for this SendMessage to be answered.
      const delivery = byEvent
        .get(event.id)
        ?.find((d) => d.functionName === functionName && d.status === 'pending' && d.attempts > 0);
      const rule =
        options.rules.find((r) => r.fn.name === functionName && matchesPattern(event, r.pattern)) ??
        options.rules.find((r) => r.fn.name === functionName);
      if (delivery) {
        delivery.status = 'dead-lettered';
        delivery.error = request.reason;
      }
      keep({
        ruleName: delivery?.ruleName ?? rule?.ruleName ?? '',
        functionName,
        event,
        attempts: delivery?.attempts ?? 1,
        error: request.reason,
        issues: request.issues,
        failedAt: new Date().toISOString(),
      });
    },

    idle: queue.idle,
    close: queue.close,
  };
}

/** The queue's attempts and delays from the options. */
function retrySchedule(options: RetryOptions) {
  const fixed = options.retryDelaysMs;
  if (fixed)
    return { attempts: fixed.length + 1, delayBeforeRetry: (retry: number) => fixed[retry - 1] ?? 0 };
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  if (!Number.isInteger(policy.attempts) || policy.attempts < 1)
    throw new Error(`retry.attempts must be a whole number of at least 1, not ${policy.attempts}`);
  const random = options.random ?? Math.random;
  return {
    attempts: policy.attempts,
    delayBeforeRetry: (retry: number) => fullJitterDelay(policy, retry, random),
  };
}

/** A cap the bus can honour: a whole number of at least 1 (0 would stop the function for good, as in AWS). */
function checkConcurrency(fn: FunctionSpec): void {
  const cap = fn.concurrency;
  if (cap !== undefined && (!Number.isInteger(cap) || cap < 1))
    throw new Error(`${fn.name}: concurrency must be a whole number of at least 1, not ${cap}`);
}

const seconds = (ms: number) => `${(ms / 1_000).toFixed(1)} s`;

/** `automations / Review Draft Proposed 3f2a9c1e`: how log lines name an event. */
export function eventName(event: EventEnvelope): string {
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
