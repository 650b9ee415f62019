/**
 * The summary of an item: the item without its bodies (`draft.bodyPreview` instead), what every list shows. Item
 * records, queue entries and record entries carry it as their `summary` attribute, and the list indexes project
 * only that attribute.
 */
import * as z from 'zod';
import type { ReviewItem } from '../../domain/review-item.js';
import { emailDraftSchema } from '../../domain/schemas.js';
import type { Attributes } from '../table.js';
import { parseRecord, reviewItemRecord } from './record-schemas.js';

const PREVIEW_LENGTH = 280;

export type ItemSummary = Omit<ReviewItem, 'draft'> & {
  draft: Omit<ReviewItem['draft'], 'bodyText' | 'bodyHtml'> & { bodyPreview: string };
};

export function summaryOf(item: ReviewItem): ItemSummary {
  const { bodyText, bodyHtml: _html, ...draft } = item.draft;
  return { ...item, draft: { ...draft, bodyPreview: bodyText.slice(0, PREVIEW_LENGTH) } };
}

const { bodyText: _text, bodyHtml: _bodyHtml, ...draftHeaders } = emailDraftSchema.shape;
const summaryRecord = reviewItemRecord.extend({
  draft: z.object({ ...draftHeaders, bodyPreview: z.string() }),
});

/** The summary a list row carries. */
export const parseSummary = (row: Attributes): ItemSummary =>
  parseRecord(summaryRecord, row.summary, 'item summary');
