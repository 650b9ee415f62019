/**
 * Erasure (spec 3, "Data lifecycle"): the `Erasure` records, the walk of one workspace's items through the tenant
 * index (entities/tenant.ts), and the erasing of one item with everything derived from it. Reads and writes only
 * keys of the erasure's workspace, and the audit entry under `AUDIT#<ws>`.
 */
import { BatchWriteCommand, DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Erasure, WorkspaceDeletion } from '../../domain/erasure.js';
import type { ReviewItem } from '../../domain/review-item.js';
import { scopeOf } from '../../domain/routing.js';
import { WriteConflictError } from '../../errors.js';
import type { OutEvent } from '../../events/out-events.js';
import { feedbackKeys } from '../entities/automation-feedback.js';
import { headKeys } from '../entities/dedup-head.js';
import { queryDue } from '../entities/due.js';
import {
  DELETION_ENTITY,
  deletionRecord,
  erasureAuditRecord,
  erasureRecord,
  PRIVACY_DUE,
  parseDeletion,
  parseErasure,
} from '../entities/erasure.js';
import { outboxRecord } from '../entities/outbox-record.js';
import { itemKeys, parseItem } from '../entities/review-item.js';
import { tenantKeys, withTenant } from '../entities/tenant.js';
import { registryKeys } from '../entities/workspace-registry.js';
import { itemErasureOps } from '../item-change.js';
import { escapeKeySegment } from '../key-parts.js';
import { isConditionalFailure, type TableKey } from '../table.js';
import { DynamoErasureReader } from './erasures.js';

/** BatchWriteItem takes at most 25 requests. */
const BATCH_WRITE = 25;
/** Attempts at erasing one item that changes under the erasure (a reviewer acting on it meanwhile). */
const ERASE_ATTEMPTS = 5;

export interface TenantItemsPage {
  items: ReviewItem[];
  /** Where the shard's walk continues; undefined: the shard is walked. */
  next?: Record<string, unknown>;
}

