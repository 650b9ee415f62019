/**
 * The transactional outbox (spec 5, "no event is lost"). A committed change carries the events it must publish
 * in a record written by the same transaction: the item's history entry, or an `Outbox` record for events that
 * belong to no item change (a dropped proposal). The table's stream hands every new such record to
 * functions/publish-outbox.ts, which puts its events on the bus; a failure is retried from the stream, so every
 * event is published at least once, always with the `eventId` it was written with.
 *
 * Records of one item share its partition key, so the stream keeps them in the order they were committed. The
 * publisher stops at the first record it could not publish and reports it (ReportBatchItemFailures); Lambda
 * retries from there. A retry may publish again events that were already accepted: subscribers de-duplicate by
 * `eventId` and order an item's events by `version` (EventBridge itself does not keep order).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import { crashPoint } from '../crash-points.js';
import type { OutEvent } from './out-events.js';

/** The attribute of a history entry or an outbox record that holds its events. */
export const OUTBOX_ATTRIBUTE = 'outbox';

/** PutEvents takes at most 10 entries per request. */
const ENTRIES_PER_REQUEST = 10;

/** Puts events on the bus; answers the indexes of the events the bus did not accept. */
export interface EntryPublisher {
  put(events: OutEvent[]): Promise<number[]>;
}

/** The events a stream record carries (none for records that are not new outbox records). */
export function eventsOfRecord(record: DynamoDBRecord): OutEvent[] {
  const image = record.dynamodb?.NewImage;
  if (record.eventName !== 'INSERT' || !image) return [];
  const values = unmarshall(image as Record<string, AttributeValue>);
  const events: unknown = values[OUTBOX_ATTRIBUTE];
  return Array.isArray(events) ? events.filter(isOutEvent) : [];
}

function isOutEvent(value: unknown): value is OutEvent {
  if (typeof value !== 'object' || value === null) return false;
  const { detailType, detail } = value as { detailType?: unknown; detail?: unknown };
  return typeof detailType === 'string' && typeof detail === 'object' && detail !== null;
}

/**
 * Publishes the events of a batch of stream records, in order. Answers the first record that could not be
 * published (with every record after it left for the retry), or no failure.
 */
export async function publishRecords(
  publisher: EntryPublisher,
  records: DynamoDBRecord[],
): Promise<DynamoDBBatchResponse> {
  const queue = records.flatMap((record, recordIndex) =>
    eventsOfRecord(record).map((event) => ({ recordIndex, event })),
  );
  for (let start = 0; start < queue.length; start += ENTRIES_PER_REQUEST) {
    const chunk = queue.slice(start, start + ENTRIES_PER_REQUEST);
    let failed: number[];
    crashPoint('outbox.put.before');
    try {
      failed = await publisher.put(chunk.map((entry) => entry.event));
    } catch {
      failed = [0];
    }
    if (failed.length > 0) {
      const first = chunk[Math.min(...failed)];
      return failureFrom(records, first?.recordIndex ?? 0);
    }
    crashPoint('outbox.put.after');
  }
  crashPoint('outbox.batch.done');
  return { batchItemFailures: [] };
}

/**
 * The events of the records a response lets the stream move past: every record's, or those before the first
 * reported failure (Lambda delivers that record and the rest again). Counting these counts each event once per
 * record the stream leaves behind, not once per attempt (shared/metric-names.ts).
 */
export function settledEvents(records: DynamoDBRecord[], response: DynamoDBBatchResponse): OutEvent[] {
  const failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
  const firstFailed = records.findIndex((record) => failed.has(record.dynamodb?.SequenceNumber ?? ''));
  return (firstFailed === -1 ? records : records.slice(0, firstFailed)).flatMap(eventsOfRecord);
}

function failureFrom(records: DynamoDBRecord[], index: number): DynamoDBBatchResponse {
  const sequenceNumber = records[index]?.dynamodb?.SequenceNumber;
  // Without a sequence number Lambda cannot resume mid-batch: fail the whole batch instead.
  if (!sequenceNumber) throw new Error('A stream record without a SequenceNumber could not be published');
  return { batchItemFailures: [{ itemIdentifier: sequenceNumber }] };
}
