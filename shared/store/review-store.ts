/**
 * The DynamoDB store: named access patterns over the single table (docs/table-design.md).
 *
 * Every change of a review item is ONE TransactWriteItems built by `itemChange`: the item itself (conditional on
 * the version and status the caller saw), a history entry, the reviewers' queue entries, the dedup head and the
 * automation's counters. So an item, its queues and its history can never disagree, and exactly one of two
 * concurrent changes wins.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { monotonicFactory } from 'ulid';
import {
  type HistoryEntry,
  isOpen,
  type Member,
  type ReviewItem,
  type ReviewStatus,
} from '../domain/review-item.js';
import { scopeOf } from '../domain/routing.js';
import type { ExecutedAs } from '../domain/schemas.js';
import { WriteConflictError } from '../errors.js';
import { ENTITY, keys } from './keys.js';
import { decodeCursor, encodeCursor, type Key } from './pagination.js';

type TransactItem = NonNullable<
  ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']
>[number];
type Attributes = Record<string, unknown>;

/** What a change needs to know about the item before it: the full item, or the head's copy of it. */
export type ItemState = Pick<
  ReviewItem,
  'id' | 'workspaceId' | 'version' | 'status' | 'reviewers' | 'holdsKey' | 'createdAt' | 'dedupHash'
> & { sendAttempt?: { id: string } };

/** The dedup head as stored. */
export interface DedupHead {
  itemId: string;
  version: number;
  reviewers: string[];
  createdAt: string;
  proposedAt: string;
  runId: string;
  open: boolean;
  /** The open item's expiresAt: a proposal for an expired item starts a new item instead of replacing it. */
  expiresAt?: string;
}

/** How a new item takes its dedup key: the key is new, or its head is closed (as read). */
export type HeadClaim = { kind: 'new' } | { kind: 'closed'; head: DedupHead };

export interface CounterChange {
  automationId: string;
  /** Who the run executed as: counters are kept per visibility scope (see keys.counters). */
  executedAs: ExecutedAs;
  automationName?: string;
  add: Partial<Record<CounterName, number>>;
  /** A decided item's time from creation to decision, kept for the median. */
  decision?: { itemId: string; seconds: number; executedAsUserId: string | null };
}

export const COUNTER_NAMES = [
  'proposed',
  'replaced',
  'approvedAsProposed',
  'approvedAfterEdits',
  'dismissed',
  'resolvedElsewhere',
  'expired',
  'dropped',
] as const;
export type CounterName = (typeof COUNTER_NAMES)[number];

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageRequest {
  limit: number;
  cursor?: string;
}

/** A list view: the item without its bodies (queue entries and indexes carry this). */
export type ItemSummary = Omit<ReviewItem, 'draft'> & {
  draft: Omit<ReviewItem['draft'], 'bodyText' | 'bodyHtml'> & { bodyPreview: string };
};

const PREVIEW_LENGTH = 280;
/** How many index entries a filtered page may read at most (one request, at most 1 MB). */
const FILTERED_READ_LIMIT = 500;
/** Attempts of a transaction cancelled only because another one was in flight on the same items. */
const TRANSACTION_CONFLICT_ATTEMPTS = 4;

export class ReviewStore {
  private readonly ulid = monotonicFactory();

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  // ---------------------------------------------------------------- member directory