export class DynamoPrivacyRepository extends DynamoErasureReader {
  async createErasure(erasure: Erasure): Promise<void> {
    await this.table.write(() =>
      this.table.db.send(
        new PutCommand({
          TableName: this.table.name,
          Item: withTenant(erasureRecord(erasure)),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  /**
   * The running workspace deletions and erasures, oldest first: both kinds share `DUE#PRIVACY`, in the `due` index's
   * shards like every due kind (entities/due.ts), read once for both.
   */
  async duePrivacyWork(limit: number): Promise<{ deletions: WorkspaceDeletion[]; erasures: Erasure[] }> {
    const rows = await queryDue(this.table, PRIVACY_DUE, '~', limit);
    return {
      deletions: rows.filter((row) => row.entity === DELETION_ENTITY).map(parseDeletion),
      erasures: rows.filter((row) => row.entity === 'Erasure').map(parseErasure),
    };
  }

  /** A workspace deletion begins, unless one is under way or done (the event delivered again). */
  async startDeletion(deletion: WorkspaceDeletion): Promise<boolean> {
    try {
      await this.table.write(() =>
        this.table.db.send(
          new PutCommand({
            TableName: this.table.name,
            Item: deletionRecord(deletion),
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionalFailure(error)) return false;
      throw error;
    }
  }

  /** The deletion's position, pass and counts; finished: out of `due`, and the workspace out of the jobs' registry. */
  async saveDeletion(deletion: WorkspaceDeletion): Promise<void> {
    if (deletion.status === 'completed') await this.deleteKeys([registryKeys.entry(deletion.workspaceId)]);
    await this.table.write(() =>
      this.table.db.send(new PutCommand({ TableName: this.table.name, Item: deletionRecord(deletion) })),
    );
  }

  /** Deletes one page of a shard of the workspace's records (the tenant index's keys); answers how many. */
  async deleteTenantPage(
    workspaceId: string,
    shard: number,
    from: Record<string, unknown> | undefined,
    limit: number,
  ): Promise<{ deleted: number; next?: Record<string, unknown> }> {
    const out = await this.table.query({
      IndexName: 'tenant',
      KeyConditionExpression: 'tenantPk = :shard',
      ExpressionAttributeValues: { ':shard': tenantKeys.shard(workspaceId, shard) },
      ...(from ? { ExclusiveStartKey: from } : {}),
      Limit: limit,
    });
    const keys = (out.Items ?? []).map((row) => ({ pk: String(row.pk), sk: String(row.sk) }));
    await this.deleteKeys(keys);
    return { deleted: keys.length, ...(out.LastEvaluatedKey ? { next: out.LastEvaluatedKey } : {}) };
  }

  /** The position reached and the counts so far: the walk resumes from here after a crash or at the next run. */
  async saveErasure(erasure: Erasure): Promise<void> {
    await this.table.write(() =>
      this.table.db.send(
        new PutCommand({ TableName: this.table.name, Item: withTenant(erasureRecord(erasure)) }),
      ),
    );
  }

  /**
   * The erasure finished: its record without the target and out of `due`, its audit entry, and its event (an
   * `Outbox` record), in one transaction.
   */
  async completeErasure(erasure: Erasure, event: OutEvent, at: Date): Promise<void> {
    const { target: _target, ...finished } = erasure;
    await this.table.transact([
      { Put: { TableName: this.table.name, Item: erasureRecord(finished) } },
      { Put: { TableName: this.table.name, Item: erasureAuditRecord(finished) } },
      {
        Put: {
          TableName: this.table.name,
          Item: outboxRecord(erasure.workspaceId, `erasure.${erasure.id}`, [event], at),
        },
      },
    ]);
  }

  /** One page of a shard of the workspace's items: the tenant index's keys, then the items (one BatchGetItem). */
  async tenantItemsPage(
    workspaceId: string,
    shard: number,
    from: Record<string, unknown> | undefined,
    limit: number,
  ): Promise<TenantItemsPage> {
    const out = await this.table.query({
      IndexName: 'tenant',
      KeyConditionExpression: 'tenantPk = :shard AND begins_with(tenantSk, :items)',
      ExpressionAttributeValues: {
        ':shard': tenantKeys.shard(workspaceId, shard),
        ':items': tenantKeys.itemsPrefix,
      },
      ...(from ? { ExclusiveStartKey: from } : {}),
      Limit: limit,
    });
    const keys = (out.Items ?? []).map((row) => ({ pk: String(row.pk), sk: String(row.sk) }));
    const rows = keys.length > 0 ? await this.table.batchGet(keys) : [];
    return {
      items: rows.filter((row) => row.entity === 'ReviewItem').map(parseItem),
      ...(out.LastEvaluatedKey ? { next: out.LastEvaluatedKey } : {}),
    };
  }

  /**
   * Erases one item: first what it leaves behind (its history and tally markers, its dismiss note's two records,
   * a closed dedup head still pointing at it), then the item itself with its queue and record entries
   * (itemErasureOps). Should the item change meanwhile, it is read again and erased as it is now. Answers the
   * records deleted (0: the item was gone already).
   */
  async eraseItem(item: ReviewItem, erasureId: string, at: Date): Promise<number> {
    let current: ReviewItem | undefined = item;
    let deleted = 0;
    for (let attempt = 1; current; attempt++) {
      deleted += await this.deleteAround(current);
      try {
        const carrier = (tally: Parameters<typeof outboxRecord>[4]) =>
          outboxRecord(
            current!.workspaceId,
            `erase.${erasureId}.${current!.id}.v${current!.version}`,
            [],
            at,
            tally,
          );
        const ops = itemErasureOps(this.table.name, current, carrier);
        await this.table.transact(ops);
        return deleted + ops.filter((op) => op.Delete).length;
      } catch (error) {
        if (!(error instanceof WriteConflictError) || attempt >= ERASE_ATTEMPTS) throw error;
        const row = await this.table.get(itemKeys.item(current.workspaceId, current.id));
        current = row ? parseItem(row) : undefined;
      }
    }
    return deleted;
  }

  /** The item's partition but the item, its notes, a closed head pointing at it. */
  private async deleteAround(item: ReviewItem): Promise<number> {
    const { workspaceId } = item;
    const partition = await this.table.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': itemKeys.item(workspaceId, item.id).pk },
      ProjectionExpression: 'pk, sk',
    });
    const keys: TableKey[] = partition
      .map((row) => ({ pk: String(row.pk), sk: String(row.sk) }))
      .filter((key) => key.sk !== 'ITEM');
    if (item.status === 'dismissed' && item.decision?.note) {
      const scope = scopeOf(item.origin.executedAs);
      const sk = `${item.decision.at}#${escapeKeySegment(item.id)}`;
      for (const partitionScope of [scope, 'all'])
        keys.push({ pk: feedbackKeys.notesPk(workspaceId, item.origin.automationId, partitionScope), sk });
    }
    await this.deleteKeys(keys);
    if (!item.holdsKey) {
      try {
        await this.table.write(() =>
          this.table.db.send(
            new DeleteCommand({
              TableName: this.table.name,
              Key: headKeys.head(workspaceId, item.dedupHash),
              ConditionExpression: 'itemId = :id',
              ExpressionAttributeValues: { ':id': item.id },
            }),
          ),
        );
        keys.push(headKeys.head(workspaceId, item.dedupHash));
      } catch (error) {
        if (!isConditionalFailure(error)) throw error;
      }
    }
    return keys.length;
  }

  /** Deletes keys in BatchWriteItem requests of 25 (deleting a key that is not there is a no-op). */
  async deleteKeys(keys: TableKey[]): Promise<void> {
    for (let start = 0; start < keys.length; start += BATCH_WRITE) {
      let pending = keys.slice(start, start + BATCH_WRITE).map((Key) => ({ DeleteRequest: { Key } }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0)
          await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt)));
        const out = await this.table.write(() =>
          this.table.db.send(new BatchWriteCommand({ RequestItems: { [this.table.name]: pending } })),
        );
        pending = (out.UnprocessedItems?.[this.table.name] ?? []) as typeof pending;
      }
    }
  }
}
