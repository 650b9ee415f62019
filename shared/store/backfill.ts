/**
 * Migrations of a table written by an earlier version, run once by an operator (scripts/backfill-automation-names.ts)
 * or by `npm start` on an existing data folder; never by a function (they scan, which no request path or job may).
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { FINAL_STATUSES } from '../domain/lifecycle.js';
import { WriteConflictError } from '../errors.js';
import { AUTOMATION_ENTITY, automationKeys, parseAutomationEntry } from './entities/automation-entry.js';
import { nameUpdate } from './entities/automation-names.js';
import { decidedIndexOf, ITEM_ENTITY, parseItem } from './entities/review-item.js';
import { tenantAttributes } from './entities/tenant.js';
import { isRatePk } from './entities/workspace-rate.js';
import { unescapeKeySegment } from './key-parts.js';
import { isConditionalFailure, Table } from './table.js';

/** The record that says the table's automation names are complete (written once the backfill has run). */
const MARKER = { pk: 'MIGRATION', sk: 'automation-names' };

/**
 * Lists every automation under its latest name (store/entities/automation-names.ts) in every workspace whose
 * automation entries predate the names, then writes the marker; with the marker present it reads one record.
 * Returns the workspaces it listed automations in.
 */
export async function backfillAutomationNames(
  db: DynamoDBDocumentClient,
  tableName: string,
): Promise<string[]> {
  const marker = await db.send(new GetCommand({ TableName: tableName, Key: MARKER, ConsistentRead: true }));
  if (marker.Item) return [];
  const workspaces = new Set<string>();
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression:
          'entity = :entity AND attribute_not_exists(listedName) AND attribute_exists(automationName)',
        ExpressionAttributeValues: { ':entity': AUTOMATION_ENTITY },
        ProjectionExpression: 'pk',
        ExclusiveStartKey,
      }),
    );
    for (const { pk } of page.Items ?? []) {
      const match = /^WS#(.*)#AUTOS$/.exec(String(pk));
      if (match?.[1] !== undefined) workspaces.add(unescapeKeySegment(match[1]));
    }
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  const table = new Table(db, tableName);
  for (const workspaceId of workspaces) await listAutomationNames(table, workspaceId);
  await db.send(new PutCommand({ TableName: tableName, Item: { ...MARKER, at: new Date().toISOString() } }));
  return [...workspaces];
}

/**
 * Lists every automation of the workspace under its latest name (automation-names.ts), for automation entries
 * written before the names were kept: the entry's `listedName` is set where missing, with the name written to its
 * shard unless one is there already (a newer proposal's). Reads the workspace's entries (a Query per 1 MB): a
 * one-off, per workspace. Returns how many it listed.
 */
