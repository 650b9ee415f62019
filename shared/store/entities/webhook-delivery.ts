/**
 * `WebhookDelivery` records: a webhook delivery under its `webhook-id` alone (spec 6: a repeated id is a no-op
 * whatever its body says, so not under the workspace its body names): claimed while it is processed, then its
 * answer, kept a week (TTL), well past any provider's retry window. The id is hashed: it is the provider's string.
 * With the jobs' `due` index, the one key without a tenant prefix: a delivery is the provider's, before any workspace.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import type { Attributes, TableKey } from '../table.js';
import { parseRecord } from './record-schemas.js';

export const WEBHOOK_ENTITY = 'WebhookDelivery';
const KEEP_SECONDS = 7 * 24 * 3600;

export const webhookKeys = {
  delivery: (webhookId: string): TableKey => ({
    pk: `WEBHOOK#${createHash('sha256').update(webhookId).digest('hex')}`,
    sk: 'WEBHOOK',
  }),
};

const deliveryItem = (webhookId: string, now: Date, state: Record<string, unknown>) => ({
  ...webhookKeys.delivery(webhookId),
  entity: WEBHOOK_ENTITY,
  ...state,
  ttl: Math.floor(now.getTime() / 1000) + KEEP_SECONDS,
});

/** The claim of a delivery being processed: the lease says until when nobody else may take it over. */
export const webhookClaimRecord = (webhookId: string, now: Date, leaseMs: number) =>
  deliveryItem(webhookId, now, { status: 'in_progress', leaseUntil: now.getTime() + leaseMs });

/** A delivery that had nothing to change, claimed and completed in one write. */
export const webhookDoneRecord = (
  webhookId: string,
  answer: { resolved: number; stale: number },
  now: Date,
) => deliveryItem(webhookId, now, { status: 'done', answer, completedAt: now.toISOString() });

/** Completes a claimed delivery with its answer (alone, or as one action of the delivery's last item change). */
export const webhookCompletion = (
  tableName: string,
  webhookId: string,
  answer: { resolved: number; stale: number },
  now: Date,
) => ({
  TableName: tableName,
  Key: webhookKeys.delivery(webhookId),
  UpdateExpression: 'SET #status = :done, answer = :answer, completedAt = :at',
  ExpressionAttributeNames: { '#status': 'status' },
  ExpressionAttributeValues: { ':done': 'done', ':answer': answer, ':at': now.toISOString() },
});

export const webhookConditions = {
  /** Nobody has this id, or its holder's lease ran out before it completed. */
  claimable: (now: Date) => ({
    ConditionExpression: 'attribute_not_exists(pk) OR (#status = :inProgress AND leaseUntil < :now)',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':inProgress': 'in_progress', ':now': now.getTime() },
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
  }),
};

const deliveryRecord = z.lazy(() =>
  z.discriminatedUnion('status', [
    z.object({ status: z.literal('in_progress'), leaseUntil: z.number() }),
    z.object({
      status: z.literal('done'),
      answer: z.object({ resolved: z.int(), stale: z.int() }),
    }),
  ]),
);
export type WebhookDelivery = z.output<typeof deliveryRecord>;

export const parseWebhookDelivery = (record: Attributes): WebhookDelivery =>
  parseRecord(deliveryRecord, record, 'webhook delivery');
