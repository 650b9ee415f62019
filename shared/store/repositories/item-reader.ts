/**
 * The items aggregate's reads (ItemReader): an item, its history, the lists it is in (listing.ts), the queue
 * counts, the webhook's and the CRM's matches, the jobs' due items and the dedup heads. Only reads: the read
 * functions carry none of the writers' code (item-writer.ts).
 */
import type { HistoryEntry, RecordRef, ReviewItem } from '../../domain/review-item.js';
import { conversationKey, externalDraftKey } from '../../drafts/email/keys.js';
import { recordUpdateMatchKey } from '../../drafts/record-update/index.js';
import type {
  DedupHead,
  DueKind,
  ItemReader,
  ItemSummary,
  ListSpec,
  MatchKeys,
  Page,
  PageRequest,
  QueueCounts,
} from '../../use-cases/ports.js';
import type { CursorKeySource } from '../cursor-keys.js';
import { headKeys, parseHead } from '../entities/dedup-head.js';
import { queryDue } from '../entities/due.js';
import { historyKeys, parseHistoryEntry } from '../entities/history.js';
import { parseQueueCounts, queueCounterKeys } from '../entities/queue-counter.js';
import { queueKeys } from '../entities/queue-entry.js';
import { recordEntryKeys } from '../entities/record-entry.js';
import { itemKeys, parseItem } from '../entities/review-item.js';
import { type ListSource, listPage } from '../listing.js';
import type { Attributes, Table } from '../table.js';

export class DynamoItemReader implements ItemReader {
  constructor(
    private readonly table: Table,
    private readonly cursorKeys: CursorKeySource,
  ) {}

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

  async listItems(
    workspaceId: string,
    viewer: string,
    spec: ListSpec,
    page: PageRequest,
    accept: (item: ItemSummary) => boolean,
  ): Promise<Page<ItemSummary>> {
    const binding = JSON.stringify(['items', workspaceId, viewer, spec]);
    const keys = await this.cursorKeys();
    return listPage(this.table, sourcesOf(workspaceId, spec), { ...page, binding, keys }, accept);
  }

  async queueCounts(workspaceId: string, userId: string): Promise<QueueCounts> {
    return parseQueueCounts(await this.table.get(queueCounterKeys.counter(workspaceId, userId)));
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

  /** The open record updates of a record (spec 3, drift and moot): the `match` index under the record's key. */
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
    return (await queryDue(this.table, itemKeys.due(kind), until, limit)).map(parseItem);
  }

  async getHead(workspaceId: string, dedupHash: string): Promise<DedupHead | undefined> {
    const record = await this.table.get(headKeys.head(workspaceId, dedupHash));
    return record ? parseHead(record) : undefined;
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
