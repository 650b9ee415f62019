/**
 * The pump of one stream consumer: it reads a shard (GetShardIterator, GetRecords), skips the records the
 * trigger's filter leaves out, gathers batches (up to `batchSize`, for up to `maxBatchingWindowSeconds`), invokes
 * the consumer's function with them, and keeps the consumer's checkpoint: after each record done, whether
 * delivered, filtered out or sent to the on-failure list (stream-failures.ts decides what a failure means).
 */
import {
  type DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  ResourceNotFoundException,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import type { FunctionSpec, StreamFilterPattern } from '../manifest.js';
import type { HandlerInvoker } from './handlers.js';
import { describeError, type LocalLog } from './log.js';
import type { CheckpointStore, ConsumerCheckpoint } from './stream-checkpoints.js';
import {
  describeStreamFailure,
  onFailureRecord,
  type RetryBackoff,
  reportedFailure,
  retryBatches,
  retryDelayMs,
  type StreamFailure,
} from './stream-failures.js';
import { matchesStreamFilter } from './stream-filter.js';
import { lambdaRecord } from './stream-records.js';
import type { QueuedRecord, ShardState } from './stream-shards.js';

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

export interface PumpContext {
  /** The consumer as log lines, checkpoints and on-failure records name it. */
  id: string;
  consumer: StreamConsumer;
  client: DynamoDBStreamsClient;
  streamArn: string;
  invoker: HandlerInvoker;
  checkpoints: CheckpointStore;
  log: LocalLog;
  backoff: RetryBackoff;
  onFailure(failure: StreamFailure): void;
  counters: { invocations: number };
  /** Aborted when the reader stops: calls under way are cancelled, retry delays cut short, pumps return. */
  signal: AbortSignal;
}

/** `backlog`: the shard has more to read right now; `waiting`: records wait for the batching window. */
export type PumpOutcome = 'caught-up' | 'backlog' | 'waiting';

const GET_RECORDS_LIMIT = 1_000;

/** A failed invocation: where in the batch the failure starts, and whether the function reported it. */
interface FailedInvocation {
  from: number;
  reported: boolean;
  error: string;
}

/** One consumer's reading and delivering, shard by shard, and its position on the stream. */
export class ShardPump {
  private checkpoint: ConsumerCheckpoint | undefined;

  constructor(private readonly context: PumpContext) {}

  private get consumer(): StreamConsumer {
    return this.context.consumer;
  }

  private get id(): string {
    return this.context.id;
  }

  /** Loads the consumer's checkpoint; one of another stream (the table was recreated) is dropped. */
  async loadCheckpoint(): Promise<void> {
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

  /** Where the checkpoint says the consumer is in a shard. */
  position(shardId: string): ConsumerCheckpoint['shards'][string] | undefined {
    return this.checkpoint?.shards[shardId];
  }

  /** Drops the checkpoints of shards gone from the stream. */
  async forget(shardIds: string[]): Promise<void> {
    let forgot = false;
    for (const id of shardIds) {
      if (this.checkpoint && id in this.checkpoint.shards) {
        delete this.checkpoint.shards[id];
        forgot = true;
      }
    }
    if (forgot) await this.saveCheckpoint();
  }

  /** Reads what the shard has, then delivers what is ready. */
  async pump(shard: ShardState, flush: boolean): Promise<PumpOutcome> {
    const { signal } = this.context;
    const readCap = Math.max(2 * this.consumer.batchSize, GET_RECORDS_LIMIT);
    let atTip = shard.ended;
    while (!shard.ended && shard.queue.length < readCap && !signal.aborted) {
      const records = await this.read(shard);
      if (records === 0) {
        atTip = true;
        break;
      }
    }
    if (shard.ended) atTip = true;

    for (;;) {
      if (signal.aborted) return 'backlog';
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
          { abortSignal: this.context.signal },
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
        { abortSignal: this.context.signal },
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
    let failure: FailedInvocation;
    try {
      counters.invocations += 1;
      const result = await invoker.invoke(this.consumer.fn, event);
      const reported = reportedFailure(result, batch);
      if (reported.kind === 'success') {
        log.debug(`${this.id}: ${batch.length} record(s) of ${shard.id} → ${this.consumer.fn.name}`);
        await this.done(shard, batch);
        return;
      }
      failure = {
        from: reported.kind === 'partial' ? reported.index : 0,
        reported: reported.kind === 'partial',
        error: reported.reason,
      };
    } catch (thrown) {
      failure = { from: 0, reported: false, error: describeError(thrown) };
    }
    await this.failed(shard, batch, failure);
  }

  private async done(shard: ShardState, records: QueuedRecord[]): Promise<void> {
    const last = records.at(-1);
    if (!last) return;
    shard.failedAttempts = 0;
    const index = shard.queue.indexOf(last);
    shard.queue.splice(0, index + 1);
    await this.advance(shard, last.sequenceNumber);
  }

  /** The records before the failure are done; the failing ones are retried, or after the last retry reported. */
  private async failed(shard: ShardState, batch: QueuedRecord[], failure: FailedInvocation): Promise<void> {
    const { log, backoff } = this.context;
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
    await this.sleep(retryDelayMs(backoff, shard.failedAttempts));
    shard.planned.unshift(...retryBatches(failing, { reported, bisectOnError }));
  }

  private discard(shard: ShardState, records: QueuedRecord[], error: string): void {
    const failure = onFailureRecord({
      consumer: this.id,
      functionName: this.consumer.fn.name,
      invokeCount: this.consumer.retryAttempts + 1,
      error,
      shardId: shard.id,
      streamArn: this.context.streamArn,
      records,
    });
    if (!failure) return;
    this.context.onFailure(failure);
    this.context.log.warn(describeStreamFailure(failure));
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
    const { signal } = this.context;
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
