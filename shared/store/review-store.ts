/**
 * The DynamoDB store: the use cases' store port (shared/use-cases/ports.ts) over the single table. Each entity has
 * its own module under entities/ (keys, record schema parsed on read, named conditions); every item change is the
 * one transaction built by item-change.ts. docs/table-design.md maps each access pattern to its keys and requests.
 */
import { type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { monotonicFactory } from 'ulid';
import type { HistoryEntry, Member, ReviewItem } from '../domain/review-item.js';
import { WriteConflictError } from '../errors.js';
import type { ReviewStorePort } from '../use-cases/ports.js';
import {
  type CounterChange,
  counterKeys,
  countersUpdate,
  type DecisionDuration,
  parseCounters,
  parseDuration,
  type ScopeCounters,
} from './entities/automation-counters.js';
import {
  type DedupHead,
  type HeadClaim,
  headClaimPut,
  headKeys,
  isHeadRecord,
  parseHead,
} from './entities/dedup-head.js';
import { historyKeys, parseHistoryEntry } from './entities/history.js';
import { memberConditions, memberKeys, memberRecord, parseMember } from './entities/member.js';
import { type ItemSummary, parseSummary, queueKeys } from './entities/queue-entry.js';
import { type DueKind, type ItemState, isItemRecord, itemKeys, parseItem } from './entities/review-item.js';
import { webhookKeys, webhookRecord } from './entities/webhook-delivery.js';
import { itemChangeOps } from './item-change.js';
import { type Page, type PageRequest, queryPage } from './pages.js';
import { type Attributes, isConditionalFailure, Table } from './table.js';

export { isConditionalFailure };

export class ReviewStore implements ReviewStorePort {
  private readonly ulid = monotonicFactory();
  private readonly table: Table;

  constructor(db: DynamoDBDocumentClient, tableName: string) {
    this.table = new Table(db, tableName);
  }

  // ---------------------------------------------------------------- member directory

  async getMember(workspaceId: string, userId: string): Promise<Member | undefined> {
    const record = await this.table.get(memberKeys.member(workspaceId, userId));
    return record ? parseMember(record) : undefined;
  }

  /** The whole directory of a workspace (one request per MB of members). */
  async listMembers(workspaceId: string): Promise<Member[]> {
    const rows = await this.table.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :member)',
      ExpressionAttributeValues: {
        ':pk': memberKeys.directoryPk(workspaceId),
        ':member': memberKeys.memberPrefix,
      },
      ConsistentRead: true,
    });
    return rows.map(parseMember);
  }

  /** Writes the member unless a record with a newer or equal `changedAt` is stored. Returns whether it wrote. */
  async saveMemberIfNewer(member: Member): Promise<boolean> {
    try {
      await this.table.db.send(
        new PutCommand({
          TableName: this.table.name,
          Item: memberRecord(member),
          ...memberConditions.olderThan(member.changedAt),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalFailure(error)) return false;
      throw error;
    }
  }

  // ---------------------------------------------------------------- reads

  async getItem(workspaceId: string, itemId: string): Promise<ReviewItem | undefined> {
    const record = await this.table.get(itemKeys.item(workspaceId, itemId));
    return record ? parseItem(record) : undefined;
  }

  async getHistory(workspaceId: string, itemId: string): Promise<HistoryEntry[]> {
    const rows = await this.table.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :h)',
      ExpressionAttributeValues: { ':pk': historyKeys.pk(workspaceId, itemId), ':h': historyKeys.prefix },
      ConsistentRead: true,
    });
    return rows.map(parseHistoryEntry);
  }

  /** A reviewer's queue, newest first: one Query on the reviewer's queue partition. */
  async listQueue(
    workspaceId: string,
    userId: string,
    page: PageRequest,
    accept: (item: ItemSummary) => boolean,
    automationId?: string,
  ): Promise<Page<ItemSummary>> {
    const pk = queueKeys.pk(workspaceId, userId);
    return queryPage(
      this.table,
      {
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk, ...(automationId ? { ':a': automationId } : {}) },
        ...(automationId ? { FilterExpression: 'origin.automationId = :a' } : {}),
        ScanIndexForward: false,
      },
      ['pk', 'sk'],
      { pk },
      page,
      accept,
    );
  }

  /** A reviewer's whole queue, newest first (the summary counts it; one request per MB of queue). */
  async listWholeQueue(workspaceId: string, userId: string): Promise<ItemSummary[]> {
    const rows = await this.table.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': queueKeys.pk(workspaceId, userId) },
      ScanIndexForward: false,
    });
    return rows.map(parseSummary);
  }

  /** Open items of a workspace, newest first (gsi1), filtered in memory by `accept`. */
  async listOpen(
    workspaceId: string,
    page: PageRequest,
    accept: (item: ItemSummary) => boolean,
    filter?: { expression: string; values: Attributes; names?: Record<string, string> },
  ): Promise<Page<ItemSummary>> {
    const gsi1pk = itemKeys.openPk(workspaceId);
    return queryPage(
      this.table,
      {
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': gsi1pk, ...filter?.values },
        ...(filter ? { FilterExpression: filter.expression } : {}),
        ...(filter?.names ? { ExpressionAttributeNames: filter.names } : {}),
        ScanIndexForward: false,
      },
      ['pk', 'sk', 'gsi1pk', 'gsi1sk'],
      { gsi1pk },
      page,
      accept,
    );
  }

  /** Every open item whose draft is from this mailbox (gsi3), for webhook matching. */
  async openItemsFrom(workspaceId: string, mailbox: string): Promise<ReviewItem[]> {
    const rows = await this.table.queryAll({
      IndexName: 'gsi3',
      KeyConditionExpression: 'gsi3pk = :pk',
      ExpressionAttributeValues: { ':pk': itemKeys.fromPk(workspaceId, mailbox) },
    });
    return rows.map(parseItem);
  }

  /** Items due for a scheduled job (gsi2): pending items past expiresAt, or items in `sending` since before `until`. */
  async due(kind: DueKind, until: string, limit: number): Promise<ReviewItem[]> {
    const { Items = [] } = await this.table.query({
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :pk AND gsi2sk <= :until',
      ExpressionAttributeValues: { ':pk': itemKeys.duePk(kind), ':until': `${until}#~` },
      Limit: limit,
    });
    return Items.map(parseItem);
  }

  async getHead(workspaceId: string, dedupHash: string): Promise<DedupHead | undefined> {
    const record = await this.table.get(headKeys.head(workspaceId, dedupHash));
    return record ? parseHead(record) : undefined;
  }

  /** An automation's counters, one row per visibility scope. */
  async counters(workspaceId: string, automationId: string): Promise<ScopeCounters[]> {
    const rows = await this.table.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :c)',
      ExpressionAttributeValues: {
        ':pk': counterKeys.statsPk(workspaceId, automationId),
        ':c': counterKeys.countersPrefix,
      },
      ConsistentRead: true,
    });
    return rows.map(parseCounters);
  }

  async decisionDurations(workspaceId: string, automationId: string): Promise<DecisionDuration[]> {
    const rows = await this.table.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :d)',
      ExpressionAttributeValues: {
        ':pk': counterKeys.statsPk(workspaceId, automationId),
        ':d': counterKeys.durationPrefix,
      },
      ConsistentRead: true,
    });
    return rows.map(parseDuration);
  }

  // ---------------------------------------------------------------- writes

  /**
   * Creates an item as the open item of its dedup key. Fails with WriteConflictError when the head is not
   * as `claim` says; its `oldRecords` then hold the head as stored (ALL_OLD), when DynamoDB returned it.
   */
  async createItem(
    item: ReviewItem,
    entry: HistoryEntry,
    claim: HeadClaim,
    counters: CounterChange,
  ): Promise<void> {
    await this.table.transact([
      headClaimPut(this.table.name, item, claim),
      ...itemChangeOps(this.table.name, { before: null, after: item, entry, counters }, this.ulid),
    ]);
  }

  /**
   * Writes one change of an item: `before` is the state the caller saw (the write is conditional on it),
   * `after` the whole new item. Queue entries, the dedup head and counters follow from the two states.
   */
  async changeItem(
    before: ItemState,
    after: ReviewItem,
    entry: HistoryEntry,
    counters?: CounterChange,
  ): Promise<void> {
    await this.table.transact(itemChangeOps(this.table.name, { before, after, entry, counters }, this.ulid));
  }

  /** Like changeItem, for background actors: a lost race (someone changed the item first) answers false. */
  async changeItemIfCurrent(
    before: ItemState,
    after: ReviewItem,
    entry: HistoryEntry,
    counters?: CounterChange,
  ): Promise<boolean> {
    try {
      await this.changeItem(before, after, entry, counters);
      return true;
    } catch (error) {
      if (error instanceof WriteConflictError) return false;
      throw error;
    }
  }

  async recordDropped(workspaceId: string, counters: CounterChange): Promise<void> {
    await this.table.db.send(new UpdateCommand(countersUpdate(this.table.name, workspaceId, counters)));
  }

  async webhookSeen(workspaceId: string, webhookId: string): Promise<boolean> {
    return (await this.table.get(webhookKeys.delivery(workspaceId, webhookId))) !== undefined;
  }

  /** Records a processed webhook delivery. */
  async recordWebhook(workspaceId: string, webhookId: string, at: Date, resolved: number): Promise<void> {
    await this.table.db.send(
      new PutCommand({
        TableName: this.table.name,
        Item: webhookRecord(workspaceId, webhookId, at, resolved),
      }),
    );
  }
}

/** The dedup head as it stood when a transaction lost, if its condition failed and DynamoDB returned it. */
export function headFromConflict(error: WriteConflictError): DedupHead | undefined {
  const old = error.oldRecords.find(isHeadRecord);
  return old ? parseHead(old) : undefined;
}

/** The item as it stood when a change lost, if its condition failed and DynamoDB returned it. */
export function itemFromConflict(error: WriteConflictError): ReviewItem | undefined {
  const old = error.oldRecords.find(isItemRecord);
  return old ? parseItem(old) : undefined;
}

export { COUNTER_NAMES, type CounterChange, type CounterName } from './entities/automation-counters.js';
export type { DedupHead, HeadClaim } from './entities/dedup-head.js';
export type { ItemSummary } from './entities/queue-entry.js';
export { summaryOf } from './entities/queue-entry.js';
export type { ItemState } from './entities/review-item.js';
export type { Page, PageRequest } from './pages.js';
