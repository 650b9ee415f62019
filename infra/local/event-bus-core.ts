/**
 * The local EventBridge without its HTTP face (event-bus.ts): it accepts PutEvents entries, keeps the events it
 * accepted, hands each to the deliveries of the manifest rules whose pattern matches it (deliveries.ts: the
 * functions' queues, retries, dead letters), and holds the fault switch, which fails the system's own PutEvents
 * requests as EventBridge does under an outage.
 */
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { OWN_EVENT_SOURCE } from '../manifest.js';
import {
  type BusRule,
  createDeliveries,
  type DeadLetter,
  type Delivery,
  eventName,
  MAX_KEPT,
  type RetryOptions,
} from './deliveries.js';
import { matchesPattern } from './event-pattern.js';
import type { HandlerInvoker } from './handlers.js';
import type { LocalLog } from './log.js';
import {
  type EventEnvelope,
  type PutEventsEntry,
  type PutEventsResultEntry,
  toEnvelope,
} from './put-events.js';
import type { DeadLetterRequest } from './send-message.js';

export interface EventFilter {
  source?: string;
  detailType?: string;
}

/** The fault switch's state: how many of the system's own PutEvents requests will still fail. */
export interface Faults {
  failPutEvents: number;
}

/** The body of `POST /faults`, and what `failPutEvents(n)` accepts. */
export const faultsRequestSchema = z
  .object({ failPutEvents: z.number().int().min(0).max(1_000_000) })
  .strict();

/** `retry`, `retryDelaysMs`, `random`: how failed deliveries are retried (deliveries.ts). */
export interface EventBusCoreOptions extends RetryOptions {
  eventBusName: string;
  rules: BusRule[];
  invoker: HandlerInvoker;
  log: LocalLog;
  /** The Source of the system's own events, which the fault switch fails (default the manifest's). */
  ownSource?: string;
}

export interface PutEventsAnswer {
  FailedEntryCount: number;
  Entries: PutEventsResultEntry[];
}

export interface EventBusCore {
  /** The Source of the system's own events. */
  ownSource: string;
  /** Accepts each valid entry and delivers it to the rules it matches; answers as PutEvents does. */
  putEvents(entries: PutEventsEntry[]): PutEventsAnswer;
  /** The fault switch: true (and one fault spent) when this request must fail as under an outage. */
  failsNow(entries: PutEventsEntry[]): boolean;
  /** Every accepted event, oldest first, optionally filtered. */
  events(filter?: EventFilter): EventEnvelope[];
  /** Deliveries that failed every attempt, and invalid events their function dead-lettered at once. */
  deadLetters(): DeadLetter[];
  /** What each matching rule's function made of the event (undefined for an event this bus does not know). */
  deliveries(eventId: string): Delivery[] | undefined;
  /** A function dead-lettered an invalid event itself (SQS SendMessage on the local failure queue). */
  deadLetteredByFunction(request: DeadLetterRequest): void;
  /** Resolves once no delivery is queued or pending (retries included, and events those deliveries published). */
  idle(): Promise<void>;
  /** How many events this bus has accepted (for quiet detection). */
  acceptedCount(): number;
  /** Makes the next n PutEvents requests of the system's own events fail (0 turns the switch off). */
  failPutEvents(n: number): void;
  faults(): Faults;
  /** Drops queued deliveries and retries not yet due; resolves once those running are done. */
  close(): Promise<void>;
}

export function createEventBusCore(options: EventBusCoreOptions): EventBusCore {
  const { log } = options;
  const ownSource = options.ownSource ?? OWN_EVENT_SOURCE;
  const deliveries = createDeliveries(options);
  const accepted: EventEnvelope[] = [];
  const faults: Faults = { failPutEvents: 0 };
  let acceptedTotal = 0;

  function accept(event: EventEnvelope, bus: 'own' | 'default'): void {
    accepted.push(event);
    if (accepted.length > MAX_KEPT) accepted.splice(0, accepted.length - MAX_KEPT);
    acceptedTotal += 1;
    const targets = options.rules.filter(
      (rule) => (rule.bus === 'default' ? 'default' : 'own') === bus && matchesPattern(event, rule.pattern),
    );
    if (targets.length === 0) log.info(`${eventName(event)}: accepted, no rule matches`);
    deliveries.deliver(event, targets);
  }

  return {
    ownSource,
    putEvents: (entries) => {
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
    },
    failsNow: (entries) => {
      if (faults.failPutEvents <= 0 || !entries.every((entry) => entry.Source === ownSource)) return false;
      faults.failPutEvents -= 1;
      log.info(
        `fault switch: failed a PutEvents of ${entries.length} ${ownSource} event(s) with InternalException (${faults.failPutEvents} left)`,
      );
      return true;
    },
    events: (filter = {}) =>
      accepted.filter(
        (event) =>
          (filter.source === undefined || event.source === filter.source) &&
          (filter.detailType === undefined || event['detail-type'] === filter.detailType),
      ),
    deadLetters: deliveries.deadLetters,
    deliveries: deliveries.of,
    deadLetteredByFunction: deliveries.deadLetteredByFunction,
    idle: deliveries.idle,
    acceptedCount: () => acceptedTotal,
    failPutEvents: (n) => {
      faults.failPutEvents = faultsRequestSchema.shape.failPutEvents.parse(n);
    },
    faults: () => ({ ...faults }),
    close: deliveries.close,
  };
}
