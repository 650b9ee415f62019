/**
 * `TABLE_NAME=<table> npm run backfill-names`: once, on a table written by a version from before the automation
 * names were kept (store/entities/automation-names.ts), lists every automation under its latest name, so that the
 * agent's list by automation name reads them in one request. Safe to run again, and while the system runs (a
 * proposal's newer name always wins). Uses the default AWS credentials and region (AWS_ENDPOINT_URL_DYNAMODB for
 * another endpoint); it scans the table, which the functions' roles may not: run it with an operator's role.
 * `npm start` does the same on its own data folder.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { backfillAutomationNames } from '../shared/store/backfill.js';

const tableName = process.env.TABLE_NAME;
if (!tableName) {
  console.error('Usage: TABLE_NAME=<table> npm run backfill-names');
  process.exit(2);
}
const client = new DynamoDBClient({});
try {
  const workspaces = await backfillAutomationNames(DynamoDBDocumentClient.from(client), tableName);
  console.info(`Listed automation names in ${workspaces.length} workspace(s) of ${tableName}.`);
} finally {
  client.destroy();
}