  async getMember(workspaceId: string, userId: string): Promise<Member | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.member(workspaceId, userId), ConsistentRead: true }),
    );
    return Item ? toMember(Item) : undefined;
  }

  /** The whole directory of a workspace (one request per MB of members). */
  async listMembers(workspaceId: string): Promise<Member[]> {
    const rows = await this.queryAll({
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :member)',
      ExpressionAttributeValues: { ':pk': keys.directoryPk(workspaceId), ':member': 'MEMBER#' },
      ConsistentRead: true,
    });
    return rows.map(toMember);
  }

  /** Writes the member unless a record with a newer or equal `changedAt` is stored. Returns whether it wrote. */
  async saveMemberIfNewer(member: Member): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...keys.member(member.workspaceId, member.userId), entity: ENTITY.member, ...member },
          ConditionExpression: 'attribute_not_exists(pk) OR changedAt < :changedAt',
          ExpressionAttributeValues: { ':changedAt': member.changedAt },
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
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.item(workspaceId, itemId), ConsistentRead: true }),
    );
    return Item ? toItem(Item) : undefined;
  }

  async getHistory(workspaceId: string, itemId: string): Promise<HistoryEntry[]> {
    const rows = await this.queryAll({
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :h)',
      ExpressionAttributeValues: { ':pk': keys.historyPk(workspaceId, itemId), ':h': keys.historyPrefix },
      ConsistentRead: true,
    });
    return rows.map(toHistory);
  }

  /** A reviewer's queue, newest first: one Query on the reviewer's queue partition. */
  async listQueue(
    workspaceId: string,
    userId: string,
    page: PageRequest,
    accept: (item: ItemSummary) => boolean,
    automationId?: string,
  ): Promise<Page<ItemSummary>> {
    const pk = keys.queuePk(workspaceId, userId);
    return this.queryPage(
      {
        TableName: this.table,
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
    const rows = await this.queryAll({
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.queuePk(workspaceId, userId) },
      ScanIndexForward: false,
    });
    return rows.map(toSummary);
  }

  /** Open items of a workspace, newest first (gsi1), filtered in memory by `accept`. */
  async listOpen(
    workspaceId: string,
    page: PageRequest,
    accept: (item: ItemSummary) => boolean,
    filter?: { expression: string; values: Attributes; names?: Record<string, string> },
  ): Promise<Page<ItemSummary>> {
    const gsi1pk = keys.openPk(workspaceId);
    return this.queryPage(
      {
        TableName: this.table,
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
    const rows = await this.queryAll({
      TableName: this.table,
      IndexName: 'gsi3',
      KeyConditionExpression: 'gsi3pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.fromPk(workspaceId, mailbox) },
    });
    return rows.map(toItem);
  }

  /** Items due for a scheduled job (gsi2): pending items past expiresAt, or items in `sending` since before `until`. */
  async due(kind: 'EXPIRY' | 'SENDING', until: string, limit: number): Promise<ReviewItem[]> {
    const { Items = [] } = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :pk AND gsi2sk <= :until',
        ExpressionAttributeValues: { ':pk': keys.duePk(kind), ':until': `${until}#~` },
        Limit: limit,
      }),
    );
    return Items.map(toItem);
  }

  async getHead(workspaceId: string, dedupHash: string): Promise<DedupHead | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.head(workspaceId, dedupHash), ConsistentRead: true }),
    );
    return Item ? toHead(Item) : undefined;
  }

  /** An automation's counters, one row per visibility scope (`scope` is `workspace` or `user#<id>`). */
  async counters(workspaceId: string, automationId: string): Promise<(Attributes & { scope: string })[]> {
    const rows = await this.queryAll({
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :c)',
      ExpressionAttributeValues: {
        ':pk': keys.statsPk(workspaceId, automationId),
        ':c': keys.countersPrefix,
      },
      ConsistentRead: true,
    });
    return rows.map((row) => ({
      ...stripRecord(row),
      scope: String(row.sk).slice(keys.countersPrefix.length),
    }));
  }

  async decisionDurations(workspaceId: string, automationId: string): Promise<Attributes[]> {
    return this.queryAll({
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :d)',
      ExpressionAttributeValues: { ':pk': keys.statsPk(workspaceId, automationId), ':d': 'DUR#' },
      ConsistentRead: true,
    });
  }

  // ---------------------------------------------------------------- writes

  /**
   * Creates an item as the open item of its dedup key. Fails with WriteConflictError when the head is not
   * as `claim` says; its `current` then holds the head as stored (ALL_OLD), when DynamoDB returned it.
   */
  async createItem(
    item: ReviewItem,
    entry: HistoryEntry,
    claim: HeadClaim,
    counters: CounterChange,
  ): Promise<void> {
    const headCondition =
      claim.kind === 'new'
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : {
            ConditionExpression:
              '#open = :false AND itemId = :itemId AND proposedAt = :pa AND runId = :runId',
            ExpressionAttributeNames: { '#open': 'open' },
            ExpressionAttributeValues: {
              ':false': false,
              ':itemId': claim.head.itemId,
              ':pa': claim.head.proposedAt,
              ':runId': claim.head.runId,
            },
          };
    await this.transact([
      {
        Put: {
          TableName: this.table,
          Item: { ...keys.head(item.workspaceId, item.dedupHash), entity: ENTITY.head, ...headOf(item) },
          ...headCondition,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      ...this.itemChange(null, item, entry, counters),
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
    await this.transact(this.itemChange(before, after, entry, counters));
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
    await this.db.send(new UpdateCommand(this.countersUpdate(workspaceId, counters)));
  }

  async webhookSeen(workspaceId: string, webhookId: string): Promise<boolean> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: keys.webhook(workspaceId, webhookId),
        ConsistentRead: true,
      }),
    );
    return Item !== undefined;
  }

  /** Records a processed webhook delivery; kept a week (TTL), well past any provider's retry window. */
  async recordWebhook(workspaceId: string, webhookId: string, at: Date, resolved: number): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          ...keys.webhook(workspaceId, webhookId),
          entity: ENTITY.webhook,
          at: at.toISOString(),
          resolved,
          ttl: Math.floor(at.getTime() / 1000) + 7 * 24 * 3600,
        },
      }),
    );
  }

  // ---------------------------------------------------------------- internals

  private itemChange(
    before: ItemState | null,
    after: ReviewItem,
    entry: HistoryEntry,
    counters?: CounterChange,
  ): TransactItem[] {
    const ops: TransactItem[] = [];
    ops.push({ Put: { TableName: this.table, Item: itemRecord(after), ...itemCondition(before) } });
    ops.push({
      Put: {
        TableName: this.table,
        Item: {
          pk: keys.historyPk(after.workspaceId, after.id),
          sk: keys.historySk(entry.at, this.ulid()),
          entity: ENTITY.history,
          ...entry,
        },
      },
    });

    const beforeQueue = before && isOpen(before.status) ? before.reviewers : [];
    const afterQueue = isOpen(after.status) ? after.reviewers : [];
    const summary = summaryOf(after);
    for (const userId of afterQueue) {
      ops.push({
        Put: {
          TableName: this.table,
          Item: {
            pk: keys.queuePk(after.workspaceId, userId),
            sk: keys.queueSk(after.createdAt, after.id),
            entity: ENTITY.queueEntry,
            ...summary,
          },
        },
      });
    }
    for (const userId of beforeQueue.filter((u) => !afterQueue.includes(u))) {
      ops.push({
        Delete: {
          TableName: this.table,
          Key: { pk: keys.queuePk(after.workspaceId, userId), sk: keys.queueSk(after.createdAt, after.id) },
        },
      });
    }

    const headOp = before ? this.headChange(before, after) : undefined;
    if (headOp) ops.push(headOp);
    if (counters) ops.push({ Update: this.countersUpdate(after.workspaceId, counters) });
    if (counters?.decision) {
      ops.push({
        Put: {
          TableName: this.table,
          Item: {
            pk: keys.statsPk(after.workspaceId, counters.automationId),
            sk: keys.durationSk(counters.decision.seconds, counters.decision.itemId),
            entity: ENTITY.duration,
            ...counters.decision,
          },
        },
      });
    }
    return ops;
  }

  /** Keeps the dedup head in step with the item that holds the key. */
  private headChange(before: ItemState, after: ReviewItem): TransactItem | undefined {
    const Key = keys.head(after.workspaceId, after.dedupHash);
    const names = { '#open': 'open' };
    if (before.holdsKey) {
      // The head mirrors the item's version: a stale head (or a head moved to another item) fails the change.
      const base = {
        TableName: this.table,
        Key,
        ConditionExpression: 'itemId = :id AND version = :bv AND #open = :true',
        ExpressionAttributeNames: names,
      };
      if (after.holdsKey) {
        return {
          Put: {
            TableName: this.table,
            Item: { ...Key, entity: ENTITY.head, ...headOf(after) },
            ConditionExpression: base.ConditionExpression,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: { ':id': after.id, ':bv': before.version, ':true': true },
          },
        };
      }
      return {
        Update: {
          ...base,
          UpdateExpression: 'SET #open = :false, version = :v',
          ExpressionAttributeValues: {
            ':id': after.id,
            ':bv': before.version,
            ':true': true,
            ':false': false,
            ':v': after.version,
          },
        },
      };
    }
    if (after.holdsKey) {
      // Re-taking a key released earlier (a rejected send returns to pending): only if nobody took it since.
      return {
        Update: {
          TableName: this.table,
          Key,
          UpdateExpression: 'SET #open = :true, version = :v, reviewers = :r',
          ConditionExpression: 'itemId = :id AND #open = :false',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: {
            ':id': after.id,
            ':true': true,
            ':false': false,
            ':v': after.version,
            ':r': after.reviewers,
          },
        },
      };
    }
    return undefined;
  }

  private countersUpdate(workspaceId: string, change: CounterChange) {
    const names: Record<string, string> = {};
    const values: Attributes = { ':entity': ENTITY.counters, ':automationId': change.automationId };
    const adds: string[] = [];
    for (const [name, amount] of Object.entries(change.add)) {
      names[`#${name}`] = name;
      values[`:${name}`] = amount;
      adds.push(`#${name} :${name}`);
    }
    const sets = ['entity = :entity', 'automationId = :automationId'];
    if (change.automationName) {
      sets.push('automationName = :name');
      values[':name'] = change.automationName;
    }
    return {
      TableName: this.table,
      Key: keys.counters(workspaceId, change.automationId, scopeOf(change.executedAs)),
      UpdateExpression: `SET ${sets.join(', ')}${adds.length ? ` ADD ${adds.join(', ')}` : ''}`,
      ...(adds.length ? { ExpressionAttributeNames: names } : {}),
      ExpressionAttributeValues: values,
    };
  }

  /**
   * Runs one transaction. A cancellation because another transaction was in flight on the same items
   * (`TransactionConflict`, with no condition failing) says nothing about the item's state, so it is retried a
   * few times with jitter: otherwise two concurrent claims could both be cancelled and nobody would win.
   * A failed condition is a lost race and becomes a WriteConflictError carrying the old records (ALL_OLD).
   */
  private async transact(items: TransactItem[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.db.send(new TransactWriteCommand({ TransactItems: items }));
        return;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = error.CancellationReasons ?? [];
        const onlyInFlight =
          reasons.some((r) => r.Code === 'TransactionConflict') &&
          !reasons.some((r) => r.Code === 'ConditionalCheckFailed');
        if (onlyInFlight && attempt < TRANSACTION_CONFLICT_ATTEMPTS) {
          await new Promise((resolve) => setTimeout(resolve, 20 * attempt + Math.random() * 30));
          continue;
        }
        const conflict = new WriteConflictError(
          'A conditional write lost a race',
          reasons.map((r) => r.Code),
          { cause: error },
        );
        // Cancellation reasons carry raw attribute values (ALL_OLD); unmarshall them like the document client would.
        throw Object.assign(conflict, {
          oldItems: reasons.map((r) => (r.Item ? unmarshall(r.Item) : undefined)),
        });
      }
    }
  }

  private async queryAll(input: QueryCommandInput): Promise<Attributes[]> {
    const rows: Attributes[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(new QueryCommand({ ...input, ExclusiveStartKey }));
      rows.push(...(out.Items ?? []));
      ExclusiveStartKey = out.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return rows;
  }

  /**
   * One Query per page. Without a filter it reads exactly `limit` rows; with one (a filter expression or an
   * in-memory `accept`), it reads up to FILTERED_READ_LIMIT rows and returns the first `limit` that pass,
   * with a cursor at the last row returned, so pages stay full without a second request.
   */
  private async queryPage(
    input: QueryCommandInput,
    keyAttributes: string[],
    partition: Key,
    page: PageRequest,
    accept: (item: ItemSummary) => boolean,
  ): Promise<Page<ItemSummary>> {
    const ExclusiveStartKey = decodeCursor(page.cursor, partition);
    const out = await this.db.send(
      new QueryCommand({
        ...input,
        ExclusiveStartKey,
        Limit: input.FilterExpression ? FILTERED_READ_LIMIT : Math.min(FILTERED_READ_LIMIT, page.limit * 2),
      }),
    );
    const rows = out.Items ?? [];
    const items: ItemSummary[] = [];
    for (const [index, row] of rows.entries()) {
      const summary = toSummary(row);
      if (!accept(summary)) continue;
      items.push(summary);
      if (items.length === page.limit) {
        const moreRows = index < rows.length - 1 || out.LastEvaluatedKey !== undefined;
        const lastKey = Object.fromEntries(keyAttributes.map((k) => [k, String(row[k])]));
        return { items, nextCursor: moreRows ? encodeCursor(lastKey) : null };
      }
    }
    return { items, nextCursor: encodeCursor(out.LastEvaluatedKey as Key | undefined) };
  }
}