async function listAutomationNames(table: Table, workspaceId: string): Promise<number> {
  const rows = await table.queryAll({
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
      await table.transact([
        {
          Update: nameUpdate(table.name, workspaceId, entry.automationId, entry.automationName, true),
        },
        {
          Update: {
            TableName: table.name,
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

/** The record that says every decided item is in the `decided` index (written once the backfill has run). */
const DECIDED_MARKER = { pk: 'MIGRATION', sk: 'decided-items' };

/**
 * Puts every decided item written before retention was kept (no `decidedPk`, no `ttl`) in the `decided` index, so
 * the retention job finds it (docs/table-design.md, "Retention"), then writes the marker; with the marker present
 * it reads one record. Each update is conditional on the item's version as scanned: an item changed meanwhile was
 * put whole, with its index attributes. Returns how many items it put in the index.
 */
export async function backfillDecidedItems(db: DynamoDBDocumentClient, tableName: string): Promise<number> {
  const marker = await db.send(
    new GetCommand({ TableName: tableName, Key: DECIDED_MARKER, ConsistentRead: true }),
  );
  if (marker.Item) return 0;
  const table = new Table(db, tableName);
  const statuses = Object.fromEntries(FINAL_STATUSES.map((status, i) => [`:s${i}`, status]));
  let indexed = 0;
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: `entity = :entity AND #status IN (${Object.keys(statuses).join(', ')}) AND attribute_not_exists(decidedPk) AND attribute_not_exists(#ttl)`,
        ExpressionAttributeNames: { '#status': 'status', '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':entity': ITEM_ENTITY, ...statuses },
        ExclusiveStartKey,
      }),
    );
    for (const row of page.Items ?? []) {
      const item = parseItem(row);
      const { decidedPk, decidedSk } = decidedIndexOf(item);
      try {
        await table.write(() =>
          db.send(
            new UpdateCommand({
              TableName: tableName,
              Key: { pk: row.pk, sk: row.sk },
              UpdateExpression: 'SET decidedPk = :pk, decidedSk = :sk',
              ConditionExpression: 'version = :version AND attribute_not_exists(#ttl)',
              ExpressionAttributeNames: { '#ttl': 'ttl' },
              ExpressionAttributeValues: { ':pk': decidedPk, ':sk': decidedSk, ':version': item.version },
            }),
          ),
        );
        indexed += 1;
      } catch (error) {
        if (!isConditionalFailure(error)) throw error;
      }
    }
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  await db.send(
    new PutCommand({ TableName: tableName, Item: { ...DECIDED_MARKER, at: new Date().toISOString() } }),
  );
  return indexed;
}

/** The record that says every workspace record carries the tenant index's attributes (written once it has run). */
const TENANT_MARKER = { pk: 'MIGRATION', sk: 'tenant-keys' };

/**
 * Puts every record written under a workspace's keys before the `tenant` index existed (no `tenantPk`) on it, with
 * the attributes `withTenant` gives a new record (docs/table-design.md, "Erasure and workspace deletion"), so the
 * erasure and the workspace deletion find it; then writes the marker, and with the marker present it reads one
 * record. `WorkspaceRate` records stay off the index, as their writer leaves them (no content, gone by TTL). Each
 * update is conditional on the record still being there without the attributes: one deleted meanwhile is not
 * written back, one written meanwhile has them already. `segments` parallel Scan segments. Returns how many
 * records it put on the index.
 */
export async function backfillTenantKeys(
  db: DynamoDBDocumentClient,
  tableName: string,
  { segments = 1 }: { segments?: number } = {},
): Promise<number> {
  const marker = await db.send(
    new GetCommand({ TableName: tableName, Key: TENANT_MARKER, ConsistentRead: true }),
  );
  if (marker.Item) return 0;
  const table = new Table(db, tableName);
  const scanSegment = async (segment: number): Promise<number> => {
    let indexed = 0;
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await db.send(
        new ScanCommand({
          TableName: tableName,
          FilterExpression: 'begins_with(pk, :ws) AND attribute_not_exists(tenantPk)',
          ExpressionAttributeValues: { ':ws': 'WS#' },
          ProjectionExpression: 'pk, sk',
          ...(segments > 1 ? { Segment: segment, TotalSegments: segments } : {}),
          ExclusiveStartKey,
        }),
      );
      for (const row of page.Items ?? []) {
        const key = { pk: String(row.pk), sk: String(row.sk) };
        if (isRatePk(key.pk)) continue;
        const { tenantPk, tenantSk } = tenantAttributes(key);
        if (tenantPk === undefined) continue;
        try {
          await table.write(() =>
            db.send(
              new UpdateCommand({
                TableName: tableName,
                Key: key,
                UpdateExpression: 'SET tenantPk = :tenantPk, tenantSk = :tenantSk',
                ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(tenantPk)',
                ExpressionAttributeValues: { ':tenantPk': tenantPk, ':tenantSk': tenantSk },
              }),
            ),
          );
          indexed += 1;
        } catch (error) {
          if (!isConditionalFailure(error)) throw error;
        }
      }
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return indexed;
  };
  const counts = await Promise.all(
    Array.from({ length: Math.max(1, segments) }, (_, segment) => scanSegment(segment)),
  );
  await db.send(
    new PutCommand({ TableName: tableName, Item: { ...TENANT_MARKER, at: new Date().toISOString() } }),
  );
  return counts.reduce((sum, count) => sum + count, 0);
}
