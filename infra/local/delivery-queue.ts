/**
 * How the local bus schedules deliveries, as Lambda's asynchronous invocation does for an EventBridge target:
 *
 * - **A cap per function.** A function with a manifest `concurrency` never runs more than that many deliveries
 *   at once; the others wait in its queue, first in first out (a burst of thousands waits, it does not fail).
 *   In AWS the same cap is the function's reserved concurrency, and the waiting happens in Lambda's own event
 *   queue. A function without a cap starts every delivery at once.
 * - **Retries with full jitter.** A failed attempt is retried after a random delay between 0 and a ceiling that
 *   doubles from `baseDelayMs` up to `maxDelayMs`, then waits its turn again at the back of its function's
 *   queue, so its next attempt comes after every delivery queued before it: the retries outlast a burst. Its
 *   slot goes to the next delivery meanwhile. After `attempts` failed attempts the delivery is given up on.
 *
 * Nothing here knows about events or handlers: a delivery is a lane (the function) and an attempt to run.
 */

export interface RetryPolicy {
  /** Attempts in all, the first one included. */
  attempts: number;
  /** The ceiling of the first retry's random delay; each further retry doubles it ... */
  baseDelayMs: number;
  /** ... up to this. */
  maxDelayMs: number;
}

/**
 * 8 attempts, ceilings 100 ms, 200 ms, … 6.4 s: up to 12.7 s of delays (6.4 s on average) plus, for a capped
 * function, the wait behind its queue before each retry.
 */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 8, baseDelayMs: 100, maxDelayMs: 10_000 };

/** Full jitter: a random delay in [0, min(maxDelayMs, baseDelayMs × 2^(retry − 1))). */
export function fullJitterDelay(policy: RetryPolicy, retry: number, random: () => number = Math.random) {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}

/** One delivery as the queue sees it. The callbacks say where it stands; `attempt` does the work. */
export interface QueuedDelivery {
  /** The function it goes to: deliveries of one lane share its cap and its queue. */
  lane: string;
  /** The function's cap (undefined: none). */
  concurrency: number | undefined;
  /** Waits for a slot (at first, and again before each retry). */
  onQueued(): void;
  /** Got a slot: attempt `attempt` starts now. */
  onStart(attempt: number): void;
  /** One attempt: resolves when the delivery is done, rejects to have it retried. */
  attempt(attempt: number): Promise<void>;
  /** Attempt `attempt` failed and the next one comes after `delayMs` (then behind the lane's queue). */
  onRetry(error: unknown, attempt: number, delayMs: number): void;
  /** Every attempt failed; `error` is the last one's. */
  onExhausted(error: unknown, attempts: number): void;
}

export interface DeliveryQueueOptions {
  /** How many attempts in all. */
  attempts: number;
  /** The delay before retry n (n = 1 for the second attempt). */
  delayBeforeRetry(retry: number): number;
  /** A lane started queuing (it is at its cap) or its queue drained; for the log. */
  onBacklog?(lane: string, event: BacklogEvent): void;
}

export type BacklogEvent =
  | { kind: 'started'; concurrency: number }
  | { kind: 'drained'; waited: number; longestWaitMs: number };

export interface DeliveryQueue {
  /** Takes a delivery: starts it now if its lane has a free slot, else queues it. */
  add(delivery: QueuedDelivery): void;
  /** Resolves once no delivery is outstanding. */
  idle(): Promise<void>;
  /**
   * Stops: deliveries that have not started and retries not yet due are dropped (they stay `queued` or
   * `pending` for good); those running finish. Resolves as `idle()` does.
   */
  close(): Promise<void>;
}

interface Entry {
  delivery: QueuedDelivery;
  attempts: number;
  queuedAt: number;
}

interface Lane {
  running: number;
  /** FIFO: `waiting[head]` is next (an index, not shift(): a burst of 10⁴ would make shift() quadratic). */
  waiting: Entry[];
  head: number;
  /** Since the lane last started queuing. */
  waited: number;
  longestWaitMs: number;
}

