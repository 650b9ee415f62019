/**
 * `TABLE_NAME=<table> npm run backfill-tenant`: once, on a table written by a version from before the `tenant`
 * index, puts every record under a workspace's keys on it (docs/table-design.md, "Erasure and workspace deletion"),
 * so an erasure and a workspace deletion find it. Safe to run again, and while the system runs (each update is
 * conditional on the record being there without the attributes). `SEGMENTS=<n>` scans in n parallel segments (1 by
 * default). Uses the default AWS credentials and region (AWS_ENDPOINT_URL_DYNAMODB for another endpoint); it scans
 * the table, which the functions' roles may not: run it with an operator's role. `npm start` does the same on its
 * own data folder.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { backfillTenantKeys } from '../shared/store/backfill.js';

const tableName = process.env.TABLE_NAME;
const segments = Number(process.env.SEGMENTS ?? '1');
if (!tableName || !Number.isInteger(segments) || segments < 1) {
  console.error('Usage: TABLE_NAME=<table> [SEGMENTS=<n>] npm run backfill-tenant');
  process.exit(2);
}
const client = new DynamoDBClient({});
try {
  const indexed = await backfillTenantKeys(DynamoDBDocumentClient.from(client), tableName, { segments });
  console.info(`Put ${indexed} record(s) of ${tableName} on the tenant index.`);
} finally {
  client.destroy();
}
