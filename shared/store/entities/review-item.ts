/**
 * `ReviewItem` records: the whole item, its `summary` (the item without bodies, what lists show), and the index
 * attributes its state calls for (table-schema.ts):
 * - open items: `open` (the workspace's open items), `scope` (one visibility scope's), `automation` (one
 *   automation's), `scopeAutomation` (one automation's in one scope), all newest first by `listSk`;
 * - open email drafts: `match` (from-mailbox + thread, or + subject when threadless) and `draftId` (from-mailbox +
 *   the provider's draft id), read by the webhook;
 * - open record updates: `match` (the record), read by the CRM's Record Changed;
 * - `due`: a pending item with expiresAt, an item in `sending` (claim time), in `applying` (when to publish its
 *   command again), or `scheduled` (its hold's executeAt), read by the jobs;
 * - a scheduled item keeps its kind's `match` keys (a reply or a record change cancels its hold), not the lists.
 * - `decided`: a decided item until the retention job has given its records their expiry (docs/table-design.md,
 *   "Retention").
 */
import { FINAL_STATUSES } from '../../domain/lifecycle.js';
import { isOpen, type ReviewItem } from '../../domain/review-item.js';
import { scopeOf } from '../../domain/routing.js';
import { kindOf, recordRefsOf } from '../../drafts/index.js';
import type { DueKind, ItemState, WaitStage } from '../../use-cases/ports.js';
import { escapeKeySegment, listSk, sha256Shard, tenant } from '../key-parts.js';
import type { Attributes, TableKey } from '../table.js';
import { dueShardKey } from './due.js';
import { summaryOf } from './item-summary.js';
import { parseRecord, reviewItemRecord } from './record-schemas.js';

export const ITEM_ENTITY = 'ReviewItem';

export const itemKeys = {
  item: (workspaceId: string, itemId: string): TableKey => ({
    pk: `${tenant(workspaceId)}#ITEM#${escapeKeySegment(itemId)}`,
    sk: 'ITEM',
  }),
  open: (workspaceId: string) => `${tenant(workspaceId)}#OPEN`,
  openInScope: (workspaceId: string, scope: string) =>
    `${tenant(workspaceId)}#OPEN#S#${escapeKeySegment(scope)}`,
  openOfAutomation: (workspaceId: string, automationId: string) =>
    `${tenant(workspaceId)}#OPEN#A#${escapeKeySegment(automationId)}`,
  openInScopeOfAutomation: (workspaceId: string, scope: string, automationId: string) =>
    `${tenant(workspaceId)}#OPEN#S#${escapeKeySegment(scope)}#A#${escapeKeySegment(automationId)}`,
  /**
   * Not a request path: read only by the scheduled jobs, so no tenant prefix; an item's row is in one of the kind's
   * shards (entities/due.ts, docs/table-design.md).
   */
  due: (kind: DueKind) => `DUE#${kind}`,
  dueSk: (at: string, workspaceId: string, itemId: string) =>
    `${at}#${escapeKeySegment(workspaceId)}#${escapeKeySegment(itemId)}`,
  /** Open items the overdue and escalation jobs have yet to mark, by stage (docs/table-design.md). */
  waiting: (workspaceId: string, stage: WaitStage) => `${tenant(workspaceId)}#WAIT#${stage}`,
  /**
   * Decided items still to be given their expiry, in `DECIDED_SHARDS` partitions by the item: a burst of one
   * workspace's decisions is spread over them (spec 3, "Bursts").
   */
  decided: (workspaceId: string, shard: number) => `${tenant(workspaceId)}#DECIDED#${shard}`,
  decidedSk: (decidedAt: string, itemId: string) => `${decidedAt}#${escapeKeySegment(itemId)}`,
};

export const DECIDED_SHARDS = 8;

const decidedShardOf = (itemId: string): number => sha256Shard(itemId, DECIDED_SHARDS);

/** When a decided item was decided: its decision's time (an expiry and a resolution carry one too). */
const decidedAtOf = (item: Pick<ReviewItem, 'decision' | 'updatedAt'>): string =>
  item.decision?.at ?? item.updatedAt;

/** Which marks an open item still waits for: none once it is both overdue and escalated. */
export function waitStageOf(item: Pick<ReviewItem, 'overdue' | 'escalated'>): WaitStage | undefined {
  if (item.overdue && item.escalated) return undefined;
  if (item.overdue) return 'overdue';
  if (item.escalated) return 'escalated';
  return 'fresh';
}

