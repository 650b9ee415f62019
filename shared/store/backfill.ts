/**
 * Migrations of a table written by an earlier version, run once by an operator (scripts/backfill-automation-names.ts)
 * or by `npm start` on an existing data folder; never by a function (they scan, which no request path or job may).
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { AUTOMATION_ENTITY } from './entities/automation-entry.js';
import { unpart } from './key-parts.js';
import { ReviewStore } from './review-store.js';

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
      if (match?.[1] !== undefined) workspaces.add(unpart(match[1]));
    }
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  const store = new ReviewStore(db, tableName);
  for (const workspaceId of workspaces) await store.backfillAutomationNames(workspaceId);
  await db.send(new PutCommand({ TableName: tableName, Item: { ...MARKER, at: new Date().toISOString() } }));
  return [...workspaces];
}
