/**
 * The `tenant` index (table-schema.ts): every record under a workspace's keys (`WS#<ws>#…`) carries `tenantPk`
 * (`WS#<ws>#T#<shard>`, 16 shards by a hash of the record's pk, so one workspace's records are spread over 16
 * index partitions) and `tenantSk` (`<sk>|<pk>`, so a workspace's items, whose sk is `ITEM`, are listed alone with
 * `begins_with(tenantSk, 'ITEM|')`). The privacy jobs walk a workspace's records through it, never another
 * workspace's (docs/table-design.md, "Erasure and workspace deletion"). KEYS_ONLY: DynamoDB writes the index when a
 * record is created or deleted, not when an update leaves these attributes as they are.
 *
 * The attributes are added where records are written (`Table.transact`, and the few single writes beside it), not
 * by each entity, so no writer can forget them.
 */

import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { TENANT_SHARDS } from '../../domain/tenant-shards.js';
import { fnvShard, tenant } from '../key-parts.js';

// The table's own types (table.ts imports this module, so they are spelled out here).
type Attributes = Record<string, unknown>;
type TableKey = { pk: string; sk: string };
type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

const ITEM_SK = 'ITEM';

const workspaceOfPk = (pk: string): string | undefined => {
  if (!pk.startsWith('WS#')) return undefined;
  const end = pk.indexOf('#', 3);
  return end < 0 ? undefined : pk.slice(3, end);
};

/** FNV-1a of the pk: one item's partition (item, history, markers) lands in one shard. */
const shardOf = (pk: string): number => fnvShard(pk, TENANT_SHARDS);

export const tenantKeys = {
  /** One of the workspace's index partitions. */
  shard: (workspaceId: string, shard: number) => `${tenant(workspaceId)}#T#${shard}`,
  /** The sort key prefix of the workspace's items (the index projects each row's pk and sk). */
  itemsPrefix: `${ITEM_SK}|`,
};

/** The tenant index attributes of a record with this key (none for keys outside every workspace). */
export function tenantAttributes(key: TableKey): Attributes {
  const escaped = workspaceOfPk(key.pk);
  if (escaped === undefined) return {};
  return { tenantPk: `WS#${escaped}#T#${shardOf(key.pk)}`, tenantSk: `${key.sk}|${key.pk}` };
}

/** A record with its tenant index attributes. */
export const withTenant = (record: Attributes): Attributes => ({
  ...record,
  ...tenantAttributes({ pk: String(record.pk), sk: String(record.sk) }),
});

const TENANT_SET =
  'tenantPk = if_not_exists(tenantPk, :tenantPk), tenantSk = if_not_exists(tenantSk, :tenantSk)';

/**
 * A transaction action with the tenant attributes: a put carries them, an update sets them where absent (a record
 * an update creates, such as a counter, gets them; one that has them is left as it is, and no index write happens).
 */
export function withTenantOp(op: TransactItem): TransactItem {
  if (op.Put) return { ...op, Put: { ...op.Put, Item: withTenant(op.Put.Item as Attributes) } };
  if (op.Update?.Key && op.Update.UpdateExpression) {
    const attributes = tenantAttributes(op.Update.Key as unknown as TableKey);
    if (!attributes.tenantPk) return op;
    const expression = op.Update.UpdateExpression;
    return {
      ...op,
      Update: {
        ...op.Update,
        UpdateExpression: /\bSET\s/.test(expression)
          ? expression.replace(/\bSET\s/, `SET ${TENANT_SET}, `)
          : `SET ${TENANT_SET} ${expression}`,
        ExpressionAttributeValues: {
          ...op.Update.ExpressionAttributeValues,
          ':tenantPk': attributes.tenantPk,
          ':tenantSk': attributes.tenantSk,
        },
      },
    };
  }
  return op;
}