// ---------------------------------------------------------------- record mapping

const RECORD_ONLY = [
  'pk',
  'sk',
  'entity',
  'recordKeys',
  'gsi1pk',
  'gsi1sk',
  'gsi2pk',
  'gsi2sk',
  'gsi3pk',
  'gsi3sk',
  'ttl',
];

function stripRecord(record: Attributes): Attributes {
  const copy = { ...record };
  for (const name of RECORD_ONLY) delete copy[name];
  return copy;
}

function itemRecord(item: ReviewItem): Attributes {
  const record: Attributes = { ...keys.item(item.workspaceId, item.id), entity: ENTITY.item, ...item };
  if (isOpen(item.status)) {
    record.recordKeys = item.relatedRecords.map((r) => `${r.type}#${r.id}`);
    record.gsi1pk = keys.openPk(item.workspaceId);
    record.gsi1sk = keys.openSk(item.createdAt, item.id);
    record.gsi3pk = keys.fromPk(item.workspaceId, item.draft.from);
    record.gsi3sk = keys.openSk(item.createdAt, item.id);
  }
  if (item.status === 'pending' && item.expiresAt) {
    record.gsi2pk = keys.duePk('EXPIRY');
    record.gsi2sk = keys.dueSk(item.expiresAt, item.workspaceId, item.id);
  } else if (item.status === 'sending' && item.sendAttempt) {
    record.gsi2pk = keys.duePk('SENDING');
    record.gsi2sk = keys.dueSk(item.sendAttempt.claimedAt, item.workspaceId, item.id);
  }
  return record;
}

