/**
 * What the stream reader makes of a failed batch, as Lambda does for an event source mapping: what a
 * ReportBatchItemFailures answer means, what is retried next (the rest of the batch, or its halves when
 * bisecting) and after how long, and the on-failure destination record of a batch that failed every attempt.
 */
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from './aws-identity.js';
import type { QueuedRecord } from './stream-shards.js';

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

/** The delay before retry number `attempt` (1 for the first). */
export const retryDelayMs = (backoff: RetryBackoff, attempt: number): number =>
  Math.min(backoff.baseMs * 2 ** (attempt - 1), backoff.maxMs);

/**
 * The batches to invoke next for the records that failed. `reported`: the function answered batch item failures;
 * otherwise it threw, timed out or answered nonsense. A thrown batch is halved when bisecting, else retried as it
 * was; a reported failure is retried as one batch when bisecting, else from the checkpoint (none planned: the next
 * batch starts at the failed record).
 */
export function retryBatches(
  failing: QueuedRecord[],
  { reported, bisectOnError }: { reported: boolean; bisectOnError: boolean },
): QueuedRecord[][] {
  if (!reported && bisectOnError && failing.length > 1) {
    const half = Math.ceil(failing.length / 2);
    return [failing.slice(0, half), failing.slice(half)];
  }
  if (!reported || bisectOnError) return [failing];
  return [];
}

/** The on-failure destination record of records that failed every attempt (`undefined` for no records). */
export function onFailureRecord(failed: {
  consumer: string;
  functionName: string;
  invokeCount: number;
  error: string;
  shardId: string;
  streamArn: string;
  records: QueuedRecord[];
}): StreamFailure | undefined {
  const { records } = failed;
  const first = records[0];
  const last = records.at(-1);
  if (!first || !last) return undefined;
  const arrival = (queued: QueuedRecord) => {
    const seconds = queued.record.dynamodb?.ApproximateCreationDateTime;
    return seconds === undefined ? undefined : new Date(seconds * 1_000).toISOString();
  };
  return {
    consumer: failed.consumer,
    functionName: failed.functionName,
    version: '1.0',
    timestamp: new Date().toISOString(),
    requestContext: {
      functionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:${failed.functionName}`,
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: failed.invokeCount,
    },
    error: failed.error,
    DDBStreamBatchInfo: {
      shardId: failed.shardId,
      startSequenceNumber: first.sequenceNumber,
      endSequenceNumber: last.sequenceNumber,
      approximateArrivalOfFirstRecord: arrival(first),
      approximateArrivalOfLastRecord: arrival(last),
      batchSize: records.length,
      streamArn: failed.streamArn,
    },
    records: records.map((queued) => queued.record),
  };
}

/** The log line of a batch sent to the on-failure list. */
export function describeStreamFailure(failure: StreamFailure): string {
  const { functionName, requestContext, DDBStreamBatchInfo: batch, error } = failure;
  return (
    `${functionName} failed ${requestContext.approximateInvokeCount} times on ${batch.batchSize} stream record(s) ` +
    `(${batch.startSequenceNumber}…${batch.endSequenceNumber}); sent to the on-failure list (GET /stream-failures): ${error}`
  );
}
