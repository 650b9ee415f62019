/**
 * The local half of a Lambda event source mapping on the table's DynamoDB stream: it reads DynamoDB Local's
 * stream through the real Streams API (DescribeTable → LatestStreamArn, DescribeStream, GetShardIterator,
 * GetRecords) and invokes the manifest's stream consumers with Lambda-shaped `DynamoDBStreamEvent`s.
 *
 * What it keeps of Lambda's semantics (infra/local/README.md lists what differs):
 * - only records matching the trigger's filter are delivered; the others are skipped (stream-filter.ts);
 * - batches of up to `batchSize` records, gathered for up to `maxBatchingWindowSeconds`;
 * - the records of one shard in order, one batch at a time; shards side by side, a child shard only once its
 *   parent has been read to its end; new shards are found as they appear;
 * - ReportBatchItemFailures: the lowest reported sequence number is where the retry starts; an identifier that
 *   is empty or not in the batch fails the whole batch;
 * - a thrown error (or a timeout) retries the batch, halving it first when `bisectOnError`; after
 *   `retryAttempts` retries the records go to the on-failure list (Lambda's on-failure destination record,
 *   plus the records themselves) and the reader moves on;
 * - a checkpoint per shard (stream-checkpoints.ts): a restart resumes after the last record done.
 *
 * This file is the reader and each consumer's polling loop; stream-shards.ts finds the shards,
 * stream-pump.ts reads and delivers them, stream-failures.ts decides what a failure means.
 *
 * `sync()` resolves once every record committed before the call has been delivered or sent to the on-failure
 * list (the batching window is cut short while someone waits): what tests and `runtime.idle()` wait on.
 */
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './aws-identity.js';
import type { HandlerInvoker } from './handlers.js';
import { describeError, type LocalLog } from './log.js';
import type { CheckpointStore } from './stream-checkpoints.js';
import type { RetryBackoff, StreamFailure } from './stream-failures.js';
import { assertSupportedFilter } from './stream-filter.js';
import { type PumpContext, ShardPump, type StreamConsumer } from './stream-pump.js';
import { ConsumerShards, listShards } from './stream-shards.js';

export type { RetryBackoff, StreamFailure } from './stream-failures.js';
export type { StreamConsumer } from './stream-pump.js';

export interface StreamReaderOptions {
  /** DynamoDB Local's endpoint (the Streams API is served on the same port). */
  endpoint: string;
  streamArn: string;
  consumers: StreamConsumer[];
  invoker: HandlerInvoker;
  checkpoints: CheckpointStore;
  log: LocalLog;
  /** Time between polls of a caught-up stream (default 200 ms). */
  pollIntervalMs?: number;
  /** Retry delays (default 100 ms doubling up to 1 s; in AWS they are longer). */
  retryBackoff?: RetryBackoff;
}

export interface LocalStreamReader {
  streamArn: string;
  /** Resolves once everything committed before the call has been delivered or sent to the on-failure list. */
  sync(): Promise<void>;
  /** Batches that failed every attempt, oldest first. */
  failures(): StreamFailure[];
  /** How many times a consumer function has been invoked (for quiet detection). */
  invocations(): number;
  /** Stops polling, then waits (up to 5 s) for the invocations under way. */
  stop(): Promise<void>;
}

const DEFAULT_POLL_MS = 200;
const DEFAULT_BACKOFF: RetryBackoff = { baseMs: 100, maxMs: 1_000 };
/** Shards are listed again this often (and whenever someone waits in sync()). */
const DESCRIBE_EVERY_MS = 2_000;
const MAX_KEPT_FAILURES = 10_000;
const STOP_WAIT_MS = 5_000;

export function startStreamReader(options: StreamReaderOptions): LocalStreamReader {
  for (const consumer of options.consumers) assertSupportedFilter(consumer.filter);
  const client = new DynamoDBStreamsClient({
    endpoint: options.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 2,
  });
  const failures: StreamFailure[] = [];
  const counters = { invocations: 0 };
  const loops = options.consumers.map(
    (consumer) =>
      new ConsumerLoop({
        consumer,
        client,
        streamArn: options.streamArn,
        invoker: options.invoker,
        checkpoints: options.checkpoints,
        log: options.log,
        pollIntervalMs: options.pollIntervalMs ?? DEFAULT_POLL_MS,
        backoff: options.retryBackoff ?? DEFAULT_BACKOFF,
        onFailure: (failure) => {
          failures.push(failure);
          if (failures.length > MAX_KEPT_FAILURES) failures.splice(0, failures.length - MAX_KEPT_FAILURES);
        },
        counters,
      }),
  );
  for (const loop of loops) loop.start();

  let stopped: Promise<void> | undefined;
  return {
    streamArn: options.streamArn,
    sync: async () => {
      await Promise.all(loops.map((loop) => loop.sync()));
    },
    failures: () => [...failures],
    invocations: () => counters.invocations,
    stop: () => {
      stopped ??= (async () => {
        await Promise.race([
          Promise.all(loops.map((loop) => loop.stop())),
          new Promise((resolve) => setTimeout(resolve, STOP_WAIT_MS).unref()),
        ]);
        client.destroy();
      })();
      return stopped;
    },
  };
}

