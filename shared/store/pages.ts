/**
 * One page of a list: one Query, a cursor that is checked on the way back in (shared/store/pagination.ts).
 */
import type { QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { type ItemSummary, parseSummary } from './entities/queue-entry.js';
import { decodeCursor, encodeCursor, type Key } from './pagination.js';
import type { Table } from './table.js';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageRequest {
  limit: number;
  cursor?: string;
}

/** How many index entries a filtered page may read at most (one request, at most 1 MB). */
const FILTERED_READ_LIMIT = 500;

/**
 * One Query per page. Without a filter it reads twice `limit` rows; with one (a filter expression or an in-memory
 * `accept`), it reads up to FILTERED_READ_LIMIT rows and returns the first `limit` that pass, with a cursor at the
 * last row returned, so pages stay full without a second request.
 */
export async function queryPage(
  table: Table,
  input: Omit<QueryCommandInput, 'TableName'>,
  keyAttributes: string[],
  partition: Key,
  page: PageRequest,
  accept: (item: ItemSummary) => boolean,
): Promise<Page<ItemSummary>> {
  const ExclusiveStartKey = decodeCursor(page.cursor, partition);
  const out = await table.query({
    ...input,
    ExclusiveStartKey,
    Limit: input.FilterExpression ? FILTERED_READ_LIMIT : Math.min(FILTERED_READ_LIMIT, page.limit * 2),
  });
  const rows = out.Items ?? [];
  const items: ItemSummary[] = [];
  for (const [index, row] of rows.entries()) {
    const summary = parseSummary(row);
    if (!accept(summary)) continue;
    items.push(summary);
    if (items.length === page.limit) {
      const moreRows = index < rows.length - 1 || out.LastEvaluatedKey !== undefined;
      const lastKey = Object.fromEntries(keyAttributes.map((k) => [k, String(row[k])]));
      return { items, nextCursor: moreRows ? encodeCursor(lastKey) : null };
    }
  }
  return { items, nextCursor: encodeCursor(out.LastEvaluatedKey as Key | undefined) };
}
