/**
 * Counting changes' tallies (entities/tally.ts) into the counters, exactly once. A batch of tallies (in the order the
 * stream hands them over) is counted in as few transactions as DynamoDB's 100 actions allow: each transaction holds
 * one marker per change, conditional on the marker being new, and one update per counter record with the sum of
 * what those changes do to it. A change whose marker exists was counted before (a redelivery, or a retry after a
 * crash): it is left out and the rest of its transaction is written again; a transaction is all or nothing, so a
 * change is never counted in part.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { crashPoint } from '../crash-points.js';
import { WriteConflictError } from '../errors.js';
import { counterUpdate, keyId, markerPut, mergeWrites, type Tally, tallyOf } from './entities/tally.js';
import { MAX_TRANSACTION_ACTIONS, type Table } from './table.js';

export interface TallyOutcome {
  /** Changes counted now. */
  counted: number;
  /** Changes counted before (their marker was there). */
  alreadyCounted: number;
  /** Transactions that committed. */
  transactions: number;
}

export async function applyTallies(table: Table, tallies: Tally[], now = new Date()): Promise<TallyOutcome> {
  const outcome: TallyOutcome = { counted: 0, alreadyCounted: 0, transactions: 0 };
  const seen = new Set<string>();
  const unique = tallies.filter((tally) => {
    const id = keyId(tally.source);
    if (seen.has(id)) {
      outcome.alreadyCounted += 1;
      return false;
    }
    seen.add(id);
    return true;
  });
  for (let chunk of chunksOf(unique)) {
    while (chunk.length > 0) {
      const writes = mergeWrites(chunk.flatMap((tally) => tally.writes));
      try {
        await table.transact([
          ...chunk.map((tally) => markerPut(table.name, tally.source, now)),
          ...writes.map((write) => ({ Update: counterUpdate(table.name, write) })),
        ]);
        outcome.counted += chunk.length;
        outcome.transactions += 1;
        break;
      } catch (error) {
        // Only a marker's condition can fail: the changes whose markers exist were counted before.
        const counted = error instanceof WriteConflictError ? markersThatExist(error, chunk.length) : [];
        if (counted.length === 0) throw error;
        outcome.alreadyCounted += counted.length;
        chunk = chunk.filter((_, index) => !counted.includes(index));
      }
    }
  }
  crashPoint('tallies.batch.done');
  return outcome;
}

const markersThatExist = (error: WriteConflictError, markers: number): number[] =>
  error.reasons.flatMap((code, index) =>
    index < markers && code === 'ConditionalCheckFailed' ? [index] : [],
  );

/** Consecutive tallies whose markers and distinct counter records fit one transaction. */
function chunksOf(tallies: Tally[]): Tally[][] {
  const chunks: Tally[][] = [];
  let chunk: Tally[] = [];
  let records = new Set<string>();
  for (const tally of tallies) {
    const keys = tally.writes.map((write) => keyId(write.key));
    const joined = new Set([...records, ...keys]);
    if (chunk.length > 0 && chunk.length + 1 + joined.size > MAX_TRANSACTION_ACTIONS) {
      chunks.push(chunk);
      chunk = [];
      records = new Set(keys);
    } else records = joined;
    chunk.push(tally);
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/** The tallies of a batch of stream records, in order (records that are no new change carry none). */
export function talliesOfRecords(records: DynamoDBRecord[]): Tally[] {
  return records.flatMap((record) => {
    const image = record.dynamodb?.NewImage;
    if (record.eventName !== 'INSERT' || !image) return [];
    const tally = tallyOf(unmarshall(image as Record<string, AttributeValue>));
    return tally ? [tally] : [];
  });
}
