/**
 * GET /health: 200 when this function can reach its table, 503 otherwise. It validates nothing, so it imports no
 * validation library (test/unit/bundle-contents.test.ts keeps it so).
 */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { documentClient } from '../shared/aws-clients.js';
import { tableName } from '../shared/config.js';
import { httpFunction } from '../shared/http/http-function.js';
import { json } from '../shared/http/response.js';
import { logger } from '../shared/logger.js';

const table = tableName();
const client = documentClient();

export const handler = httpFunction(async () => {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
    return json(200, { status: 'ok', table: Table?.TableStatus });
  } catch (error) {
    logger.warn('Health check failed', { error: error as Error });
    return json(503, { status: 'unavailable' });
  }
});
