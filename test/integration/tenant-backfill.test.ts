/**
 * The backfill of the `tenant` index (shared/store/backfill.ts, `npm run backfill-tenant`), on DynamoDB Local:
 * records written under a workspace's keys before the index existed get exactly the attributes a new record gets
 * (`withTenant`), each on its own workspace's shards; a record that has them, a rate record and a record outside
 * every workspace are left as they are; a record deleted or written between the Scan and the update is left alone;
 * a second run writes nothing.
 */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TENANT_SHARDS } from '../../shared/domain/tenant-shards.js';
import { backfillTenantKeys } from '../../shared/store/backfill.js';
import { tenantKeys, withTenant } from '../../shared/store/entities/tenant.js';
import { createTestTable, type TestTable } from '../support/dynamo.js';

type Row = Record<string, unknown>;

let table: TestTable;

beforeAll(async () => {
  table = await createTestTable('tenant-backfill');
});
afterAll(async () => {
  await table?.drop();
});

/** As an earlier version wrote it: no tenant attributes. */
const put = (Item: Row) => table.client.send(new PutCommand({ TableName: table.tableName, Item }));
const get = async (key: { pk: string; sk: string }) =>
  (await table.client.send(new GetCommand({ TableName: table.tableName, Key: key, ConsistentRead: true })))
    .Item;
const keyOf = (row: Row) => ({ pk: String(row.pk), sk: String(row.sk) });
const deleteMarker = () =>
  table.client.send(
    new DeleteCommand({ TableName: table.tableName, Key: { pk: 'MIGRATION', sk: 'tenant-keys' } }),
  );

/** Every key on the workspace's 16 index partitions, as `<pk>|<sk>`. */
async function onIndex(workspaceId: string): Promise<string[]> {
  const keys: string[] = [];
  for (let shard = 0; shard < TENANT_SHARDS; shard++) {
    const out = await table.client.send(
      new QueryCommand({
        TableName: table.tableName,
        IndexName: 'tenant',
        KeyConditionExpression: 'tenantPk = :p',
        ExpressionAttributeValues: { ':p': tenantKeys.shard(workspaceId, shard) },
      }),
    );
    for (const row of out.Items ?? []) keys.push(`${row.pk}|${row.sk}`);
  }
  return keys.sort();
}
const keysOf = (rows: Row[]) => rows.map((row) => `${row.pk}|${row.sk}`).sort();

describe('the tenant index backfill', () => {
  const WS_A = 'ws_old';
  const WS_B = 'ws#other'; // escaped in keys: WS#ws%23other#…
  const oldA: Row[] = [
    { pk: 'WS#ws_old#ITEM#i1', sk: 'ITEM', entity: 'ReviewItem', status: 'approved', version: 3 },
    { pk: 'WS#ws_old#ITEM#i1', sk: 'H#2026-01-01T00:00:00.000Z#1', entity: 'ItemHistory' },
    { pk: 'WS#ws_old#ITEM#i2', sk: 'ITEM', entity: 'ReviewItem', status: 'pending', version: 1 },
    { pk: 'WS#ws_old#SETTINGS', sk: 'SETTINGS', entity: 'WorkspaceSettings', version: 2 },
    { pk: 'WS#ws_old#STATS#auto_1', sk: 'COUNTERS#workspace', entity: 'AutomationCounters', approved: 4 },
  ];
  const oldB: Row[] = [
    { pk: 'WS#ws%23other#ITEM#i1', sk: 'ITEM', entity: 'ReviewItem', status: 'pending', version: 1 },
    { pk: 'WS#ws%23other#MEMBERS', sk: 'U#u_1', entity: 'Member', role: 'admin' },
  ];
  const current = withTenant({ pk: 'WS#ws_old#ITEM#i3', sk: 'ITEM', entity: 'ReviewItem', version: 1 });
  const rate = { pk: 'WS#ws_old#RATE', sk: '1767225600', requests: 3, ttl: 1767225720 };
  const global = { pk: 'JOBS#WORKSPACES#3', sk: 'ws_old', entity: 'WorkspaceRegistry', created: 3 };

  it('puts every old workspace record on its own workspace’s shards, with the keys withTenant gives, once', async () => {
    for (const row of [...oldA, ...oldB, current, rate, global]) await put(row);
    expect(await onIndex(WS_A)).toEqual(keysOf([current]));

    table.counter.reset();
    expect(await backfillTenantKeys(table.client, table.tableName, { segments: 3 })).toBe(
      oldA.length + oldB.length,
    );
    expect(table.counter.byCommand.UpdateItem).toBe(oldA.length + oldB.length);

    expect(await onIndex(WS_A)).toEqual(keysOf([...oldA, current]));
    expect(await onIndex(WS_B)).toEqual(keysOf(oldB));
    for (const row of [...oldA, ...oldB, current]) expect(await get(keyOf(row))).toEqual(withTenant(row));
    // Left off the index as their writers leave them.
    expect(await get(keyOf(rate))).toEqual(rate);
    expect(await get(keyOf(global))).toEqual(global);

    // Again: the marker is read, nothing else.
    table.counter.reset();
    expect(await backfillTenantKeys(table.client, table.tableName)).toBe(0);
    expect(table.counter.byCommand).toEqual({ GetItem: 1 });
    // Without the marker: a scan that finds nothing to write.
    await deleteMarker();
    table.counter.reset();
    expect(await backfillTenantKeys(table.client, table.tableName, { segments: 2 })).toBe(0);
    expect(table.counter.byCommand.UpdateItem).toBeUndefined();
    for (const row of [...oldA, ...oldB, current]) expect(await get(keyOf(row))).toEqual(withTenant(row));
  });

  it('leaves alone a record deleted or written between the scan and its update', async () => {
    await deleteMarker();
    const deleted = { pk: 'WS#ws_late#ITEM#gone', sk: 'ITEM', entity: 'ReviewItem', version: 1 };
    const rewritten = { pk: 'WS#ws_late#ITEM#new', sk: 'ITEM', entity: 'ReviewItem', version: 1 };
    const untouched = { pk: 'WS#ws_late#ITEM#old', sk: 'ITEM', entity: 'ReviewItem', version: 1 };
    for (const row of [deleted, rewritten, untouched]) await put(row);
    const rewrite = withTenant({ ...rewritten, version: 2 });
    // What the system does while the backfill runs: right after the (one) scan page, an erasure deletes one
    // record and a new version writes another whole, with its attributes.
    const racing = {
      send: async (command: Parameters<DynamoDBDocumentClient['send']>[0]) => {
        const out = await table.client.send(command);
        if (command instanceof ScanCommand) {
          await table.client.send(new DeleteCommand({ TableName: table.tableName, Key: keyOf(deleted) }));
          await put(rewrite);
        }
        return out;
      },
    } as unknown as DynamoDBDocumentClient;

    expect(await backfillTenantKeys(racing, table.tableName)).toBe(1);
    expect(await get(keyOf(deleted))).toBeUndefined();
    expect(await get(keyOf(rewritten))).toEqual(rewrite);
    expect(await get(keyOf(untouched))).toEqual(withTenant(untouched));
    expect(await onIndex('ws_late')).toEqual(keysOf([rewritten, untouched]));
  });
});
