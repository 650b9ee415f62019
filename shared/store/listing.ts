/**
 * Pages of a list, newest first, read from one or more partitions ("sources") that hold exactly the rows the list
 * answers: a reviewer's queue is one source; a member's workspace view is two (workspace runs, and their own
 * private runs), merged. Each source is read from where the previous page left it, `limit + 1` rows at a time (the
 * extra row tells a last page from one with more), all sources in parallel, and merged by their sort key.
 *
 * A row the caller may not list (`accept` false: an item past expiresAt that the job has not marked yet) is
 * skipped; if that leaves the page short while a source has more, the page reads on (at most MAX_ROUNDS reads
 * in all), so a page is full or truly the last one.
 *
 * Cursors are opaque: the positions of every source, with a MAC over them and over the list's binding (the caller,
 * the list and its filter). An altered cursor, one from another caller, list or filter, or one signed with a key
 * the deployment's key ring (cursor-keys.ts) no longer holds answers 400; each position is then checked to lie in
 * its own source's partition before it reaches DynamoDB, so even a cursor forged with a leaked key stays in the
 * caller's own list (docs/table-design.md, "Cursors").
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { invalidCursor } from '../errors.js';
import type { ItemSummary, Page, PageRequest } from '../use-cases/ports.js';
import type { CursorKeyRing } from './cursor-keys.js';
import { parseSummary } from './entities/item-summary.js';
import type { Attributes, Table } from './table.js';
import type { IndexName } from './table-schema.js';

/** One partition a list reads: the base table (queue, record banner) or an index. */
export interface ListSource {
  index?: IndexName;
  /** The partition key attribute and value. */
  pkAttribute: string;
  pk: string;
  /** The sort key attribute (`sk` on the table, `listSk` on the list indexes): newest first. */
  skAttribute: string;
}

/** Most reads a page makes to fill itself when rows it read were skipped. */
const MAX_ROUNDS = 3;

type Position = Record<string, string> | 'start' | 'end';

export async function listPage(
  table: Table,
  sources: ListSource[],
  request: PageRequest & { binding: string; keys: CursorKeyRing },
  accept: (item: ItemSummary) => boolean,
): Promise<Page<ItemSummary>> {
  const positions: Position[] =
    request.cursor === undefined
      ? sources.map(() => 'start')
      : decodeCursor(request.cursor, request.binding, request.keys, sources);
  const items: ItemSummary[] = [];

  for (let round = 0; round < MAX_ROUNDS && items.length < request.limit; round++) {
    if (positions.every((p) => p === 'end')) break;
    const wanted = request.limit - items.length + 1;
    const reads = await Promise.all(
      sources.map(async (source, index) => {
        const position = positions[index];
        if (position === 'end' || position === undefined) return { rows: [] as Attributes[], more: false };
        const out = await table.query({
          ...(source.index ? { IndexName: source.index } : { ConsistentRead: true }),
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': source.pkAttribute },
          ExpressionAttributeValues: { ':pk': source.pk },
          ScanIndexForward: false,
          Limit: wanted,
          ...(position === 'start' ? {} : { ExclusiveStartKey: position }),
        });
        return { rows: out.Items ?? [], more: out.LastEvaluatedKey !== undefined };
      }),
    );

    // A row may be answered only if no source still has unread rows that sort before it (newer).
    const frontier = reads.reduce<string | undefined>((highest, read, index) => {
      const last = read.rows.at(-1);
      if (!read.more || !last) return highest;
      const value = String(last[sources[index]!.skAttribute]);
      return highest === undefined || value > highest ? value : highest;
    }, undefined);
    const merged = reads
      .flatMap((read, index) =>
        read.rows.map((row) => ({ row, index, sort: String(row[sources[index]!.skAttribute]) })),
      )
      .sort((a, b) => (a.sort < b.sort ? 1 : a.sort > b.sort ? -1 : a.index - b.index));

    const consumed = sources.map(() => 0);
    for (const { row, index, sort } of merged) {
      if (items.length === request.limit) break;
      if (frontier !== undefined && sort < frontier) break;
      positions[index] = keyOf(row, sources[index]!);
      consumed[index] = (consumed[index] ?? 0) + 1;
      const summary = parseSummary(row);
      if (accept(summary)) items.push(summary);
    }
    reads.forEach((read, index) => {
      if (!read.more && consumed[index] === read.rows.length && positions[index] !== 'end')
        positions[index] = 'end';
    });
  }

  return {
    items,
    nextCursor: positions.every((p) => p === 'end')
      ? null
      : sealCursor(positions, request.binding, request.keys),
  };
}

/** The ExclusiveStartKey that continues after `row`: the table's keys, and the index's when reading one. */
function keyOf(row: Attributes, source: ListSource): Record<string, string> {
  const names = source.index ? ['pk', 'sk', source.pkAttribute, source.skAttribute] : ['pk', 'sk'];
  return Object.fromEntries(names.map((name) => [name, String(row[name])]));
}

function mac(key: string, binding: string, payload: string): string {
  return createHmac('sha256', key).update(`${binding}\n${payload}`).digest('base64url').slice(0, 22);
}

/** An opaque cursor for `value`, bound to `binding` (the caller, the list and its filter), signed with the current key. */
export function sealCursor(value: unknown, binding: string, keys: CursorKeyRing): string {
  const payload = Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
  return `${payload}.${mac(keys.current, binding, payload)}`;
}

/**
 * The value a cursor was sealed with, if it was sealed for this binding with a key of the ring (the current one, or
 * one still accepted after a rotation) and not altered; else a 400.
 */
export function openCursor(cursor: string, binding: string, keys: CursorKeyRing): unknown {
  const [payload, tag, ...rest] = cursor.split('.');
  if (!payload || !tag || rest.length > 0) throw invalidCursor();
  const given = Buffer.from(tag);
  const signedWith = (key: string) => {
    const expected = Buffer.from(mac(key, binding, payload));
    return expected.length === given.length && timingSafeEqual(expected, given);
  };
  if (![keys.current, ...keys.previous].some(signedWith)) throw invalidCursor();
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
}

function decodeCursor(
  cursor: string,
  binding: string,
  keys: CursorKeyRing,
  sources: ListSource[],
): Position[] {
  const positions = openCursor(cursor, binding, keys);
  if (!Array.isArray(positions) || positions.length !== sources.length) throw invalidCursor();
  return positions.map((position, index) => checkedPosition(position, sources[index]!));
}

/** A position must be a key of its own source's partition, with exactly the key attributes a query continues from. */
function checkedPosition(position: unknown, source: ListSource): Position {
  if (position === 'start' || position === 'end') return position;
  if (typeof position !== 'object' || position === null || Array.isArray(position)) throw invalidCursor();
  const names = source.index ? ['pk', 'sk', source.pkAttribute, source.skAttribute] : ['pk', 'sk'];
  const entries = Object.entries(position);
  if (entries.length !== new Set(names).size) throw invalidCursor();
  for (const [name, value] of entries) {
    if (!names.includes(name) || typeof value !== 'string' || value.length === 0 || value.length > 1024)
      throw invalidCursor();
  }
  const key = position as Record<string, string>;
  if (key[source.pkAttribute] !== source.pk) throw invalidCursor();
  return key;
}
