/**
 * `QueueEntry` records: one per reviewer of each open item, the reviewer's queue, newest first, each carrying the
 * item's summary so a queue page is one Query. The `automation` index holds a reviewer's entries of one
 * automation (the queue's automation filter).
 */
import type { ReviewItem } from '../../domain/review-item.js';
import { escapeKeySegment, listSk, tenant } from '../key-parts.js';
import type { Attributes, TableKey } from '../table.js';
import { summaryOf } from './item-summary.js';

export const QUEUE_ENTITY = 'QueueEntry';

export const queueKeys = {
  pk: (workspaceId: string, userId: string) => `${tenant(workspaceId)}#QUEUE#${escapeKeySegment(userId)}`,
  ofAutomation: (workspaceId: string, userId: string, automationId: string) =>
    `${tenant(workspaceId)}#QUEUE#${escapeKeySegment(userId)}#A#${escapeKeySegment(automationId)}`,
  entry: (workspaceId: string, userId: string, createdAt: string, itemId: string): TableKey => ({
    pk: queueKeys.pk(workspaceId, userId),
    sk: listSk(createdAt, itemId),
  }),
};

export function queueEntryRecord(userId: string, item: ReviewItem): Attributes {
  const key = queueKeys.entry(item.workspaceId, userId, item.createdAt, item.id);
  return {
    ...key,
    entity: QUEUE_ENTITY,
    listSk: key.sk,
    automationPk: queueKeys.ofAutomation(item.workspaceId, userId, item.origin.automationId),
    summary: summaryOf(item),
  };
}
