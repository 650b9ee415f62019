/**
 * The one DynamoDB table, defined once from its shape (shared/store/table-schema.ts, which the store reads by).
 * The CDK stateful stack and the local runtime (and the tests) both build the table from this definition. See
 * docs/table-design.md for the access patterns.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { type IndexProjection, TABLE } from '../shared/store/table-schema.js';

export { TABLE } from '../shared/store/table-schema.js';

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
      Projection: projectionOf(index.projection),
    })),
  };
}

function projectionOf(projection: IndexProjection) {
  if (projection === 'ALL' || projection === 'KEYS_ONLY') return { ProjectionType: projection };
  return { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: [...projection.include] };
}
