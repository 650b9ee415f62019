/**
 * The one transaction builder for item changes. Every change of a review item is ONE TransactWriteItems:
 * 1. the item, put whole, conditional on the version and status the caller saw (exactly one of two concurrent
 *    changes wins);
 * 2. a history entry, which carries the events the change publishes (the outbox: shared/events/outbox.ts) and its
 *    tally: what the change does to the counters (below);
 * 3. the queue entries of its reviewers (put while open, deleted for reviewers who left or when it closes);
 * 4. the record entries of the records it is about (the record banners);
 * 5. when a proposal brings another name than its automation's entry lists, the entry's name and the automation's
 *    names shard (entities/automation-names.ts);
 * 6. the dedup head, mirrored while the item holds its key;
 * 7. on a decision, its duration record (review stats), and a dismissal's note.
 * So an item, its lists and its history can never disagree. No record that every change of one automation or of one
 * reviewer's queue writes is in the transaction (spec 3 "Bursts"): the counters those changes share (each affected
 * reviewer's queue counter, the automation's open counts, its review stats and its review feedback per version) are
 * the change's tally (entities/tally.ts), counted exactly once from the stream by apply-tallies. DynamoDB allows 100
 * actions per transaction; docs/table-design.md counts the largest change (a replacement that swaps every reviewer and
 * every record) and `MAX_TRANSACTION_ACTIONS` guards it.
 */
import { type HistoryEntry, isOpen, type RecordRef, type ReviewItem } from '../domain/review-item.js';
import { recordRefsOf } from '../drafts/index.js';
import type { OutEvent } from '../events/out-events.js';
import type { CounterChange, ItemState } from '../use-cases/ports.js';
import { countersWrite, durationRecordOf } from './entities/automation-counters.js';
import {
  type AutomationChange,
  automationCountWrites,
  automationNameUpdate,
} from './entities/automation-entry.js';
import { feedbackOfChange, feedbackWrite, noteRecords } from './entities/automation-feedback.js';
import { nameUpdate, overflowUpdate } from './entities/automation-names.js';
import { headChange, headKeys } from './entities/dedup-head.js';
import { historyRecord } from './entities/history.js';
import { isEmptyCountChange, type QueueCountChange, queueCounterWrite } from './entities/queue-counter.js';
import { queueEntryRecord, queueKeys } from './entities/queue-entry.js';
import { recordEntryKeys, recordEntryRecord } from './entities/record-entry.js';
import { itemConditions, itemKeys, itemRecord, stateOf } from './entities/review-item.js';
import type { CounterWrite } from './entities/tally.js';
import { registryWrite } from './entities/workspace-registry.js';
import { type Attributes, MAX_TRANSACTION_ACTIONS, type TransactItem } from './table.js';

export { MAX_TRANSACTION_ACTIONS };

export interface ItemChange {
  /** The item as the caller read it (null for a new item): the write is conditional on it. */
  before: ItemState | null;
  after: ReviewItem;
  entry: HistoryEntry;
  counters?: CounterChange;
  /** What the change publishes, written with it (each event gets its id here). */
  events: OutEvent[];
  /**
   * A proposal's read of its automation's listed name (automation-entry.ts `listedName`; null: none): the names
   * shard is written only when the name changes. Absent: not read, the name is written unconditionally.
   */
  listedName?: string | null;
  /** The names shard is full (DynamoDB's item size): mark the names incomplete instead of writing the name. */
  namesOverflow?: boolean;
}

