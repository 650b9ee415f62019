/**
 * The DynamoDB store: the use cases' store port (shared/use-cases/ports.ts) over the single table. Each entity has
 * its own module under entities/ (keys, record schema parsed on read, named conditions); every item change is the
 * one transaction built by item-change.ts; lists read through listing.ts. docs/table-design.md maps each access
 * pattern to its keys and its requests.
 */
import { type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { monotonicFactory } from 'ulid';
import type { HistoryEntry, Member, RecordRef, ReviewItem } from '../domain/review-item.js';
import { compareTimes } from '../domain/time.js';
import { conversationKey, externalDraftKey } from '../drafts/email/keys.js';
import { recordUpdateMatchKey } from '../drafts/record-update/index.js';
import { WriteConflictError } from '../errors.js';
import type { OutEvent } from '../events/out-events.js';
import type {
  AutomationsPage,
  CounterChange,
  DecisionDuration,
  DedupHead,
  DismissNote,
  DueKind,
  FeedbackRow,
  ItemSummary,
  ItemWrite,
  ListSpec,
  MatchKeys,
  MemberAndNames,
  NewItemWrite,
  Page,
  PageRequest,
  ProposalReads,
  QueueCounts,
  ReviewStorePort,
  ScopeCounters,
  WebhookAnswer,
  WebhookClaim,
  WebhookCompletion,
} from '../use-cases/ports.js';
import { counterKeys, countersWrite, parseCounters, parseDuration } from './entities/automation-counters.js';
import { automationKeys, listedNameIn, parseAutomationEntry } from './entities/automation-entry.js';
import { feedbackKeys, parseFeedbackRow, parseNote } from './entities/automation-feedback.js';
import {
  automationNameKeys,
  isItemTooLarge,
  isNameWrite,
  namesOf,
  nameUpdate,
} from './entities/automation-names.js';
import { headClaimPut, headKeys, isHeadRecord, parseHead } from './entities/dedup-head.js';
import { historyKeys, parseHistoryEntry } from './entities/history.js';
import { mailboxKeys, mailboxUpdates, membersOfMailbox } from './entities/mailbox.js';
import { MEMBER_ENTITY, memberConditions, memberKeys, memberRecord, parseMember } from './entities/member.js';
import { outboxRecord } from './entities/outbox-record.js';
import { parseQueueCounts, queueCounterKeys } from './entities/queue-counter.js';
import { queueKeys } from './entities/queue-entry.js';
import { recordEntryKeys } from './entities/record-entry.js';
import { isItemRecord, itemKeys, parseItem, stateOf } from './entities/review-item.js';
import {
  parseWebhookDelivery,
  webhookClaimRecord,
  webhookCompletion,
  webhookConditions,
  webhookDoneRecord,
  webhookKeys,
} from './entities/webhook-delivery.js';
import { itemChangeOps, MAX_TRANSACTION_ACTIONS } from './item-change.js';
import { invalidCursor, type ListSource, listPage, openCursor, sealCursor } from './listing.js';
import { type Attributes, isConditionalFailure, Table, type TableKey, type TransactItem } from './table.js';

export { isConditionalFailure };

/** Attempts of a member change that keeps losing races with other changes of the same member. */
const MEMBER_ATTEMPTS = 5;

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

  /**
   * Writes the member and moves it in the mailbox lookups, in one transaction conditional on the member record as
   * read; an older or equal `changedAt` than the stored one changes nothing. Returns whether it wrote.
   */
  async saveMemberIfNewer(member: Member): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const stored = await this.getMember(member.workspaceId, member.userId);
      if (stored && compareTimes(stored.changedAt, member.changedAt) >= 0) return false;
      const ops: TransactItem[] = [
        {
          Put: {
            TableName: this.table.name,
            Item: memberRecord(member),
            ...(stored ? memberConditions.unchangedSince(stored.changedAt) : memberConditions.isNew()),
          },
        },
        ...mailboxUpdates(this.table.name, stored, member).map((Update) => ({ Update }) as TransactItem),
      ];
      try {
        await this.table.transact(ops);
        return true;
      } catch (error) {
        if (!(error instanceof WriteConflictError) || attempt >= MEMBER_ATTEMPTS) throw error;
      }
    }
  }

  async candidates(workspaceId: string, userIds: string[], mailboxes: string[]): Promise<Member[]> {
    return (await this.readCandidates(workspaceId, userIds, mailboxes, [])).candidates;
  }

  async proposalReads(
    workspaceId: string,
    userIds: string[],
    mailboxes: string[],
    automationId: string,
  ): Promise<ProposalReads> {
    const entryKey = automationKeys.workspaceEntry(workspaceId, automationId);
    const { candidates, rows } = await this.readCandidates(workspaceId, userIds, mailboxes, [entryKey]);
    const entry = rows.find((row) => row.pk === entryKey.pk && row.sk === entryKey.sk);
    const listedName = entry ? (parseAutomationEntry(entry).listedName ?? null) : null;
    return { candidates, listedName };
  }

  /** The members by id and by mailbox, with `extra` records read in the same BatchGetItem. */
  private async readCandidates(
    workspaceId: string,
    userIds: string[],
    mailboxes: string[],
    extra: TableKey[],
  ): Promise<{ candidates: Member[]; rows: Attributes[] }> {
    const users = [...new Set(userIds)];
    const addresses = [...new Set(mailboxes.map((m) => m.toLowerCase()))];
    const rows = await this.table.batchGet([
      ...users.map((userId) => memberKeys.member(workspaceId, userId)),
      ...addresses.map((mailbox) => mailboxKeys.mailbox(workspaceId, mailbox)),
      ...extra,
    ]);
    const byUser = new Map<string, Member>();
    for (const row of rows)
      if (row.entity === MEMBER_ENTITY) byUser.set(String(row.userId), parseMember(row));
    for (const address of addresses) {
      const row = rows.find((r) => r.pk === mailboxKeys.mailbox(workspaceId, address).pk);
      for (const { userId, role } of row ? membersOfMailbox(row) : []) {
        const known = byUser.get(userId);
        if (known) {
          if (!known.mailboxes.includes(address))
            byUser.set(userId, { ...known, mailboxes: [...known.mailboxes, address] });
        } else {
          byUser.set(userId, {
            workspaceId,
            userId,
            role,
            mailboxes: [address],
            active: true,
            changedAt: '',
          });
        }
      }
    }
    return { candidates: [...byUser.values()], rows };
  }

  async memberAndNames(workspaceId: string, userId: string): Promise<MemberAndNames> {
    const memberKey = memberKeys.member(workspaceId, userId);
    const rows = await this.table.batchGet([memberKey, ...automationNameKeys.all(workspaceId)]);
    const memberRow = rows.find((row) => row.pk === memberKey.pk && row.sk === memberKey.sk);
    return {
      member: memberRow ? parseMember(memberRow) : undefined,
      names: namesOf(workspaceId, rows),
    };
  }

  /**
   * Lists every automation of the workspace under its latest name (automation-names.ts), for automation entries
   * written before the names were kept: the entry's `listedName` is set where missing, with the name written to its
   * shard unless one is there already (a newer proposal's). Reads the workspace's entries (a Query per 1 MB): a
   * one-off, run by scripts/backfill-automation-names.ts. Returns how many it listed.
   */
  async backfillAutomationNames(workspaceId: string): Promise<number> {
    const rows = await this.table.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :a)',
      ExpressionAttributeValues: {
        ':pk': automationKeys.workspacePk(workspaceId),
        ':a': automationKeys.skPrefix,
      },
      ConsistentRead: true,
    });
    let listed = 0;
    for (const row of rows) {
      const entry = parseAutomationEntry(row);
      if (entry.listedName !== undefined || entry.automationName === undefined) continue;
      try {
        await this.table.transact([
          {
            Update: nameUpdate(this.table.name, workspaceId, entry.automationId, entry.automationName, true),
          },
          {
            Update: {
              TableName: this.table.name,
              Key: automationKeys.workspaceEntry(workspaceId, entry.automationId),
              UpdateExpression: 'SET listedName = :name',
              ConditionExpression: 'attribute_not_exists(listedName) AND automationName = :name',
              ExpressionAttributeValues: { ':name': entry.automationName },
            },
          },
        ]);
        listed += 1;
      } catch (error) {
        // A proposal listed it meanwhile (under its name): nothing left to do.
        if (!(error instanceof WriteConflictError)) throw error;
      }
    }
    return listed;
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

  listItems(
    workspaceId: string,
    viewer: string,
    spec: ListSpec,
    page: PageRequest,
    accept: (item: ItemSummary) => boolean,
  ): Promise<Page<ItemSummary>> {
    const binding = JSON.stringify(['items', workspaceId, viewer, spec]);
    return listPage(this.table, sourcesOf(workspaceId, spec), { ...page, binding }, accept);
  }

  async queueCounts(workspaceId: string, userId: string): Promise<QueueCounts> {
    return parseQueueCounts(await this.table.get(queueCounterKeys.counter(workspaceId, userId)));
  }

  async automations(
    workspaceId: string,
    viewer: string,
    page: PageRequest,
    withOwn: boolean,
  ): Promise<AutomationsPage> {
    const binding = JSON.stringify(['automations', workspaceId, viewer, withOwn]);
    let after: string | undefined;
    if (page.cursor !== undefined) {
      const opened = openCursor(page.cursor, binding);
      if (typeof opened !== 'string' || !opened.startsWith(automationKeys.skPrefix) || opened.length > 1024)
        throw invalidCursor();
      after = opened;
    }
    const read = (pk: string) =>
      this.table.query({
        KeyConditionExpression: after ? 'pk = :pk AND sk > :after' : 'pk = :pk AND begins_with(sk, :a)',
        ExpressionAttributeValues: {
          ':pk': pk,
          ...(after ? { ':after': after } : { ':a': automationKeys.skPrefix }),
        },
        ConsistentRead: true,
        // Own rows are a subset of the workspace's, so as many of them cover the same stretch of ids.
        Limit: page.limit + 1,
      });
    const [all, own] = await Promise.all([
      read(automationKeys.workspacePk(workspaceId)),
      withOwn ? read(automationKeys.userPk(workspaceId, viewer)) : undefined,
    ]);
    const rows = (all.Items ?? []).slice(0, page.limit);
    const ownOpen = new Map(
      (own?.Items ?? []).map((row) => [String(row.sk), Math.max(0, Number(row.open ?? 0))] as const),
    );
    const more = (all.Items?.length ?? 0) > page.limit;
    return {
      automations: rows.map((row) => ({
        ...parseAutomationEntry(row),
        ownOpen: ownOpen.get(String(row.sk)) ?? 0,
      })),
      nextCursor: more ? sealCursor(String(rows.at(-1)?.sk), binding) : null,
    };
  }

  async matchCandidates(workspaceId: string, keys: MatchKeys): Promise<ReviewItem[]> {
    const reads: Promise<Attributes[]>[] = [];
    // The thread's drafts and the threadless drafts with the subject: two partitions of `match`, one request.
    const conversations = [
      ...(keys.threadId !== undefined
        ? [conversationKey(workspaceId, keys.mailbox, { threadId: keys.threadId })]
        : []),
      ...(keys.subject !== undefined
        ? [conversationKey(workspaceId, keys.mailbox, { subject: keys.subject })]
        : []),
    ];
    if (conversations.length > 0)
      reads.push(
        this.table.selectAll(
          `SELECT * FROM "${this.table.name}"."match" WHERE "matchPk" IN [${conversations.map(() => '?').join(', ')}]`,
          conversations,
        ),
      );
    if (keys.draftId !== undefined)
      reads.push(
        this.table.queryAll({
          IndexName: 'draftId',
          KeyConditionExpression: 'draftIdPk = :pk',
          ExpressionAttributeValues: { ':pk': externalDraftKey(workspaceId, keys.mailbox, keys.draftId) },
        }),
      );
    const items = new Map<string, ReviewItem>();
    for (const row of (await Promise.all(reads)).flat()) {
      const item = parseItem(row);
      items.set(item.id, item);
    }
    return [...items.values()];
  }

  /** The open record updates of a record (SPEC 3, drift and moot): the `match` index under the record's key. */
  async openRecordUpdates(workspaceId: string, record: RecordRef): Promise<ReviewItem[]> {
    const rows = await this.table.queryAll({
      IndexName: 'match',
      KeyConditionExpression: 'matchPk = :pk',
      ExpressionAttributeValues: { ':pk': recordUpdateMatchKey(workspaceId, record) },
    });
    return rows.map(parseItem);
  }

  /** Items due for a scheduled job: pending items past expiresAt, or items in `sending` since before `until`. */
  async due(kind: DueKind, until: string, limit: number): Promise<ReviewItem[]> {
    const { Items = [] } = await this.table.query({
      IndexName: 'due',
      KeyConditionExpression: 'duePk = :pk AND dueSk <= :until',
      ExpressionAttributeValues: { ':pk': itemKeys.due(kind), ':until': `${until}#~` },
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

  /** An automation's feedback rows, one per (automation version, visibility scope). */
  async feedback(workspaceId: string, automationId: string): Promise<FeedbackRow[]> {
    const rows = await this.table.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :f)',
      ExpressionAttributeValues: {
        ':pk': feedbackKeys.pk(workspaceId, automationId),
        ':f': feedbackKeys.countersPrefix,
      },
      ConsistentRead: true,
    });
    return rows.map(parseFeedbackRow);
  }

  /** The latest dismiss notes of an automation in these scopes (`all`: every scope), newest first. */
  async dismissNotes(
    workspaceId: string,
    automationId: string,
    scopes: 'all' | string[],
    limit: number,
  ): Promise<(DismissNote & { scope: string })[]> {
    const partitions = scopes === 'all' ? ['all'] : scopes;
    const pages = await Promise.all(
      partitions.map((scope) =>
        this.table.query({
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': feedbackKeys.notesPk(workspaceId, automationId, scope) },
          ScanIndexForward: false,
          Limit: limit,
          ConsistentRead: true,
        }),
      ),
    );
    return pages
      .flatMap((page) => (page.Items ?? []).map(parseNote))
      .sort((a, b) => (a.at === b.at ? b.itemId.localeCompare(a.itemId) : b.at.localeCompare(a.at)))
      .slice(0, limit);
  }

  // ---------------------------------------------------------------- writes

  async createItem(write: NewItemWrite): Promise<void> {
    const { item, claim, ...rest } = write;
    await this.transactNamed((namesOverflow) => [
      headClaimPut(this.table.name, item, claim),
      ...itemChangeOps(this.table.name, { ...rest, before: null, after: item, namesOverflow }),
    ]);
  }

  async changeItem(write: ItemWrite): Promise<void> {
    await this.transactNamed((namesOverflow) => this.changeOps(write, namesOverflow));
  }

  /** The transaction of one item change (shared/store/item-change.ts), from what the caller read. */
  private changeOps({ before, ...rest }: ItemWrite, namesOverflow = false) {
    return itemChangeOps(this.table.name, {
      ...rest,
      before: 'draft' in before ? stateOf(before) : before,
      namesOverflow,
    });
  }

  /**
   * A proposal's transaction. Should its automation's names shard be full (DynamoDB's item size), the change is
   * written with the names marked incomplete instead (automation-names.ts): the proposal is never refused for it.
   */
  private async transactNamed(ops: (namesOverflow: boolean) => TransactItem[]): Promise<void> {
    const first = ops(false);
    try {
      await this.table.transact(first);
    } catch (error) {
      if (!isItemTooLarge(error) || !first.some(isNameWrite)) throw error;
      await this.table.transact(ops(true));
    }
  }

  async changeItemIfCurrent(write: ItemWrite, completes?: WebhookCompletion): Promise<boolean> {
    const ops = this.changeOps(write);
    // The delivery's answer rides along when the transaction has room (a closing change always has: it is smaller
    // than the largest change docs/table-design.md counts); otherwise it is written on its own after the change.
    const folded = completes !== undefined && ops.length < MAX_TRANSACTION_ACTIONS;
    if (folded)
      ops.push({
        Update: webhookCompletion(this.table.name, completes.webhookId, completes.answer, completes.at),
      });
    try {
      await this.table.transact(ops);
      if (completes !== undefined && !folded)
        await this.completeWebhook(completes.webhookId, completes.answer, completes.at);
      return true;
    } catch (error) {
      if (error instanceof WriteConflictError) return false;
      throw error;
    }
  }

  async recordDropped(workspaceId: string, counters: CounterChange, events: OutEvent[]): Promise<void> {
    const Item = outboxRecord(workspaceId, `drop.${this.ulid()}`, events, new Date(), [
      countersWrite(workspaceId, counters),
    ]);
    await this.table.write(() => this.table.db.send(new PutCommand({ TableName: this.table.name, Item })));
  }

  async claimWebhook(webhookId: string, now: Date, leaseMs: number): Promise<WebhookClaim> {
    return this.putDelivery(webhookId, webhookClaimRecord(webhookId, now, leaseMs), now);
  }

  async recordWebhookAnswer(webhookId: string, answer: WebhookAnswer, now: Date): Promise<WebhookClaim> {
    return this.putDelivery(webhookId, webhookDoneRecord(webhookId, answer, now), now);
  }

  /** Writes a delivery record if the id is claimable: `claimed`, or what the delivery that came first says. */
  private async putDelivery(webhookId: string, item: Attributes, now: Date): Promise<WebhookClaim> {
    try {
      await this.table.write(() =>
        this.table.db.send(
          new PutCommand({ TableName: this.table.name, Item: item, ...webhookConditions.claimable(now) }),
        ),
      );
      return { kind: 'claimed' };
    } catch (error) {
      if (!isConditionalFailure(error)) throw error;
      const old = (error as { Item?: Record<string, never> }).Item;
      const record = old ? unmarshall(old) : await this.table.get(webhookKeys.delivery(webhookId));
      if (!record) return { kind: 'busy' };
      const delivery = parseWebhookDelivery(record);
      return delivery.status === 'done' ? { kind: 'done', answer: delivery.answer } : { kind: 'busy' };
    }
  }

  async completeWebhook(webhookId: string, answer: WebhookAnswer, now: Date): Promise<void> {
    await this.table.write(() =>
      this.table.db.send(new UpdateCommand(webhookCompletion(this.table.name, webhookId, answer, now))),
    );
  }
}

