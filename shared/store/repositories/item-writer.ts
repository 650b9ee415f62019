/**
 * The items aggregate's writes (ItemWriter): every item change is the one transaction built by item-change.ts, and
 * a dropped proposal is an outbox record. A lost race is an ItemConflictError carrying the records whose conditions
 * failed, parsed; the retries of transactions that met others in flight stay in the table (table.ts).
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { monotonicFactory } from 'ulid';
import type { ReviewItem } from '../../domain/review-item.js';
import { WriteConflictError } from '../../errors.js';
import type { OutEvent } from '../../events/out-events.js';
import {
  type CounterChange,
  ItemConflictError,
  type ItemWrite,
  type ItemWriter,
  type NewItemWrite,
  type WebhookCompletion,
} from '../../use-cases/ports.js';
import { countersWrite } from '../entities/automation-counters.js';
import { listedNameIn } from '../entities/automation-entry.js';
import { isItemTooLarge, isNameWrite } from '../entities/automation-names.js';
import { headClaimPut, isHeadRecord, parseHead } from '../entities/dedup-head.js';
import { outboxRecord } from '../entities/outbox-record.js';
import { isItemRecord, parseItem, stateOf } from '../entities/review-item.js';
import { withTenant } from '../entities/tenant.js';
import { webhookCompletion } from '../entities/webhook-delivery.js';
import { itemChangeOps, MAX_TRANSACTION_ACTIONS } from '../item-change.js';
import type { Table, TransactItem } from '../table.js';
import type { DynamoWebhookDeliveryRepository } from './webhook-deliveries.js';

export class DynamoItemWriter implements ItemWriter {
  private readonly ulid = monotonicFactory();

  constructor(
    private readonly table: Table,
    private readonly webhooks: DynamoWebhookDeliveryRepository,
  ) {}

  async createItem(write: NewItemWrite): Promise<void> {
    const { item, claim, ...rest } = write;
    await this.transactNamed(item, (namesOverflow) => [
      headClaimPut(this.table.name, item, claim),
      ...itemChangeOps(this.table.name, { ...rest, before: null, after: item, namesOverflow }),
    ]);
  }

  async changeItem(write: ItemWrite): Promise<void> {
    await this.transactNamed(write.after, (namesOverflow) => this.changeOps(write, namesOverflow));
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
   * A lost race throws ItemConflictError.
   */
  private async transactNamed(
    item: ReviewItem,
    ops: (namesOverflow: boolean) => TransactItem[],
  ): Promise<void> {
    try {
      const first = ops(false);
      try {
        await this.table.transact(first);
      } catch (error) {
        if (!isItemTooLarge(error) || !first.some(isNameWrite)) throw error;
        await this.table.transact(ops(true));
      }
    } catch (error) {
      throw error instanceof WriteConflictError ? conflictOf(error, item) : error;
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
        await this.webhooks.completeWebhook(completes.webhookId, completes.answer, completes.at);
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
    await this.table.write(() =>
      this.table.db.send(new PutCommand({ TableName: this.table.name, Item: withTenant(Item) })),
    );
  }
}

/**
 * A lost change, with the records whose conditions failed as DynamoDB returned them (ALL_OLD): the item as the
 * winner left it, the dedup key's head, and the name the item's automation was listed under.
 */
function conflictOf(lost: WriteConflictError, item: ReviewItem): ItemConflictError {
  const oldItem = lost.oldRecords.find(isItemRecord);
  const oldHead = lost.oldRecords.find(isHeadRecord);
  return new ItemConflictError(lost, {
    ...(oldItem ? { current: parseItem(oldItem) } : {}),
    ...(oldHead ? { head: parseHead(oldHead) } : {}),
    listedName: listedNameIn(lost.oldRecords, item.workspaceId, item.origin.automationId),
  });
}
