/**
 * Webhook deliveries (WebhookDeliveryRepository): one record per delivery id, claimed, then completed with the
 * answer every repeat of the delivery gets (entities/webhook-delivery.ts).
 */
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { WebhookAnswer, WebhookClaim, WebhookDeliveryRepository } from '../../use-cases/ports.js';
import {
  parseWebhookDelivery,
  webhookClaimRecord,
  webhookCompletion,
  webhookConditions,
  webhookDoneRecord,
  webhookKeys,
} from '../entities/webhook-delivery.js';
import { type Attributes, isConditionalFailure, type Table } from '../table.js';

export class DynamoWebhookDeliveryRepository implements WebhookDeliveryRepository {
  constructor(private readonly table: Table) {}

  async claimWebhook(webhookId: string, now: Date, leaseMs: number): Promise<WebhookClaim> {
    return this.putDelivery(webhookId, webhookClaimRecord(webhookId, now, leaseMs), now);
  }

  async recordWebhookAnswer(webhookId: string, answer: WebhookAnswer, now: Date): Promise<WebhookClaim> {
    return this.putDelivery(webhookId, webhookDoneRecord(webhookId, answer, now), now);
  }

  /** Writes a delivery record if the id is claimable: `claimed`, or what the delivery that came first says. */
  private async putDelivery(webhookId: string, item: Attributes, now: Date): Promise<WebhookClaim> {
    try {
      await this.table.write(() =>
        this.table.db.send(
          new PutCommand({ TableName: this.table.name, Item: item, ...webhookConditions.claimable(now) }),
        ),
      );
      return { kind: 'claimed' };
    } catch (error) {
      if (!isConditionalFailure(error)) throw error;
      const old = (error as { Item?: Record<string, never> }).Item;
      const record = old ? unmarshall(old) : await this.table.get(webhookKeys.delivery(webhookId));
      if (!record) return { kind: 'busy' };
      const delivery = parseWebhookDelivery(record);
      return delivery.status === 'done' ? { kind: 'done', answer: delivery.answer } : { kind: 'busy' };
    }
  }

  async completeWebhook(webhookId: string, answer: WebhookAnswer, now: Date): Promise<void> {
    await this.table.write(() =>
      this.table.db.send(new UpdateCommand(webhookCompletion(this.table.name, webhookId, answer, now))),
    );
  }
}
