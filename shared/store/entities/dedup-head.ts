/**
 * `DedupHead` records: the head of a dedup key, i.e. which item is the key's open item and the newest proposal
 * seen for it. The head mirrors its open item's version and reviewers, so a replacement can be written from the
 * head alone, conditional on both.
 */
import * as z from 'zod/mini';
import { executedAsSchema } from '../../domain/primitives.js';
import type { ReviewItem } from '../../domain/review-item.js';
import { recordRefsOf } from '../../drafts/index.js';
import type { DedupHead, HeadClaim, ItemState } from '../../use-cases/ports.js';
import { escapeKeySegment, tenant } from '../key-parts.js';
import type { Attributes, TableKey, TransactItem } from '../table.js';
import { parseRecord } from './record-schemas.js';

export const HEAD_ENTITY = 'DedupHead';

export const headKeys = {
  head: (workspaceId: string, dedupHash: string): TableKey => ({
    pk: `${tenant(workspaceId)}#DEDUP#${escapeKeySegment(dedupHash)}`,
    sk: 'HEAD',
  }),
};

const dedupHeadRecord = z.lazy(() =>
  z.object({
    itemId: z.string(),
    version: z.int(),
    reviewers: z.array(z.string()),
    createdAt: z.string(),
    proposedAt: z.string(),
    runId: z.string(),
    open: z.boolean(),
    /** The key's item is scheduled under a send hold (spec 3): a replacement moves it from `scheduled`. */
    held: z.optional(z.boolean()),
    /** The open item's expiresAt: a proposal for an expired item starts a new item instead of replacing it. */
    expiresAt: z.optional(z.string()),
    /** The rest of the open item's state a replacement needs to move it out of its lists (ItemState). */
    automationId: z.string(),
    executedAs: executedAsSchema,
    /** The open item's last change: a replacement's time is never before it. */
    updatedAt: z.string(),
    records: z.array(z.object({ type: z.string(), id: z.string() })),
    /** The open item's reviewers changed by hand: a replacement keeps them so (spec 3, Reassign). */
    reviewerChanges: z.optional(z.object({ added: z.array(z.string()), removed: z.array(z.string()) })),
    /** The open item's time marks: a replacement keeps them (spec 3, Overdue and escalation). */
    overdue: z.optional(z.object({ since: z.string() })),
    escalated: z.optional(z.object({ at: z.string(), added: z.array(z.string()) })),
  }),
);
export const parseHead = (record: Attributes): DedupHead =>
  parseRecord(dedupHeadRecord, record, 'dedup head');
export const isHeadRecord = (record: Attributes): boolean => record.entity === HEAD_ENTITY;

export function headOf(item: ReviewItem): DedupHead {
  return {
    itemId: item.id,
    version: item.version,
    reviewers: item.reviewers,
    createdAt: item.createdAt,
    proposedAt: item.proposedAt,
    runId: item.origin.runId,
    open: true,
    ...(item.status === 'scheduled' ? { held: true } : {}),
    ...(item.expiresAt ? { expiresAt: item.expiresAt } : {}),
    automationId: item.origin.automationId,
    executedAs: item.origin.executedAs,
    updatedAt: item.updatedAt,
    records: recordRefsOf(item),
    ...(item.reviewerChanges ? { reviewerChanges: item.reviewerChanges } : {}),
    ...(item.overdue ? { overdue: item.overdue } : {}),
    ...(item.escalated ? { escalated: item.escalated } : {}),
  };
}

const names = { '#open': 'open' };

/** Named conditions on the head record. */
export const headConditions = {
  /** Nobody has proposed this change yet. */
  isNew: () => ({ ConditionExpression: 'attribute_not_exists(pk)' }),
  /** The key's item was decided, and the head is still exactly the one read (nobody re-took it since). */
  closedAsRead: (head: DedupHead) => ({
    ConditionExpression: '#open = :false AND itemId = :itemId AND proposedAt = :pa AND runId = :runId',
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: {
      ':false': false,
      ':itemId': head.itemId,
      ':pa': head.proposedAt,
      ':runId': head.runId,
    },
  }),
  /** The head still points at this open item at this version (a stale head, or one moved on, fails). */
  openAt: (itemId: string, version: number) => ({
    ConditionExpression: 'itemId = :id AND version = :bv AND #open = :true',
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: { ':id': itemId, ':bv': version, ':true': true },
  }),
  /** The key was released by this item and nobody took it since. */
  releasedBy: (itemId: string) => ({
    ConditionExpression: 'itemId = :id AND #open = :false',
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: { ':id': itemId, ':false': false },
  }),
};

/** The head write that makes a new item the open item of its key. */
export function headClaimPut(tableName: string, item: ReviewItem, claim: HeadClaim): TransactItem {
  const condition = claim.kind === 'new' ? headConditions.isNew() : headConditions.closedAsRead(claim.head);
  return {
    Put: {
      TableName: tableName,
      Item: { ...headKeys.head(item.workspaceId, item.dedupHash), entity: HEAD_ENTITY, ...headOf(item) },
      ...condition,
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}

/** Keeps the dedup head in step with the item that holds the key (none when neither state holds it). */
export function headChange(
  tableName: string,
  before: ItemState,
  after: ReviewItem,
): TransactItem | undefined {
  const Key = headKeys.head(after.workspaceId, after.dedupHash);
  if (before.holdsKey) {
    const openAt = headConditions.openAt(after.id, before.version);
    if (after.holdsKey) {
      return {
        Put: { TableName: tableName, Item: { ...Key, entity: HEAD_ENTITY, ...headOf(after) }, ...openAt },
      };
    }
    return {
      Update: {
        TableName: tableName,
        Key,
        // A key released from a scheduled item (its hold executed) is no longer held.
        UpdateExpression: 'SET #open = :false, version = :v REMOVE held',
        ...openAt,
        ExpressionAttributeValues: {
          ...openAt.ExpressionAttributeValues,
          ':false': false,
          ':v': after.version,
        },
      },
    };
  }
  if (after.holdsKey) {
    // Re-taking a key released earlier (a rejected send returns to pending): only if nobody took it since.
    const released = headConditions.releasedBy(after.id);
    return {
      Update: {
        TableName: tableName,
        Key,
        UpdateExpression:
          'SET #open = :true, version = :v, reviewers = :r, records = :records, updatedAt = :u, ' +
          'reviewerChanges = :rc' +
          (after.overdue ? ', overdue = :od' : '') +
          (after.escalated ? ', escalated = :esc' : ''),
        ...released,
        ExpressionAttributeValues: {
          ...released.ExpressionAttributeValues,
          ':true': true,
          ':v': after.version,
          ':r': after.reviewers,
          ':records': recordRefsOf(after),
          ':u': after.updatedAt,
          ':rc': after.reviewerChanges ?? { added: [], removed: [] },
          ...(after.overdue ? { ':od': after.overdue } : {}),
          ...(after.escalated ? { ':esc': after.escalated } : {}),
        },
      },
    };
  }
  return undefined;
}
