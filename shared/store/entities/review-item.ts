/**
 * `ReviewItem` records: the whole item, with the index attributes that place an open item in the workspace's
 * open list (gsi1), an item due for a job in gsi2, and an open email in its `from` mailbox's list (gsi3).
 */
import { isOpen, type ReviewItem } from '../../domain/review-item.js';
import type { Attributes, TableKey } from '../table.js';
import { parseRecord, reviewItemRecord } from './record-schemas.js';

export const ITEM_ENTITY = 'ReviewItem';

const ws = (workspaceId: string) => `WS#${workspaceId}`;

export const itemKeys = {
  item: (workspaceId: string, itemId: string): TableKey => ({
    pk: `${ws(workspaceId)}#ITEM#${itemId}`,
    sk: 'ITEM',
  }),
  /** gsi1: open items of a workspace, newest first. */
  openPk: (workspaceId: string) => `${ws(workspaceId)}#OPEN`,
  openSk: (createdAt: string, itemId: string) => `${createdAt}#${itemId}`,
  /** gsi2: work due for the scheduled jobs (not a request path; no tenant prefix by design). */
  duePk: (kind: DueKind) => `DUE#${kind}`,
  dueSk: (at: string, workspaceId: string, itemId: string) => `${at}#${workspaceId}#${itemId}`,
  /** gsi3: open items of a workspace by the draft's from mailbox. */
  fromPk: (workspaceId: string, mailbox: string) => `${ws(workspaceId)}#FROM#${mailbox.toLowerCase()}`,
};

export type DueKind = 'EXPIRY' | 'SENDING';

/** The item as stored: the item itself and the index attributes its state calls for. */
export function itemRecord(item: ReviewItem): Attributes {
  const record: Attributes = { ...itemKeys.item(item.workspaceId, item.id), entity: ITEM_ENTITY, ...item };
  if (isOpen(item.status)) {
    record.recordKeys = item.relatedRecords.map((r) => `${r.type}#${r.id}`);
    record.gsi1pk = itemKeys.openPk(item.workspaceId);
    record.gsi1sk = itemKeys.openSk(item.createdAt, item.id);
    record.gsi3pk = itemKeys.fromPk(item.workspaceId, item.draft.from);
    record.gsi3sk = itemKeys.openSk(item.createdAt, item.id);
  }
  if (item.status === 'pending' && item.expiresAt) {
    record.gsi2pk = itemKeys.duePk('EXPIRY');
    record.gsi2sk = itemKeys.dueSk(item.expiresAt, item.workspaceId, item.id);
  } else if (item.status === 'sending' && item.sendAttempt) {
    record.gsi2pk = itemKeys.duePk('SENDING');
    record.gsi2sk = itemKeys.dueSk(item.sendAttempt.claimedAt, item.workspaceId, item.id);
  }
  return record;
}

export const parseItem = (record: Attributes): ReviewItem =>
  parseRecord(reviewItemRecord, record, 'review item');

export const isItemRecord = (record: Attributes): boolean => record.entity === ITEM_ENTITY;

/** What a change needs to know about the item before it: the full item, or the dedup head's copy of it. */
export type ItemState = Pick<
  ReviewItem,
  'id' | 'workspaceId' | 'version' | 'status' | 'reviewers' | 'holdsKey' | 'createdAt' | 'dedupHash'
> & { sendAttempt?: { id: string } };

/** Named conditions on the item record. */
export const itemConditions = {
  /** A new item: no record under its key yet. */
  isNew: () => ({ ConditionExpression: 'attribute_not_exists(pk)' }),
  /**
   * The item is as the caller read it: same version and status (and, while sending, the same send attempt), so
   * of two concurrent changes exactly one wins. ALL_OLD hands the loser the item as it is now.
   */
  unchangedSince: (before: ItemState) => {
    const values: Attributes = { ':bv': before.version, ':bs': before.status };
    let expression = 'version = :bv AND #status = :bs';
    if (before.status === 'sending') {
      expression += ' AND sendAttempt.id = :attempt';
      values[':attempt'] = before.sendAttempt?.id ?? '';
    }
    return {
      ConditionExpression: expression,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: values,
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    };
  },
};