type LoopContext = Omit<PumpContext, 'id' | 'signal'> & { pollIntervalMs: number };

interface SyncWaiter {
  afterCycle: number;
  resolve: () => void;
}

/** One event source mapping: one consumer's polling loop over the stream's shards. */
class ConsumerLoop {
  private readonly id: string;
  private readonly shards = new ConsumerShards();
  private readonly pump: ShardPump;
  private cycles = 0;
  private waiters: SyncWaiter[] = [];
  private lastDescribedAt = 0;
  private stopping = false;
  private readonly abort = new AbortController();
  private wakeUp: (() => void) | undefined;
  private running: Promise<void> | undefined;
  /** Set when the consumer cannot run at all (an unreadable checkpoint file): sync() rejects with it. */
  private fatal: Error | undefined;

  constructor(private readonly context: LoopContext) {
    const { consumer } = context;
    this.id = `${consumer.fn.name}:${consumer.name}`;
    this.pump = new ShardPump({ ...context, id: this.id, signal: this.abort.signal });
  }

  start(): void {
    this.running = this.run();
  }

  sync(): Promise<void> {
    if (this.fatal) return Promise.reject(this.fatal);
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push({ afterCycle: this.cycles, resolve });
      this.wakeUp?.();
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    this.wakeUp?.();
    await this.running;
    for (const waiter of this.waiters.splice(0)) waiter.resolve();
  }

  private async run(): Promise<void> {
    const { log } = this.context;
    try {
      await this.pump.loadCheckpoint();
    } catch (error) {
      this.fatal = new Error(`${this.id}: ${describeError(error)}; the stream is not read`, { cause: error });
      log.error(this.fatal.message);
      return;
    }
    let failingSince: number | undefined;
    while (!this.stopping) {
      this.cycles += 1;
      const cycle = this.cycles;
      const flush = this.waiters.length > 0;
      let caughtUp = false;
      let backlog = false;
      try {
        ({ caughtUp, backlog } = await this.cycle(flush));
        if (failingSince !== undefined) log.info(`${this.id}: reading the stream again`);
        failingSince = undefined;
      } catch (error) {
        if (this.stopping) break;
        if (failingSince === undefined) {
          failingSince = Date.now();
          log.warn(`${this.id}: could not read the stream (${describeError(error)}); retrying`);
        }
      }
      if (caughtUp) {
        const ready = this.waiters.filter((waiter) => waiter.afterCycle < cycle);
        this.waiters = this.waiters.filter((waiter) => waiter.afterCycle >= cycle);
        for (const waiter of ready) waiter.resolve();
      }
      if (this.stopping) break;
      // More to read, or someone came to wait during this cycle: go again at once.
      if (backlog || this.waiters.some((waiter) => waiter.afterCycle >= cycle)) continue;
      await this.pause(failingSince === undefined ? this.context.pollIntervalMs : 1_000);
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    }).finally(() => {
      this.wakeUp = undefined;
    });
  }

  /** One pass over every readable shard: caught up when all are read to their tip and done with. */
  private async cycle(flush: boolean): Promise<{ caughtUp: boolean; backlog: boolean }> {
    if (flush || this.shards.size === 0 || Date.now() - this.lastDescribedAt > DESCRIBE_EVERY_MS)
      await this.describeShards();
    const pumped = new Set<string>();
    let caughtUp = true;
    let backlog = false;
    for (;;) {
      // A shard whose parent finished in this pass is read in the same pass.
      const readable = this.shards.readable(pumped);
      if (readable.length === 0) break;
      const outcomes = await Promise.all(
        readable.map((shard) => {
          pumped.add(shard.id);
          return this.pump.pump(shard, flush);
        }),
      );
      if (outcomes.some((outcome) => outcome !== 'caught-up')) caughtUp = false;
      if (outcomes.includes('backlog')) backlog = true;
    }
    return { caughtUp, backlog };
  }

  private async describeShards(): Promise<void> {
    const { client, streamArn } = this.context;
    const listed = await listShards(client, streamArn, this.abort.signal);
    this.lastDescribedAt = Date.now();
    const forgotten = this.shards.update(listed, (shardId) => this.pump.position(shardId));
    await this.pump.forget(forgotten);
  }
}
