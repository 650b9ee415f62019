/**
 * Retention (RetentionRepository; spec 3, "Data lifecycle"): the decided items whose retention ends soon, from the
 * sparse `decided` index, and the stamp that gives every record of such an item its `ttl`, after which DynamoDB's
 * TTL deletes them (locally: infra/local/ttl-sweeper.ts). Only the records that hold the item's content are
 * stamped: the item, its history, and a dismissal's two note records; queue and record entries left with the
 * decision; the counters, duration records and the dedup head hold no content and stay.
 *
 * Requests per item: one Query of the item's partition (the item and its history) and one TransactWriteItems per
 * 100 records, the item's own update last, conditional on its version, which also takes it out of the index: a
 * change that came meanwhile (a delivery report) puts it back, and the next run stamps it again, with the new
 * history record.
 */
import { FINAL_STATUSES } from '../../domain/lifecycle.js';
import { scopeOf } from '../../domain/routing.js';
import { WriteConflictError } from '../../errors.js';
import type { DecidedItem, ExpiryStamp, RetentionRepository } from '../../use-cases/ports.js';
import { feedbackKeys } from '../entities/automation-feedback.js';
import { HISTORY_ENTITY } from '../entities/history.js';
import { DECIDED_SHARDS, itemKeys, parseItem } from '../entities/review-item.js';
import { unescapeKeySegment } from '../key-parts.js';
import { MAX_TRANSACTION_ACTIONS, type Table, type TableKey, type TransactItem } from '../table.js';

export class DynamoRetentionRepository implements RetentionRepository {
  constructor(private readonly table: Table) {}

  async decidedItems(
    workspaceId: string,
    turn: number,
    decidedUntil: string,
    page: { limit: number; after?: Record<string, unknown> },
  ): Promise<{ items: DecidedItem[]; after?: Record<string, unknown> }> {
    const { Items = [], LastEvaluatedKey } = await this.table.query({
      IndexName: 'decided',
      // decidedSk is `<decidedAt>#<itemId>`: `~` sorts after every escaped id, so the bound includes `decidedUntil`.
      KeyConditionExpression: 'decidedPk = :pk AND decidedSk <= :until',
      ExpressionAttributeValues: {
        ':pk': itemKeys.decided(workspaceId, turn % DECIDED_SHARDS),
        ':until': `${decidedUntil}#~`,
      },
      Limit: page.limit,
      ...(page.after ? { ExclusiveStartKey: page.after } : {}),
    });
    const items = Items.map((row) => {
      const sk = String(row.decidedSk);
      const split = sk.indexOf('#');
      return { itemId: unescapeKeySegment(sk.slice(split + 1)), decidedAt: sk.slice(0, split) };
    });
    return { items, ...(LastEvaluatedKey ? { after: LastEvaluatedKey } : {}) };
  }

  async stampExpiry(workspaceId: string, itemId: string, ttl: number): Promise<ExpiryStamp> {
    const rows = await this.table.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': itemKeys.item(workspaceId, itemId).pk },
      ConsistentRead: true,
    });
    const itemRow = rows.find((row) => row.sk === 'ITEM');
    // Gone, or stamped already (the index is eventually consistent): nothing to do.
    if (!itemRow || itemRow.decidedPk === undefined) return { stamped: 0 };
    const item = parseItem(itemRow);
    if (!FINAL_STATUSES.includes(item.status)) return { stamped: 0 };

    const stamp = (key: TableKey): TransactItem => ({
      Update: {
        TableName: this.table.name,
        Key: key,
        UpdateExpression: 'SET #ttl = :ttl',
        // An update of a missing record would create one: only records that exist are stamped.
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':ttl': ttl },
      },
    });
    const history = rows
      .filter((row) => row.entity === HISTORY_ENTITY)
      .map((row) => stamp({ pk: String(row.pk), sk: String(row.sk) }));
    const notes: TransactItem[] = [];
    const { decision } = item;
    if (item.status === 'dismissed' && decision?.note && decision.by) {
      // A dismissal's note, in its scope's and the automation's `all` partitions (automation-feedback.ts).
      const sk = feedbackKeys.noteSk(decision.at, item.id);
      for (const scope of [scopeOf(item.origin.executedAs), 'all'])
        notes.push(stamp({ pk: feedbackKeys.notesPk(workspaceId, item.origin.automationId, scope), sk }));
    }
    // The item last: until it is stamped it stays in the index, so a run cut short is taken up by the next one.
    const itemStamp: TransactItem = {
      Update: {
        TableName: this.table.name,
        Key: itemKeys.item(workspaceId, itemId),
        UpdateExpression: 'SET #ttl = :ttl REMOVE decidedPk, decidedSk',
        ConditionExpression: 'version = :version',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':ttl': ttl, ':version': item.version },
      },
    };
    // Transactions of 100 from the end, so the notes and the item are in the last one.
    const ops = [...history, ...notes, itemStamp];
    const chunks: TransactItem[][] = [];
    for (let end = ops.length; end > 0; end -= MAX_TRANSACTION_ACTIONS)
      chunks.unshift(ops.slice(Math.max(0, end - MAX_TRANSACTION_ACTIONS), end));
    let stamped = 0;
    for (const [index, chunk] of chunks.entries()) {
      try {
        stamped += await this.transactStamps(chunk, index === chunks.length - 1 ? notes.length : 0);
      } catch (error) {
        // The item changed since it was read: it is in the index again, for the next run.
        if (error instanceof WriteConflictError) return { stamped: 0, changed: true };
        throw error;
      }
    }
    return { stamped };
  }

  /**
   * One transaction of stamps; the last one holds the `notes` note stamps just before the item's. A note that is
   * not there (nothing else fails) must not keep the item from its expiry: the stamps are written without it.
   */
  private async transactStamps(chunk: TransactItem[], notes: number): Promise<number> {
    try {
      await this.table.transact(chunk);
      return chunk.length;
    } catch (error) {
      if (!(error instanceof WriteConflictError) || notes === 0) throw error;
      const failed = error.reasons.map((code) => code === 'ConditionalCheckFailed');
      const noteStart = chunk.length - 1 - notes;
      const onlyNotes = failed.every((f, i) => !f || (i >= noteStart && i < chunk.length - 1));
      if (!onlyNotes) throw error;
      const without = chunk.filter((_, i) => !failed[i]);
      await this.table.transact(without);
      return without.length;
    }
  }
}
