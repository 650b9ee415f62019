/** The soak's table on DynamoDB Local: created from the shared definition with its stream, and its two consumers. */
import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../infra/local/aws-identity.js';
import { ensureTable, localClient } from '../../infra/local/dynamodb-local.js';
import { OUTBOX_STREAM_FILTER, TALLY_STREAM_FILTER } from '../../infra/manifest.js';
import { createDocumentClient } from '../../shared/aws-clients.js';
import { StreamConsumerPump } from './stream.js';

export interface SoakTable {
  tableName: string;
  raw: DynamoDBClient;
  client: DynamoDBDocumentClient;
  /** publish-outbox's and apply-tallies' views of the stream, each with its own checkpoints. */
  outbox: StreamConsumerPump;
  tallies: StreamConsumerPump;
  /** A reader of the tally records from the stream's start (for the recount). */
  fromStart(): StreamConsumerPump;
  drop(): Promise<void>;
}

export async function soakTable(endpoint: string): Promise<SoakTable> {
  const tableName = `soak-${randomUUID().slice(0, 8)}`;
  const raw = localClient(endpoint);
  await ensureTable(raw, tableName);
  const streams = new DynamoDBStreamsClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  return {
    tableName,
    raw,
    client: createDocumentClient(raw),
    outbox: new StreamConsumerPump(raw, streams, tableName, OUTBOX_STREAM_FILTER),
    tallies: new StreamConsumerPump(raw, streams, tableName, TALLY_STREAM_FILTER),
    fromStart: () => new StreamConsumerPump(raw, streams, tableName, TALLY_STREAM_FILTER),
    drop: async () => {
      await raw.send(new DeleteTableCommand({ TableName: tableName }));
      streams.destroy();
      raw.destroy();
    },
  };
}
