/**
 * Reading what changes wrote to the outbox (shared/events/outbox.ts) straight from the table: the events each
 * history record and outbox record carries, as the stream hands them to the publisher. Tests of use cases assert
 * on these instead of a publisher: no code path publishes after a commit any more.
 */
import { type DynamoDBDocumentClient, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { OutDetailType, OutEvent } from '../../shared/events/out-events.js';
import { OUTBOX_ATTRIBUTE } from '../../shared/events/outbox.js';

type Row = Record<string, unknown>;

const eventsOf = (row: Row): OutEvent[] =>
  Array.isArray(row[OUTBOX_ATTRIBUTE]) ? (row[OUTBOX_ATTRIBUTE] as OutEvent[]) : [];

export class OutboxReader {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The events of one item's changes, in version order. */
  async ofItem(workspaceId: string, itemId: string): Promise<OutEvent[]> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :h)',
        ExpressionAttributeValues: { ':pk': `WS#${workspaceId}#ITEM#${itemId}`, ':h': 'H#' },
        ConsistentRead: true,
      }),
    );
    return (out.Items ?? []).flatMap(eventsOf);
  }

  /** Every event written in a workspace (a Scan: tests only), grouped by item in version order. */
  async inWorkspace(workspaceId: string): Promise<OutEvent[]> {
    const rows: Row[] = [];
    let ExclusiveStartKey: Row | undefined;
    do {
      const out = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'begins_with(pk, :ws) AND attribute_exists(#outbox)',
          ExpressionAttributeNames: { '#outbox': OUTBOX_ATTRIBUTE },
          ExpressionAttributeValues: { ':ws': `WS#${workspaceId}#` },
          ExclusiveStartKey,
        }),
      );
      rows.push(...(out.Items ?? []));
      ExclusiveStartKey = out.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    rows.sort((a, b) => `${a.pk}${a.sk}`.localeCompare(`${b.pk}${b.sk}`));
    return rows.flatMap(eventsOf);
  }

  /** The events of one type, of one item or of the whole workspace. */
  async of(detailType: OutDetailType, workspaceId: string, itemId?: string): Promise<OutEvent[]> {
    const events = itemId ? await this.ofItem(workspaceId, itemId) : await this.inWorkspace(workspaceId);
    return events.filter((event) => event.detailType === detailType);
  }
}
