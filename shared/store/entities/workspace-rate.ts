/**
 * A workspace's request count in one fixed window (spec 3, "Trust boundaries"): one record per workspace and
 * window, counted up by one conditional UpdateItem per request and gone by TTL a window after it ends. Its
 * partition is the workspace's own (`WS#<id>#RATE`), so one workspace's traffic never heats another's.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { tenant } from '../key-parts.js';

/** The attributes a rate record has: the IAM grant of the limiter lets it touch these only. */
export const RATE_ATTRIBUTES = ['pk', 'sk', 'requests', 'ttl'] as const;
/** The partition key shape, as an IAM `dynamodb:LeadingKeys` pattern. */
export const RATE_PARTITION_PATTERN = 'WS#*#RATE';

export const rateKeys = {
  window: (workspaceId: string, windowStart: number) => ({
    pk: `${tenant(workspaceId)}#RATE`,
    sk: String(windowStart),
  }),
};

/** Whether a pk is a rate record's: the `tenant` index leaves these out (no content, gone by TTL). */
export const isRatePk = (pk: string): boolean => /^WS#[^#]*#RATE$/.test(pk);

export interface RateWindow {
  /** Requests allowed per window. */
  limit: number;
  windowSeconds: number;
}

/**
 * Counts one request of the workspace in the window `now` falls in. Answers `undefined` when it is within the
 * limit, else the seconds until the window ends (what Retry-After says). One request to DynamoDB either way.
 */
export async function countRequest(
  db: DynamoDBDocumentClient,
  tableName: string,
  workspaceId: string,
  window: RateWindow,
  now: Date,
): Promise<number | undefined> {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const windowStart = nowSeconds - (nowSeconds % window.windowSeconds);
  const windowEnd = windowStart + window.windowSeconds;
  try {
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: rateKeys.window(workspaceId, windowStart),
        UpdateExpression: 'ADD #requests :one SET #ttl = if_not_exists(#ttl, :ttl)',
        ConditionExpression: 'attribute_not_exists(#requests) OR #requests < :limit',
        ExpressionAttributeNames: { '#requests': 'requests', '#ttl': 'ttl' },
        ExpressionAttributeValues: {
          ':one': 1,
          ':limit': window.limit,
          ':ttl': windowEnd + window.windowSeconds,
        },
      }),
    );
    return undefined;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return Math.max(1, windowEnd - nowSeconds);
    throw error;
  }
}