/**
 * The item as stored: the item itself, its summary, and the index attributes its state calls for. Both are checked
 * by the schemas that read them back (parseItem, parseSummary): a writer never stores what its reader refuses.
 */
export function itemRecord(item: ReviewItem): Attributes {
  parseRecord(reviewItemRecord, item, 'review item about to be written');
  const record: Attributes = {
    ...itemKeys.item(item.workspaceId, item.id),
    entity: ITEM_ENTITY,
    ...item,
    summary: summaryOf(item),
  };
  // A scheduled item is out of the queues, but a reply or a record change still finds it (its hold is cancelled):
  // its kind's `match` keys (sorted by listSk) stay.
  if (isOpen(item.status) || item.status === 'scheduled') {
    record.listSk = listSk(item.createdAt, item.id);
    Object.assign(record, kindOf(item.draft).indexKeys(item.workspaceId, item.draft));
  }
  if (isOpen(item.status)) {
    const { workspaceId } = item;
    const scope = scopeOf(item.origin.executedAs);
    const { automationId } = item.origin;
    record.openPk = itemKeys.open(workspaceId);
    record.scopePk = itemKeys.openInScope(workspaceId, scope);
    record.automationPk = itemKeys.openOfAutomation(workspaceId, automationId);
    record.scopeAutomationPk = itemKeys.openInScopeOfAutomation(workspaceId, scope, automationId);
    const stage = waitStageOf(item);
    if (stage) record.waitPk = itemKeys.waiting(workspaceId, stage);
  }
  if (item.status === 'pending' && item.expiresAt) {
    record.duePk = itemKeys.due('EXPIRY');
    record.dueSk = itemKeys.dueSk(item.expiresAt, item.workspaceId, item.id);
  } else if (item.status === 'sending' && item.sendAttempt) {
    record.duePk = itemKeys.due('SENDING');
    record.dueSk = itemKeys.dueSk(item.sendAttempt.claimedAt, item.workspaceId, item.id);
  } else if (item.status === 'applying' && item.apply) {
    record.duePk = itemKeys.due('APPLY');
    record.dueSk = itemKeys.dueSk(item.apply.nextAt, item.workspaceId, item.id);
  } else if (item.status === 'scheduled' && item.hold) {
    record.duePk = itemKeys.due('HOLD');
    record.dueSk = itemKeys.dueSk(item.hold.executeAt, item.workspaceId, item.id);
  }
  // Whichever kind is due, the row goes to the item's own shard of it (entities/due.ts).
  if (typeof record.duePk === 'string')
    record.duePk = dueShardKey(
      record.duePk,
      `${escapeKeySegment(item.workspaceId)}#${escapeKeySegment(item.id)}`,
    );
  // Until the retention job stamps its records' expiry; a later change (a delivery report) puts it back, so the job
  // stamps the records that change wrote too.
  if (FINAL_STATUSES.includes(item.status)) Object.assign(record, decidedIndexOf(item));
  return record;
}

/** A decided item's place in the `decided` index (docs/table-design.md, "Retention"). */
export const decidedIndexOf = (
  item: Pick<ReviewItem, 'workspaceId' | 'id' | 'decision' | 'updatedAt'>,
): { decidedPk: string; decidedSk: string } => ({
  decidedPk: itemKeys.decided(item.workspaceId, decidedShardOf(item.id)),
  decidedSk: itemKeys.decidedSk(decidedAtOf(item), item.id),
});

export const parseItem = (record: Attributes): ReviewItem =>
  parseRecord(reviewItemRecord, record, 'review item');

export const isItemRecord = (record: Attributes): boolean => record.entity === ITEM_ENTITY;

export function stateOf(item: ReviewItem): ItemState {
  return {
    id: item.id,
    workspaceId: item.workspaceId,
    version: item.version,
    status: item.status,
    reviewers: item.reviewers,
    holdsKey: item.holdsKey,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    dedupHash: item.dedupHash,
    automationId: item.origin.automationId,
    executedAs: item.origin.executedAs,
    records: recordRefsOf(item),
    ...(item.sendAttempt ? { sendAttempt: { id: item.sendAttempt.id } } : {}),
    ...(item.overdue ? { overdue: item.overdue } : {}),
    ...(item.escalated ? { escalated: item.escalated } : {}),
  };
}

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
