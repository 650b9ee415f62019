/**
 * Counting AWS SDK requests at the client (spec 8: "DynamoDB requests per operation, counted by the tests"), for
 * the tests and the benchmark alike.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** Counts DynamoDB requests (one per `send`, retries not counted) by operation name: `PutItem`, `Query`… */
export interface RequestCounter {
  readonly total: number;
  /** e.g. `{ Query: 1, TransactWriteItems: 1 }`; an operation never called is absent. */
  readonly byCommand: Readonly<Record<string, number>>;
  reset(): void;
}

/**
 * Adds a counting middleware to an AWS SDK client's stack (a document client shares its client's stack).
 * Used for DynamoDB (test/support/dynamo.ts), SES (test/support/items.ts) and by the benchmark (scripts/bench),
 * which is why this module imports nothing of vitest.
 */
export function countRequests(
  client: DynamoDBClient | DynamoDBDocumentClient | SESv2Client,
  name = 'testRequestCounter',
): RequestCounter {
  let total = 0;
  let byCommand: Record<string, number> = {};
  (client.middlewareStack as DynamoDBClient['middlewareStack']).add(
    (next, context) => async (args) => {
      const name = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      total += 1;
      byCommand[name] = (byCommand[name] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name, override: true },
  );
  return {
    get total() {
      return total;
    },
    get byCommand() {
      return { ...byCommand };
    },
    reset() {
      total = 0;
      byCommand = {};
    },
  };
}