export function itemChangeOps(tableName: string, change: ItemChange): TransactItem[] {
  const { before, after, entry, counters, events } = change;
  const { workspaceId } = after;
  const wasOpen = before !== null && isOpen(before.status);
  const nowOpen = isOpen(after.status);
  const proposal = entry.action === 'created' || entry.action === 'replaced';
  const tally: CounterWrite[] = [];
  const ops: TransactItem[] = [
    {
      Put: {
        TableName: tableName,
        Item: itemRecord(after),
        ...(before ? itemConditions.unchangedSince(before) : itemConditions.isNew()),
      },
    },
  ];

  // 3. Queues (their counters: the tally).
  const beforeQueue = wasOpen ? before.reviewers : [];
  const afterQueue = nowOpen ? after.reviewers : [];
  for (const userId of afterQueue) {
    ops.push({ Put: { TableName: tableName, Item: queueEntryRecord(userId, after) } });
  }
  for (const userId of beforeQueue.filter((u) => !afterQueue.includes(u))) {
    ops.push({
      Delete: { TableName: tableName, Key: queueKeys.entry(workspaceId, userId, after.createdAt, after.id) },
    });
  }
  for (const [userId, countChange] of queueCountChanges(before, after, wasOpen, nowOpen, proposal)) {
    tally.push(queueCounterWrite(workspaceId, userId, countChange));
  }

  // 4. Record banners.
  const beforeRecords = wasOpen ? before.records : [];
  const afterRecords = nowOpen ? recordRefsOf(after) : [];
  for (const record of afterRecords) {
    ops.push({ Put: { TableName: tableName, Item: recordEntryRecord(record, after) } });
  }
  for (const record of beforeRecords.filter((r) => !afterRecords.some((a) => sameRecord(a, r)))) {
    ops.push({
      Delete: {
        TableName: tableName,
        Key: recordEntryKeys.entry(workspaceId, record, after.createdAt, after.id),
      },
    });
  }

  // 5. The automation's open counts (the tally), and its name where a proposal changes it.
  for (const automationChange of automationChanges(before, after, wasOpen, nowOpen, proposal)) {
    tally.push(...automationCountWrites(workspaceId, automationChange));
    const entryName = automationNameUpdate(tableName, workspaceId, {
      ...automationChange,
      listedName: change.listedName,
    });
    if (entryName && automationChange.name !== undefined) {
      ops.push({ Update: entryName });
      ops.push({
        Update: change.namesOverflow
          ? overflowUpdate(tableName, workspaceId)
          : nameUpdate(tableName, workspaceId, automationChange.automationId, automationChange.name),
      });
    }
  }

  // The jobs' registry of workspaces (the tally: it is written once per batch, not per creation).
  if (before === null) tally.push(registryWrite(workspaceId));

  // 6. The dedup head. 7. Review stats (the counters: the tally).
  const headOp = before ? headChange(tableName, before, after) : undefined;
  if (headOp) ops.push(headOp);
  if (counters) {
    tally.push(countersWrite(workspaceId, counters));
    const duration = durationRecordOf(workspaceId, counters);
    if (duration) ops.push({ Put: { TableName: tableName, Item: duration } });
  }

  // 8. Review feedback (the counters: the tally) and a dismissal's note.
  const feedback = feedbackOfChange(after, entry, counters?.add);
  if (feedback) {
    tally.push(feedbackWrite(workspaceId, feedback));
    if (feedback.note)
      for (const Item of noteRecords(workspaceId, feedback.automationId, feedback.scope, feedback.note))
        ops.push({ Put: { TableName: tableName, Item } });
  }

  // 2. The history entry, second, with the events and the tally gathered above.
  ops.splice(1, 0, {
    Put: { TableName: tableName, Item: historyRecord(workspaceId, after.id, entry, events, tally) },
  });

  if (ops.length > MAX_TRANSACTION_ACTIONS) {
    throw new Error(
      `An item change needs ${ops.length} transaction actions, over DynamoDB's ${MAX_TRANSACTION_ACTIONS}: ` +
        'the reviewer and record bounds (docs/table-design.md) no longer keep it in one transaction',
    );
  }
  return ops;
}

/**
 * Erasing an item (spec 3, "Data lifecycle"): the item deleted, conditional on the version and status read; an open
 * item's queue and record entries deleted with it and its closing tally (queue and open counts) carried by an
 * `Outbox` record with no events, as a dropped proposal's is; the dedup head deleted when the item holds its key.
 * At most 1 + 16 + 10 + 2 = 29 actions. Its history and notes go before it (repositories/privacy.ts): a walk that
 * stops midway finds the item again and finishes.
 */
