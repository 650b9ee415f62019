/**
 * `QueueEntry` records: one per reviewer of each open item, the reviewer's queue, newest first. An entry holds
 * the item without its bodies (ItemSummary), so a queue page is one Query.
 */
import * as z from 'zod';
import type { ReviewItem } from '../../domain/review-item.js';
import { emailDraftSchema } from '../../domain/schemas.js';
import type { Attributes, TableKey } from '../table.js';
import { parseRecord, reviewItemRecord } from './record-schemas.js';

export const QUEUE_ENTITY = 'QueueEntry';
const PREVIEW_LENGTH = 280;

/** A list view: the item without its bodies (queue entries and indexes carry this). */
export type ItemSummary = Omit<ReviewItem, 'draft'> & {
  draft: Omit<ReviewItem['draft'], 'bodyText' | 'bodyHtml'> & { bodyPreview: string };
};

export const queueKeys = {
  pk: (workspaceId: string, userId: string) => `WS#${workspaceId}#QUEUE#${userId}`,
  sk: (createdAt: string, itemId: string) => `${createdAt}#${itemId}`,
  entry: (workspaceId: string, userId: string, createdAt: string, itemId: string): TableKey => ({
    pk: queueKeys.pk(workspaceId, userId),
    sk: queueKeys.sk(createdAt, itemId),
  }),
};

export function summaryOf(item: ReviewItem): ItemSummary {
  const { bodyText, bodyHtml: _html, ...draft } = item.draft;
  return { ...item, draft: { ...draft, bodyPreview: bodyText.slice(0, PREVIEW_LENGTH) } };
}

export function queueEntryRecord(userId: string, item: ReviewItem): Attributes {
  return {
    ...queueKeys.entry(item.workspaceId, userId, item.createdAt, item.id),
    entity: QUEUE_ENTITY,
    ...summaryOf(item),
  };
}

const { bodyText: _text, bodyHtml: _bodyHtml, ...draftHeaders } = emailDraftSchema.shape;
const summaryRecord = reviewItemRecord.extend({
  draft: z.object({ ...draftHeaders, bodyPreview: z.string() }),
});

/**
 * A row of a list: a queue entry (a summary already), or an item record from an index (summarized here).
 */
export function parseSummary(record: Attributes): ItemSummary {
  const draft = record.draft as { bodyText?: unknown } | undefined;
  if (draft && typeof draft.bodyText === 'string')
    return summaryOf(parseRecord(reviewItemRecord, record, 'review item'));
  return parseRecord(summaryRecord, record, 'queue entry');
}