export function createDeliveryQueue(options: DeliveryQueueOptions): DeliveryQueue {
  const lanes = new Map<string, Lane>();
  const timers = new Set<NodeJS.Timeout>();
  let outstanding = 0;
  let closed = false;
  let idleWaiters: (() => void)[] = [];

  const laneOf = (name: string): Lane => {
    let lane = lanes.get(name);
    if (!lane) {
      lane = { running: 0, waiting: [], head: 0, waited: 0, longestWaitMs: 0 };
      lanes.set(name, lane);
    }
    return lane;
  };
  const waitingIn = (lane: Lane) => lane.waiting.length - lane.head;

  const settleOne = () => {
    outstanding -= 1;
    if (outstanding > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const wake of waiters) wake();
  };

  /** A delivery wants a slot: the first attempt, or a retry whose delay is over. */
  function enqueue(entry: Entry): void {
    if (closed) {
      settleOne();
      return;
    }
    const { delivery } = entry;
    const lane = laneOf(delivery.lane);
    const cap = delivery.concurrency;
    // FIFO: a free slot goes to the oldest waiting delivery first.
    if (cap === undefined || (lane.running < cap && waitingIn(lane) === 0)) {
      start(lane, entry);
      return;
    }
    if (waitingIn(lane) === 0) {
      lane.waited = 0;
      lane.longestWaitMs = 0;
      options.onBacklog?.(delivery.lane, { kind: 'started', concurrency: cap });
    }
    entry.queuedAt = Date.now();
    lane.waiting.push(entry);
    delivery.onQueued();
  }

  function start(lane: Lane, entry: Entry): void {
    lane.running += 1;
    entry.attempts += 1;
    entry.delivery.onStart(entry.attempts);
    // Never inside the caller's turn: PutEvents answers before any handler runs, as in AWS.
    setImmediate(() => void run(lane, entry));
  }

  async function run(lane: Lane, entry: Entry): Promise<void> {
    const { delivery, attempts } = entry;
    let retryAfter: number | undefined;
    try {
      await delivery.attempt(attempts);
    } catch (error) {
      if (attempts >= options.attempts) {
        delivery.onExhausted(error, attempts);
      } else {
        retryAfter = options.delayBeforeRetry(attempts);
        delivery.onRetry(error, attempts, retryAfter);
      }
    }
    lane.running -= 1;
    startWaiting(lane, delivery.lane);
    if (retryAfter === undefined || closed) {
      settleOne();
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      enqueue(entry);
    }, retryAfter);
    timers.add(timer);
  }

  /** Hands free slots to the oldest waiting deliveries. */
  function startWaiting(lane: Lane, name: string): void {
    while (!closed && waitingIn(lane) > 0) {
      const next = lane.waiting[lane.head] as Entry;
      const cap = next.delivery.concurrency;
      if (cap !== undefined && lane.running >= cap) return;
      lane.head += 1;
      lane.waited += 1;
      lane.longestWaitMs = Math.max(lane.longestWaitMs, Date.now() - next.queuedAt);
      if (waitingIn(lane) === 0) {
        lane.waiting = [];
        lane.head = 0;
        options.onBacklog?.(name, {
          kind: 'drained',
          waited: lane.waited,
          longestWaitMs: lane.longestWaitMs,
        });
      } else if (lane.head > 1_024 && lane.head * 2 > lane.waiting.length) {
        lane.waiting = lane.waiting.slice(lane.head);
        lane.head = 0;
      }
      start(lane, next);
    }
  }

  const idle = () =>
    outstanding === 0 ? Promise.resolve() : new Promise<void>((wake) => idleWaiters.push(wake));

  return {
    add(delivery) {
      outstanding += 1; // counted at once, so that idle() cannot miss it
      enqueue({ delivery, attempts: 0, queuedAt: Date.now() });
    },
    idle,
    close() {
      closed = true;
      for (const timer of timers) {
        clearTimeout(timer);
        settleOne();
      }
      timers.clear();
      for (const lane of lanes.values()) {
        for (let i = lane.head; i < lane.waiting.length; i += 1) settleOne();
        lane.waiting = [];
        lane.head = 0;
      }
      return idle();
    },
  };
}
