/**
 * The one transaction builder for item changes. Every change of a review item is ONE TransactWriteItems: the item
 * itself (conditional on the version and status the caller saw), a history entry, the reviewers' queue entries,
 * the dedup head and the automation's counters. So an item, its queues and its history can never disagree, and
 * exactly one of two concurrent changes wins. docs/table-design.md counts the actions of the largest change.
 */
import { type HistoryEntry, isOpen, type ReviewItem } from '../domain/review-item.js';
import { type CounterChange, countersUpdate, durationRecordOf } from './entities/automation-counters.js';
import { headChange } from './entities/dedup-head.js';
import { historyRecord } from './entities/history.js';
import { queueEntryRecord, queueKeys } from './entities/queue-entry.js';
import { type ItemState, itemConditions, itemRecord } from './entities/review-item.js';
import type { TransactItem } from './table.js';

export interface ItemChange {
  /** The item as the caller read it (null for a new item): the write is conditional on it. */
  before: ItemState | null;
  after: ReviewItem;
  entry: HistoryEntry;
  counters?: CounterChange;
}

export function itemChangeOps(tableName: string, change: ItemChange, unique: () => string): TransactItem[] {
  const { before, after, entry, counters } = change;
  const ops: TransactItem[] = [
    {
      Put: {
        TableName: tableName,
        Item: itemRecord(after),
        ...(before ? itemConditions.unchangedSince(before) : itemConditions.isNew()),
      },
    },
    { Put: { TableName: tableName, Item: historyRecord(after.workspaceId, after.id, entry, unique()) } },
  ];

  const beforeQueue = before && isOpen(before.status) ? before.reviewers : [];
  const afterQueue = isOpen(after.status) ? after.reviewers : [];
  for (const userId of afterQueue) {
    ops.push({ Put: { TableName: tableName, Item: queueEntryRecord(userId, after) } });
  }
  for (const userId of beforeQueue.filter((u) => !afterQueue.includes(u))) {
    ops.push({
      Delete: {
        TableName: tableName,
        Key: queueKeys.entry(after.workspaceId, userId, after.createdAt, after.id),
      },
    });
  }

  const headOp = before ? headChange(tableName, before, after) : undefined;
  if (headOp) ops.push(headOp);
  if (counters) {
    ops.push({ Update: countersUpdate(tableName, after.workspaceId, counters) });
    const duration = durationRecordOf(after.workspaceId, counters);
    if (duration) ops.push({ Put: { TableName: tableName, Item: duration } });
  }
  return ops;
}
