import * as z from 'zod/mini';
import type { ReviewItem } from '../../domain/review-item.js';
import { draftPreviewSchema, previewOf } from '../../drafts/index.js';
import type { ItemSummary } from '../../use-cases/ports.js';
import type { Attributes } from '../table.js';
import { parseRecord, recordSchemas } from './record-schemas.js';

const summaryRecord = z.lazy(() => z.extend(recordSchemas().reviewItemRecord, { draft: draftPreviewSchema }));

/** One change writes the same summary into the item and each of its queue and record entries: built once. */
const built = new WeakMap<ReviewItem, ItemSummary>();

/**
 * The summary a list row carries, checked by the schema that reads it back (parseSummary): a writer never stores
 * a summary its reader refuses.
 */
export function summaryOf(item: ReviewItem): ItemSummary {
  let summary = built.get(item);
  if (!summary) {
    summary = { ...item, draft: previewOf(item.draft) };
    parseRecord(summaryRecord, summary, 'item summary about to be written');
    built.set(item, summary);
  }
  return summary;
}

/** The summary a list row carries. */
export const parseSummary = (row: Attributes): ItemSummary =>
  parseRecord(summaryRecord, row.summary, 'item summary') as ItemSummary;
