/**
 * `TABLE_NAME=<table> npm run backfill-decided`: once, on a table written by a version from before retention was
 * kept, puts every decided item in the `decided` index (docs/table-design.md, "Retention"), so the retention job
 * gives it its expiry. Safe to run again, and while the system runs (each update is conditional on the item's
 * version as scanned). Uses the default AWS credentials and region (AWS_ENDPOINT_URL_DYNAMODB for another
 * endpoint); it scans the table, which the functions' roles may not: run it with an operator's role. `npm start`
 * does the same on its own data folder.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { backfillDecidedItems } from '../shared/store/backfill.js';

const tableName = process.env.TABLE_NAME;
if (!tableName) {
  console.error('Usage: TABLE_NAME=<table> npm run backfill-decided');
  process.exit(2);
}
const client = new DynamoDBClient({});
try {
  const indexed = await backfillDecidedItems(DynamoDBDocumentClient.from(client), tableName);
  console.info(`Put ${indexed} decided item(s) of ${tableName} in the retention index.`);
} finally {
  client.destroy();
}
