/**
 * `RecordEntry` records: one per CRM record an open item is about, the record page banner, newest first, each
 * carrying the item's summary. The base partition holds the record's entries of every scope (an admin's banner);
 * the `scope` index holds them per visibility scope (a member reads `workspace` and their own).
 */
import type { RecordRef, ReviewItem } from '../../domain/review-item.js';
import { scopeOf } from '../../domain/routing.js';
import { escapeKeySegment, listSk, tenant } from '../key-parts.js';
import type { Attributes, TableKey } from '../table.js';
import { summaryOf } from './item-summary.js';

export const RECORD_ENTRY_ENTITY = 'RecordEntry';

export const recordEntryKeys = {
  pk: (workspaceId: string, record: RecordRef) =>
    `${tenant(workspaceId)}#REC#${escapeKeySegment(record.type)}#${escapeKeySegment(record.id)}`,
  inScope: (workspaceId: string, record: RecordRef, scope: string) =>
    `${recordEntryKeys.pk(workspaceId, record)}#S#${escapeKeySegment(scope)}`,
  entry: (workspaceId: string, record: RecordRef, createdAt: string, itemId: string): TableKey => ({
    pk: recordEntryKeys.pk(workspaceId, record),
    sk: listSk(createdAt, itemId),
  }),
};

export function recordEntryRecord(record: RecordRef, item: ReviewItem): Attributes {
  const key = recordEntryKeys.entry(item.workspaceId, record, item.createdAt, item.id);
  return {
    ...key,
    entity: RECORD_ENTRY_ENTITY,
    listSk: key.sk,
    scopePk: recordEntryKeys.inScope(item.workspaceId, record, scopeOf(item.origin.executedAs)),
    summary: summaryOf(item),
  };
}
