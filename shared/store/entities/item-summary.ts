import * as z from 'zod/mini';
import type { ReviewItem } from '../../domain/review-item.js';
import { draftPreviewSchema, previewOf } from '../../drafts/index.js';
import type { ItemSummary } from '../../use-cases/ports.js';
import type { Attributes } from '../table.js';
import { parseRecord, recordSchemas } from './record-schemas.js';

export const summaryOf = (item: ReviewItem): ItemSummary => ({ ...item, draft: previewOf(item.draft) });

const summaryRecord = z.lazy(() => z.extend(recordSchemas().reviewItemRecord, { draft: draftPreviewSchema }));

/** The summary a list row carries. */
export const parseSummary = (row: Attributes): ItemSummary =>
  parseRecord(summaryRecord, row.summary, 'item summary') as ItemSummary;
