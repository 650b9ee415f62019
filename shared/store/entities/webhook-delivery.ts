/** `WebhookDelivery` records: a processed webhook id and its answer, kept a week (TTL). */
import type { TableKey } from '../table.js';

export const WEBHOOK_ENTITY = 'WebhookDelivery';
/** Well past any provider's retry window. */
const KEEP_SECONDS = 7 * 24 * 3600;

export const webhookKeys = {
  delivery: (workspaceId: string, webhookId: string): TableKey => ({
    pk: `WS#${workspaceId}#WEBHOOK#${webhookId}`,
    sk: 'WEBHOOK',
  }),
};

export const webhookRecord = (workspaceId: string, webhookId: string, at: Date, resolved: number) => ({
  ...webhookKeys.delivery(workspaceId, webhookId),
  entity: WEBHOOK_ENTITY,
  at: at.toISOString(),
  resolved,
  ttl: Math.floor(at.getTime() / 1000) + KEEP_SECONDS,
});
