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
 * `sync()` resolves once every record committed before the call has been delivered or sent to the on-failure
 * list (the batching window is cut short while someone waits): what tests and `runtime.idle()` wait on.
 */
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  ResourceNotFoundException,
  type Shard,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { FunctionSpec, StreamFilterPattern } from '../manifest.js';
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, LOCAL_REGION } from './aws-identity.js';
import type { HandlerInvoker } from './handlers.js';
import { describeError, type LocalLog } from './log.js';
import type { CheckpointStore, ConsumerCheckpoint } from './stream-checkpoints.js';
import { assertSupportedFilter, matchesStreamFilter } from './stream-filter.js';
import { lambdaRecord } from './stream-records.js';

/** A manifest stream trigger with its function (infra/manifest.ts `streamConsumers`). */
export interface StreamConsumer {
  name: string;
  fn: FunctionSpec;
  filter: StreamFilterPattern;
  batchSize: number;
  maxBatchingWindowSeconds: number;
  retryAttempts: number;
  bisectOnError: boolean;
}

/** A batch the consumer could not process: Lambda's on-failure destination record, with the records. */
export interface StreamFailure {
  consumer: string;
  functionName: string;
  version: '1.0';
  timestamp: string;
  requestContext: {
    functionArn: string;
    condition: 'RetryAttemptsExhausted';
    approximateInvokeCount: number;
  };
  /** The last failure: the error thrown, or the batch item failures the function reported. */
  error: string;
  DDBStreamBatchInfo: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    approximateArrivalOfFirstRecord: string | undefined;
    approximateArrivalOfLastRecord: string | undefined;
    batchSize: number;
    streamArn: string;
  };
  records: DynamoDBRecord[];
}

