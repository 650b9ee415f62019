/**
 * The one DynamoDB table, defined once. The CDK stateful stack and the local runtime (and the tests)
 * both build the table from this definition. See docs/table-design.md for the access patterns.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'ttl',
  /**
   * The stream feeds the outbox publisher (functions/publish-outbox.ts): new history entries and outbox records
   * carry the events a committed change must publish. NEW_IMAGE is all it reads.
   */
  streamViewType: 'NEW_IMAGE',
  /** Global secondary indexes, all sparse (only items that carry the key attributes are indexed). */
  indexes: [
    /** Pending items of a workspace, newest first (scope=workspace, record banner). */
    { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
    /** Work due for the scheduled jobs: pending items by expiresAt, items in `sending` by claim time. */
    { name: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
    /** Open items of a workspace by the draft's `from` mailbox (webhook matching). */
    { name: 'gsi3', partitionKey: 'gsi3pk', sortKey: 'gsi3sk' },
  ],
} as const;

/** CreateTable input for DynamoDB Local and tests (on-demand, same keys and indexes as the CDK table). */
export function createTableInput(tableName: string): CreateTableCommandInput {
  const keyAttributes = new Set<string>([TABLE.partitionKey, TABLE.sortKey]);
  for (const index of TABLE.indexes) {
    keyAttributes.add(index.partitionKey);
    keyAttributes.add(index.sortKey);
  }
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    StreamSpecification: { StreamEnabled: true, StreamViewType: TABLE.streamViewType },
    AttributeDefinitions: [...keyAttributes].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: TABLE.indexes.map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' },
        { AttributeName: index.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    })),
  };
}
