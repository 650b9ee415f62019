/**
 * Tables on the run's DynamoDB Local: `createTestTable()` gives each test (or file) its own freshly
 * created table from the shared definition, with a client that counts every DynamoDB request it makes
 * (spec 8: "DynamoDB requests per operation, counted by the tests").
 */
import { randomUUID } from 'node:crypto';
import {
  CreateTableCommand,
  DeleteTableCommand,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ConflictRule } from '../../infra/local/conflict-rule.js';
import { ensureTable, localClient } from '../../infra/local/dynamodb-local.js';
import { applyEnvironment, handlerEnvironment } from '../../infra/local/handler-env.js';
import { createTableInput, TABLE } from '../../infra/table-definition.js';
import { countRequests, type RequestCounter } from '../../scripts/lib/request-counter.js';
import { createDocumentClient } from '../../shared/aws-clients.js';
import { processCursorKeyRing } from '../../shared/store/cursor-keys.js';
import { startTestConflictRule } from './conflict-rule.js';
import { dynamodbEndpoint, sesEndpoint } from './endpoints.js';

export { countRequests, type RequestCounter };

export interface TestTable {
  tableName: string;
  /** A document client (shared/aws-clients createDocumentClient) whose requests `counter` counts. */
  client: DynamoDBDocumentClient;
  /** The low-level client under `client` (same middleware stack, so also counted). */
  rawClient: DynamoDBClient;
  counter: RequestCounter;
  /**
   * With `conflictWindowMs`: DynamoDB's conflict rule (infra/local/conflict-rule.ts), which `client` and
   * `rawClient` go through; `conflictRule.stats()` says what it refused and forwarded.
   */
  conflictRule?: ConflictRule;
  /** Deletes the table and stops its conflict rule (optional: both go away with the test file). */
  drop(): Promise<void>;
}

export interface TestTableOptions {
  /** The table's stream (off by default). */
  stream?: boolean;
  /**
   * A positive number: the clients go through DynamoDB's conflict rule with this commit window (ms), started for
   * this table (test/support/conflict-rule.ts). Every request still goes through the counted client.
   */
  conflictWindowMs?: number;
}

/**
 * A new, uniquely named, empty table on the run's DynamoDB Local, TTL on, like the CDK table. Without its stream
 * unless `stream` is asked for: nothing reads a test table's stream but the stream tests, and DynamoDB Local keeps
 * every stream record it is given (about a third more time per write).
 */
export async function createTestTable(prefix = 'test', options: TestTableOptions = {}): Promise<TestTable> {
  const tableName = uniqueTableName(prefix);
  const conflictRule =
    options.conflictWindowMs !== undefined && options.conflictWindowMs > 0
      ? await startTestConflictRule(options.conflictWindowMs)
      : undefined;
  const rawClient = localClient(conflictRule?.endpoint ?? dynamodbEndpoint());
  if (options.stream) await ensureTable(rawClient, tableName);
  else {
    const { StreamSpecification: _stream, ...input } = createTableInput(tableName);
    await rawClient.send(new CreateTableCommand(input));
    await waitUntilTableExists(
      { client: rawClient, maxWaitTime: 30, minDelay: 0.1, maxDelay: 1 },
      { TableName: tableName },
    );
    await rawClient.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true },
      }),
    );
  }
  const counter = countRequests(rawClient);
  conflictRule?.resetStats(); // what the table's creation sent is not the test's
  return {
    tableName,
    client: createDocumentClient(rawClient),
    rawClient,
    counter,
    conflictRule,
    drop: async () => {
      await rawClient.send(new DeleteTableCommand({ TableName: tableName }));
      rawClient.destroy();
      await conflictRule?.stop();
    },
  };
}

export function uniqueTableName(prefix = 'test'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** The WEBHOOK_SECRET handlers see under testEnv() (Standard Webhooks format). */
export const TEST_WEBHOOK_SECRET = `whsec_${Buffer.from('for-review test webhook secret 32').toString('base64')}`;
/** An address nothing listens on: handlers that publish without a bus fail fast instead of calling AWS. */
const NO_BUS = 'http://127.0.0.1:9';

export interface TestEnvOptions {
  tableName: string;
  eventBusName?: string;
  /** Where handlers' PutEvents go; default: nowhere (connection refused). See startEventCapture(). */
  eventsEndpoint?: string;
  webhookSecret?: string;
  /** The cursor key ring as JSON; default this test process's own, the one its stores sign with. */
  cursorKeys?: string;
  powertoolsLogLevel?: string;
}

/**
 * Sets process.env as the local runtime does for handlers (TABLE_NAME, EVENT_BUS_NAME, WEBHOOK_SECRET,
 * region, dummy credentials, endpoints of the run's DynamoDB Local and SES). Call it BEFORE importing a
 * handler (they read config at module scope): `testEnv(...)` then `await import('../../functions/x.js')`.
 * Returns a function restoring the previous values.
 */
export function testEnv(options: TestEnvOptions): () => void {
  return applyEnvironment(
    handlerEnvironment({
      tableName: options.tableName,
      eventBusName: options.eventBusName ?? 'for-review',
      webhookSecret: options.webhookSecret ?? TEST_WEBHOOK_SECRET,
      cursorKeys: options.cursorKeys ?? JSON.stringify(processCursorKeyRing()),
      dynamodbEndpoint: dynamodbEndpoint(),
      sesEndpoint: sesEndpoint(),
      eventsEndpoint: options.eventsEndpoint ?? NO_BUS,
      powertoolsLogLevel: options.powertoolsLogLevel ?? process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT',
    }),
  );
}