export function itemErasureOps(
  tableName: string,
  item: ReviewItem,
  carrier: (tally: CounterWrite[]) => Attributes,
) {
  const { workspaceId } = item;
  const state = stateOf(item);
  const { ReturnValuesOnConditionCheckFailure: _old, ...unchanged } = itemConditions.unchangedSince(state);
  const ops: TransactItem[] = [
    { Delete: { TableName: tableName, Key: itemKeys.item(workspaceId, item.id), ...unchanged } },
  ];
  if (isOpen(item.status)) {
    const tally: CounterWrite[] = [];
    for (const userId of item.reviewers)
      ops.push({
        Delete: { TableName: tableName, Key: queueKeys.entry(workspaceId, userId, item.createdAt, item.id) },
      });
    for (const record of state.records)
      ops.push({
        Delete: {
          TableName: tableName,
          Key: recordEntryKeys.entry(workspaceId, record, item.createdAt, item.id),
        },
      });
    for (const [userId, countChange] of queueCountChanges(state, item, true, false, false))
      tally.push(queueCounterWrite(workspaceId, userId, countChange));
    for (const automationChange of automationChanges(state, item, true, false, false))
      tally.push(...automationCountWrites(workspaceId, automationChange));
    ops.push({ Put: { TableName: tableName, Item: carrier(tally) } });
  }
  if (item.holdsKey) {
    ops.push({
      Delete: {
        TableName: tableName,
        Key: headKeys.head(workspaceId, item.dedupHash),
        ConditionExpression: 'itemId = :id',
        ExpressionAttributeValues: { ':id': item.id },
      },
    });
  }
  return ops;
}

const sameRecord = (a: RecordRef, b: RecordRef) => a.type === b.type && a.id === b.id;

/**
 * Each reviewer's count change: leaving reviewers (or all, when the item closes) lose the item from the automation
 * it counted under; joining reviewers gain it; on a proposal (create, replace) every reviewer's count of the
 * automation is refreshed with its latest name (a replacement may also move it to another automation).
 */
function queueCountChanges(
  before: ItemState | null,
  after: ReviewItem,
  wasOpen: boolean,
  nowOpen: boolean,
  proposal: boolean,
): Map<string, QueueCountChange> {
  const changes = new Map<string, QueueCountChange>();
  const of = (userId: string) => {
    let change = changes.get(userId);
    if (!change) {
      change = { delta: new Map(), names: new Map() };
      changes.set(userId, change);
    }
    return change;
  };
  const add = (userId: string, automationId: string, amount: number) => {
    const change = of(userId);
    change.delta.set(automationId, (change.delta.get(automationId) ?? 0) + amount);
  };
  const addOverdue = (userId: string, amount: number) => {
    const change = of(userId);
    change.overdue = (change.overdue ?? 0) + amount;
  };
  if (wasOpen && before) {
    for (const userId of before.reviewers) {
      add(userId, before.automationId, -1);
      if (before.overdue) addOverdue(userId, -1);
    }
  }
  if (nowOpen) {
    const { automationId, automationName } = after.origin;
    for (const userId of after.reviewers) {
      add(userId, automationId, 1);
      if (after.overdue) addOverdue(userId, 1);
      if (proposal && automationName) of(userId).names.set(automationId, automationName);
    }
  }
  for (const [userId, change] of changes) if (isEmptyCountChange(change)) changes.delete(userId);
  return changes;
}

/** The automation entries a change moves: open counts out of the old automation, into the new, and the name. */
function automationChanges(
  before: ItemState | null,
  after: ReviewItem,
  wasOpen: boolean,
  nowOpen: boolean,
  proposal: boolean,
): AutomationChange[] {
  const userOf = (executedAs: ItemState['executedAs']) =>
    executedAs.kind === 'user' ? executedAs.userId : null;
  const changes: AutomationChange[] = [];
  const afterChange: AutomationChange = {
    automationId: after.origin.automationId,
    userId: userOf(after.origin.executedAs),
    openDelta: nowOpen ? 1 : 0,
    ...(proposal && after.origin.automationName ? { name: after.origin.automationName } : {}),
  };
  if (wasOpen && before) {
    if (
      before.automationId === afterChange.automationId &&
      userOf(before.executedAs) === afterChange.userId
    ) {
      afterChange.openDelta -= 1;
    } else {
      changes.push({ automationId: before.automationId, userId: userOf(before.executedAs), openDelta: -1 });
    }
  }
  if (afterChange.openDelta !== 0 || afterChange.name !== undefined || proposal) changes.push(afterChange);
  return changes;
}