/** The partitions that hold exactly a list's rows (docs/table-design.md). */
function sourcesOf(workspaceId: string, spec: ListSpec): ListSource[] {
  const base = (pk: string): ListSource => ({ pkAttribute: 'pk', pk, skAttribute: 'sk' });
  const index = (name: ListSource['index'] & string, pkAttribute: string, pk: string): ListSource => ({
    index: name,
    pkAttribute,
    pk,
    skAttribute: 'listSk',
  });
  // Several automations (`automationIds`): a partition per automation, merged like a member's two scopes.
  const automations = (spec: { automationId?: string; automationIds?: string[] }) =>
    spec.automationIds ?? (spec.automationId === undefined ? [undefined] : [spec.automationId]);
  switch (spec.kind) {
    case 'queue':
      return automations(spec).map((automationId) =>
        automationId === undefined
          ? base(queueKeys.pk(workspaceId, spec.userId))
          : index(
              'automation',
              'automationPk',
              queueKeys.ofAutomation(workspaceId, spec.userId, automationId),
            ),
      );
    case 'open':
      return automations(spec).flatMap((automationId) => {
        if (spec.scopes === 'all')
          return [
            automationId === undefined
              ? index('open', 'openPk', itemKeys.open(workspaceId))
              : index('automation', 'automationPk', itemKeys.openOfAutomation(workspaceId, automationId)),
          ];
        return spec.scopes.map((scope) =>
          automationId === undefined
            ? index('scope', 'scopePk', itemKeys.openInScope(workspaceId, scope))
            : index(
                'scopeAutomation',
                'scopeAutomationPk',
                itemKeys.openInScopeOfAutomation(workspaceId, scope, automationId),
              ),
        );
      });
    case 'record':
      if (spec.scopes === 'all') return [base(recordEntryKeys.pk(workspaceId, spec.record))];
      return spec.scopes.map((scope) =>
        index('scope', 'scopePk', recordEntryKeys.inScope(workspaceId, spec.record, scope)),
      );
  }
}

/** The dedup head as it stood when a transaction lost, if its condition failed and DynamoDB returned it. */
export function headFromConflict(error: WriteConflictError): DedupHead | undefined {
  const old = error.oldRecords.find(isHeadRecord);
  return old ? parseHead(old) : undefined;
}

/**
 * The name an automation was listed under when a proposal's change lost on its entry's condition (DynamoDB
 * returned the entry); undefined when the entry was not what failed.
 */
export function listedNameFromConflict(
  error: WriteConflictError,
  workspaceId: string,
  automationId: string,
): string | null | undefined {
  return listedNameIn(error.oldRecords, workspaceId, automationId);
}

/** The item as it stood when a change lost, if its condition failed and DynamoDB returned it. */
export function itemFromConflict(error: WriteConflictError): ReviewItem | undefined {
  const old = error.oldRecords.find(isItemRecord);
  return old ? parseItem(old) : undefined;
}
