/**
 * What the overdue and escalation jobs read (WaitingReader): the workspaces to visit (entities/workspace-registry.ts),
 * their settings, the items of each `waiting` stage created before a limit, and the active admins. Only what is due
 * is read: a workspace's items that have not waited long enough are never in a page (docs/table-design.md,
 * "Overdue and escalation").
 */
import type { ReviewItem } from '../../domain/review-item.js';
import type { WorkspaceSettings } from '../../domain/settings.js';
import type { WaitingReader, WaitStage } from '../../use-cases/ports.js';
import { memberKeys } from '../entities/member.js';
import { itemKeys, parseItem } from '../entities/review-item.js';
import { REGISTRY_SHARDS, registryKeys, workspaceOfEntry } from '../entities/workspace-registry.js';
import { parseSettings, settingsKeys } from '../entities/workspace-settings.js';
import type { Table } from '../table.js';

export class DynamoWaitingReader implements WaitingReader {
  constructor(private readonly table: Table) {}

  async registeredWorkspaces(): Promise<string[]> {
    const shards = await Promise.all(
      Array.from({ length: REGISTRY_SHARDS }, (_, shard) =>
        this.table.queryAll({
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': registryKeys.shard(shard) },
          ProjectionExpression: 'sk',
        }),
      ),
    );
    return shards.flat().map(workspaceOfEntry);
  }

  async settingsOf(workspaceIds: string[]): Promise<Map<string, WorkspaceSettings>> {
    const rows = await this.table.batchGet(workspaceIds.map((id) => settingsKeys.settings(id)));
    const byPk = new Map(rows.map((row) => [String(row.pk), row]));
    return new Map(workspaceIds.map((id) => [id, parseSettings(byPk.get(settingsKeys.settings(id).pk))]));
  }

  async waiting(
    workspaceId: string,
    stage: WaitStage,
    createdUntil: string,
    page: { limit: number; after?: Record<string, unknown> },
  ): Promise<{ items: ReviewItem[]; after?: Record<string, unknown> }> {
    const { Items = [], LastEvaluatedKey } = await this.table.query({
      IndexName: 'waiting',
      // listSk is `<createdAt>#<itemId>`: `~` sorts after every escaped id, so the bound includes `createdUntil`.
      KeyConditionExpression: 'waitPk = :pk AND listSk <= :until',
      ExpressionAttributeValues: {
        ':pk': itemKeys.waiting(workspaceId, stage),
        ':until': `${createdUntil}#~`,
      },
      Limit: page.limit,
      ...(page.after ? { ExclusiveStartKey: page.after } : {}),
    });
    return { items: Items.map(parseItem), ...(LastEvaluatedKey ? { after: LastEvaluatedKey } : {}) };
  }

  async activeAdmins(workspaceId: string): Promise<string[]> {
    const rows = await this.table.queryAll({
      IndexName: 'admins',
      KeyConditionExpression: 'adminPk = :pk',
      ExpressionAttributeValues: { ':pk': memberKeys.admins(workspaceId) },
    });
    return rows.map((row) => String(row.userId));
  }
}