function itemCondition(before: ItemState | null) {
  if (!before) return { ConditionExpression: 'attribute_not_exists(pk)' };
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
}

function headOf(item: ReviewItem): DedupHead {
  return {
    itemId: item.id,
    version: item.version,
    reviewers: item.reviewers,
    createdAt: item.createdAt,
    proposedAt: item.proposedAt,
    runId: item.origin.runId,
    open: true,
    ...(item.expiresAt ? { expiresAt: item.expiresAt } : {}),
  };
}

export function summaryOf(item: ReviewItem): ItemSummary {
  const { bodyText, bodyHtml: _html, ...draft } = item.draft;
  return { ...item, draft: { ...draft, bodyPreview: bodyText.slice(0, PREVIEW_LENGTH) } };
}

export function toItem(record: Attributes): ReviewItem {
  return stripRecord(record) as unknown as ReviewItem;
}

function toSummary(record: Attributes): ItemSummary {
  const stripped = stripRecord(record);
  if ((stripped.draft as { bodyText?: string }).bodyText !== undefined) {
    return summaryOf(stripped as unknown as ReviewItem);
  }
  return stripped as unknown as ItemSummary;
}

function toMember(record: Attributes): Member {
  return stripRecord(record) as unknown as Member;
}

function toHead(record: Attributes): DedupHead {
  return stripRecord(record) as unknown as DedupHead;
}

function toHistory(record: Attributes): HistoryEntry {
  return stripRecord(record) as unknown as HistoryEntry;
}

export function isConditionalFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** The old records DynamoDB returned (ALL_OLD) for the conditions that failed in a lost transaction. */
const oldRecordsOf = (error: WriteConflictError): Attributes[] =>
  ((error as WriteConflictError & { oldItems?: (Attributes | undefined)[] }).oldItems ?? []).filter(
    (record): record is Attributes => record !== undefined,
  );

/** The dedup head as it stood when a transaction lost, if its condition failed and DynamoDB returned it. */
export function headFromConflict(error: WriteConflictError): DedupHead | undefined {
  const old = oldRecordsOf(error).find((record) => record.entity === ENTITY.head);
  return old ? toHead(old) : undefined;
}

/** The item as it stood when a change lost, if its condition failed and DynamoDB returned it. */
export function itemFromConflict(error: WriteConflictError): ReviewItem | undefined {
  const old = oldRecordsOf(error).find((record) => record.entity === ENTITY.item);
  return old ? toItem(old) : undefined;
}

export type { ReviewStatus };