export interface RetryBackoff {
  /** Delay before the first retry; doubled for each further one. */
  baseMs: number;
  maxMs: number;
}

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
const GET_RECORDS_LIMIT = 1_000;
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
      new ConsumerLoop(consumer, {
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

interface LoopContext {
  client: DynamoDBStreamsClient;
  streamArn: string;
  invoker: HandlerInvoker;
  checkpoints: CheckpointStore;
  log: LocalLog;
  pollIntervalMs: number;
  backoff: RetryBackoff;
  onFailure(failure: StreamFailure): void;
  counters: { invocations: number };
}

interface QueuedRecord {
  record: DynamoDBRecord;
  sequenceNumber: string;
  matches: boolean;
}

interface ShardState {
  id: string;
  parentId: string | undefined;
  iterator: string | undefined;
  /** Sequence number of the last record read into the queue (where a re-acquired iterator starts). */
  lastRead: string | undefined;
  /** Read, not yet done with, in stream order (non-matching records included, so checkpoints can pass them). */
  queue: QueuedRecord[];
  firstQueuedAt: number;
  /** GetRecords answered no next iterator: a closed shard read to its end. */
  ended: boolean;
  /** Ended, and every record done. */
  done: boolean;
  /** Failed invocations of the batch at the head of the queue. */
  failedAttempts: number;
  /** Batches to invoke next, as they are (a bisected batch, the rest of a partial failure). */
  planned: QueuedRecord[][];
}

interface SyncWaiter {
  afterCycle: number;
  resolve: () => void;
}

/** `backlog`: the shard has more to read right now; `waiting`: records wait for the batching window. */
type PumpOutcome = 'caught-up' | 'backlog' | 'waiting';

/** One event source mapping: one consumer's position on the stream and its polling loop. */
class ConsumerLoop {
  private readonly id: string;
  private readonly shards = new Map<string, ShardState>();
  private checkpoint: ConsumerCheckpoint | undefined;
  private cycles = 0;
  private waiters: SyncWaiter[] = [];
  private lastDescribedAt = 0;
  private stopping = false;
  private readonly abort = new AbortController();
  private wakeUp: (() => void) | undefined;
  private running: Promise<void> | undefined;
  /** Set when the consumer cannot run at all (an unreadable checkpoint file): sync() rejects with it. */
  private fatal: Error | undefined;

  constructor(
    private readonly consumer: StreamConsumer,
    private readonly context: LoopContext,
  ) {
    this.id = `${consumer.fn.name}:${consumer.name}`;
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
      await this.loadCheckpoint();
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

  private async loadCheckpoint(): Promise<void> {
    const { checkpoints, streamArn, log } = this.context;
    const saved = await checkpoints.load(this.id);
    if (saved && saved.streamArn === streamArn) {
      this.checkpoint = saved;
      log.debug(`${this.id}: resuming from ${checkpoints.location}`);
      return;
    }
    if (saved) log.info(`${this.id}: the table has a new stream; reading it from the start (TRIM_HORIZON)`);
    this.checkpoint = { streamArn, shards: {} };
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
      const readable = [...this.shards.values()].filter(
        (shard) => !shard.done && !pumped.has(shard.id) && this.parentDone(shard),
      );
      if (readable.length === 0) break;
      const outcomes = await Promise.all(
        readable.map((shard) => {
          pumped.add(shard.id);
          return this.pump(shard, flush);
        }),
      );
      if (outcomes.some((outcome) => outcome !== 'caught-up')) caughtUp = false;
      if (outcomes.includes('backlog')) backlog = true;
    }
    return { caughtUp, backlog };
  }

  private parentDone(shard: ShardState): boolean {
    if (shard.parentId === undefined) return true;
    const parent = this.shards.get(shard.parentId);
    return parent === undefined || parent.done;
  }

  private async describeShards(): Promise<void> {
    const { client, streamArn } = this.context;
    const listed: Shard[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await client.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: exclusiveStartShardId }),
        { abortSignal: this.abort.signal },
      );
      listed.push(...(StreamDescription?.Shards ?? []));
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
    this.lastDescribedAt = Date.now();

    const ids = new Set<string>();
    for (const shard of listed) {
      if (!shard.ShardId) continue;
      ids.add(shard.ShardId);
      if (this.shards.has(shard.ShardId)) continue;
      const saved = this.checkpoint?.shards[shard.ShardId];
      this.shards.set(shard.ShardId, {
        id: shard.ShardId,
        parentId: shard.ParentShardId,
        iterator: undefined,
        lastRead: saved?.after,
        queue: [],
        firstQueuedAt: 0,
        ended: saved?.ended === true,
        done: saved?.ended === true,
        failedAttempts: 0,
        planned: [],
      });
    }
    // Shards past the stream's trim horizon are gone: forget them and their checkpoints.
    let forgot = false;
    for (const id of this.shards.keys()) {
      if (ids.has(id) || this.shards.get(id)?.queue.length) continue;
      this.shards.delete(id);
      if (this.checkpoint && id in this.checkpoint.shards) {
        delete this.checkpoint.shards[id];
        forgot = true;
      }
    }
    if (forgot) await this.saveCheckpoint();
  }

  /** Reads what the shard has, then delivers what is ready. */
  private async pump(shard: ShardState, flush: boolean): Promise<PumpOutcome> {
    const readCap = Math.max(2 * this.consumer.batchSize, GET_RECORDS_LIMIT);
    let atTip = shard.ended;
    while (!shard.ended && shard.queue.length < readCap && !this.stopping) {
      const records = await this.read(shard);
      if (records === 0) {
        atTip = true;
        break;
      }
    }
    if (shard.ended) atTip = true;

    for (;;) {
      if (this.stopping) return 'backlog';
      await this.skipUnmatched(shard);
      if (shard.queue.length === 0) break;
      if (shard.planned.length === 0 && atTip && !flush && this.windowOpen(shard)) return 'waiting';
      const batch = shard.planned.shift() ?? this.nextBatch(shard);
      await this.deliver(shard, batch);
    }
    if (shard.ended && shard.queue.length === 0 && !shard.done) {
      shard.done = true;
      this.checkpointOf(shard).ended = true;
      await this.saveCheckpoint();
    }
    return atTip ? 'caught-up' : 'backlog';
  }

  private windowOpen(shard: ShardState): boolean {
    const windowMs = this.consumer.maxBatchingWindowSeconds * 1_000;
    if (windowMs <= 0) return false;
    const matching = shard.queue.filter((queued) => queued.matches).length;
    return matching < this.consumer.batchSize && Date.now() - shard.firstQueuedAt < windowMs;
  }

  /** One GetRecords call; answers how many records it returned. */
  private async read(shard: ShardState): Promise<number> {
    const { client } = this.context;
    let answer: GetRecordsCommandOutput | undefined;
    for (let attempt = 1; answer === undefined; attempt += 1) {
      shard.iterator ??= await this.iteratorFor(shard);
      if (shard.iterator === undefined) return 0;
      try {
        answer = await client.send(
          new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: GET_RECORDS_LIMIT }),
          { abortSignal: this.abort.signal },
        );
      } catch (error) {
        // An iterator expires (15 minutes in AWS): a new one starts right after the last record read.
        if (!(error instanceof ExpiredIteratorException) || attempt > 1) throw error;
        shard.iterator = undefined;
      }
    }
    const records = answer.Records ?? [];
    if (records.length > 0 && shard.queue.length === 0) shard.firstQueuedAt = Date.now();
    for (const raw of records) {
      const record = lambdaRecord(raw, this.context.streamArn);
      const sequenceNumber = record.dynamodb?.SequenceNumber;
      if (sequenceNumber === undefined) continue;
      shard.queue.push({
        record,
        sequenceNumber,
        matches: matchesStreamFilter(record, this.consumer.filter),
      });
      shard.lastRead = sequenceNumber;
    }
    shard.iterator = answer.NextShardIterator;
    if (shard.iterator === undefined) shard.ended = true;
    return records.length;
  }

  private async iteratorFor(shard: ShardState): Promise<string | undefined> {
    const { client, streamArn, log } = this.context;
    const after = shard.lastRead;
    try {
      const { ShardIterator } = await client.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shard.id,
          ...(after === undefined
            ? { ShardIteratorType: 'TRIM_HORIZON' }
            : { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }),
        }),
        { abortSignal: this.abort.signal },
      );
      return ShardIterator;
    } catch (error) {
      if (error instanceof TrimmedDataAccessException && after !== undefined) {
        log.warn(
          `${this.id}: records after ${after} in ${shard.id} are past the stream's retention; reading from TRIM_HORIZON`,
        );
        shard.lastRead = undefined;
        return this.iteratorFor(shard);
      }
      if (error instanceof ResourceNotFoundException) {
        shard.ended = true;
        return undefined;
      }
      throw error;
    }
  }

  /** Records the filter leaves out are done at once: the checkpoint moves past them. */
  private async skipUnmatched(shard: ShardState): Promise<void> {
    let skipped: QueuedRecord | undefined;
    while (shard.queue[0] && !shard.queue[0].matches) skipped = shard.queue.shift();
    if (skipped) await this.advance(shard, skipped.sequenceNumber);
  }

  /** The first `batchSize` matching records (the records the filter leaves out between them go with them). */
  private nextBatch(shard: ShardState): QueuedRecord[] {
    return shard.queue.filter((queued) => queued.matches).slice(0, this.consumer.batchSize);
  }

  private async deliver(shard: ShardState, batch: QueuedRecord[]): Promise<void> {
    const { invoker, counters, log } = this.context;
    const event: DynamoDBStreamEvent = { Records: batch.map((queued) => queued.record) };
    let failedFrom: number;
    let error: string;
    let reportedByFunction = false;
    try {
      counters.invocations += 1;
      const result = await invoker.invoke(this.consumer.fn, event);
      const reported = reportedFailure(result, batch);
      if (reported.kind === 'success') {
        log.debug(`${this.id}: ${batch.length} record(s) of ${shard.id} → ${this.consumer.fn.name}`);
        await this.done(shard, batch);
        return;
      }
      failedFrom = reported.kind === 'partial' ? reported.index : 0;
      reportedByFunction = reported.kind === 'partial';
      error = reported.reason;
    } catch (thrown) {
      failedFrom = 0;
      error = describeError(thrown);
    }
    await this.failed(shard, batch, { from: failedFrom, reported: reportedByFunction, error });
  }

  private async done(shard: ShardState, records: QueuedRecord[]): Promise<void> {
    const last = records.at(-1);
    if (!last) return;
    shard.failedAttempts = 0;
    const index = shard.queue.indexOf(last);
    shard.queue.splice(0, index + 1);
    await this.advance(shard, last.sequenceNumber);
  }

  /**
   * A failed invocation. `reported`: the function answered batch item failures (retried from the lowest one,
   * as one batch when bisecting); otherwise it threw, timed out or answered nonsense (the batch is halved when
   * bisecting, else retried as it was).
   */
  private async failed(
    shard: ShardState,
    batch: QueuedRecord[],
    failure: { from: number; reported: boolean; error: string },
  ): Promise<void> {
    const { log } = this.context;
    const { from, reported, error } = failure;
    const { retryAttempts, bisectOnError, fn } = this.consumer;
    if (from > 0) await this.done(shard, batch.slice(0, from));
    const failing = batch.slice(from);
    shard.failedAttempts += 1;
    if (shard.failedAttempts > retryAttempts) {
      this.discard(shard, failing, error);
      shard.failedAttempts = 0;
      await this.done(shard, failing);
      return;
    }
    const what = reported ? `reported a failure at record ${from + 1} of ${batch.length}` : 'failed';
    log.info(
      `${fn.name} ${what} (${error}); retry ${shard.failedAttempts} of ${retryAttempts} for ${failing.length} record(s) of ${shard.id}`,
    );
    await this.sleep(
      Math.min(this.context.backoff.baseMs * 2 ** (shard.failedAttempts - 1), this.context.backoff.maxMs),
    );
    if (!reported && bisectOnError && failing.length > 1) {
      const half = Math.ceil(failing.length / 2);
      shard.planned.unshift(failing.slice(0, half), failing.slice(half));
    } else if (!reported || bisectOnError) {
      shard.planned.unshift(failing); // the same records again
    }
    // Otherwise a reported failure is retried from the checkpoint: the next batch starts at the failed record.
  }

  private discard(shard: ShardState, records: QueuedRecord[], error: string): void {
    const { fn } = this.consumer;
    const first = records[0];
    const last = records.at(-1);
    if (!first || !last) return;
    const arrival = (queued: QueuedRecord) => {
      const seconds = queued.record.dynamodb?.ApproximateCreationDateTime;
      return seconds === undefined ? undefined : new Date(seconds * 1_000).toISOString();
    };
    this.context.onFailure({
      consumer: this.id,
      functionName: fn.name,
      version: '1.0',
      timestamp: new Date().toISOString(),
      requestContext: {
        functionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:${fn.name}`,
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: this.consumer.retryAttempts + 1,
      },
      error,
      DDBStreamBatchInfo: {
        shardId: shard.id,
        startSequenceNumber: first.sequenceNumber,
        endSequenceNumber: last.sequenceNumber,
        approximateArrivalOfFirstRecord: arrival(first),
        approximateArrivalOfLastRecord: arrival(last),
        batchSize: records.length,
        streamArn: this.context.streamArn,
      },
      records: records.map((queued) => queued.record),
    });
    this.context.log.warn(
      `${fn.name} failed ${this.consumer.retryAttempts + 1} times on ${records.length} stream record(s) ` +
        `(${first.sequenceNumber}…${last.sequenceNumber}); sent to the on-failure list (GET /stream-failures): ${error}`,
    );
  }

  private async advance(shard: ShardState, sequenceNumber: string): Promise<void> {
    this.checkpointOf(shard).after = sequenceNumber;
    await this.saveCheckpoint();
  }

  private checkpointOf(shard: ShardState): NonNullable<ConsumerCheckpoint['shards'][string]> {
    this.checkpoint ??= { streamArn: this.context.streamArn, shards: {} };
    const existing = this.checkpoint.shards[shard.id];
    if (existing) return existing;
    const created = {};
    this.checkpoint.shards[shard.id] = created;
    return created;
  }

  private async saveCheckpoint(): Promise<void> {
    if (this.checkpoint) await this.context.checkpoints.save(this.id, this.checkpoint);
  }

  private sleep(ms: number): Promise<void> {
    const { signal } = this.abort;
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

type Reported =
  | { kind: 'success' }
  | { kind: 'partial'; index: number; reason: string }
  | { kind: 'whole'; reason: string };

/**
 * What Lambda makes of a stream consumer's answer under ReportBatchItemFailures: no answer, no list or an
 * empty list is a success; otherwise the lowest reported sequence number is where the retry starts, and an
 * identifier that is missing, empty or not in the batch fails the whole batch.
 */
export function reportedFailure(result: unknown, batch: { sequenceNumber: string }[]): Reported {
  if (result === undefined || result === null || typeof result !== 'object') return { kind: 'success' };
  const failures = (result as Partial<DynamoDBBatchResponse>).batchItemFailures;
  if (failures === undefined || failures === null) return { kind: 'success' };
  if (!Array.isArray(failures)) return { kind: 'whole', reason: 'batchItemFailures is not a list' };
  if (failures.length === 0) return { kind: 'success' };
  let lowest = Number.POSITIVE_INFINITY;
  for (const failure of failures) {
    const identifier: unknown = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    const index =
      typeof identifier === 'string' && identifier !== ''
        ? batch.findIndex((queued) => queued.sequenceNumber === identifier)
        : -1;
    if (index < 0)
      return {
        kind: 'whole',
        reason: `batchItemFailures names ${JSON.stringify(identifier)}, not a record of the batch`,
      };
    lowest = Math.min(lowest, index);
  }
  return {
    kind: 'partial',
    index: lowest,
    reason: `batchItemFailures from sequence number ${batch[lowest]?.sequenceNumber}`,
  };
}
