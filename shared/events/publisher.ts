/**
 * Events out (SPEC 5): `source: "for-review"` on the configured bus. Use cases call `publish` after the write
 * that the event describes has committed.
 */
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { Actor, ReviewItem } from '../domain/review-item.js';

export const EVENT_SOURCE = 'for-review';

export type OutDetailType =
  | 'Review Item Created'
  | 'Review Item Replaced'
  | 'Review Item Edited'
  | 'Review Item Sent'
  | 'Review Item Send Failed'
  | 'Review Item Dismissed'
  | 'Review Item Resolved'
  | 'Review Item Expired'
  | 'Review Draft Dropped';

export interface OutEvent {
  detailType: OutDetailType;
  detail: Record<string, unknown>;
}

export interface EventPublisher {
  publish(events: OutEvent[]): Promise<void>;
}

export class PublishError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PublishError';
  }
}

export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async publish(events: OutEvent[]): Promise<void> {
    for (let start = 0; start < events.length; start += 10) {
      const batch = events.slice(start, start + 10);
      const out = await this.client.send(
        new PutEventsCommand({
          Entries: batch.map((e) => ({
            EventBusName: this.busName,
            Source: EVENT_SOURCE,
            DetailType: e.detailType,
            Detail: JSON.stringify(e.detail),
          })),
        }),
      );
      if (out.FailedEntryCount) {
        const first = out.Entries?.find((entry) => entry.ErrorCode);
        throw new PublishError(
          `${out.FailedEntryCount} event(s) not accepted: ${first?.ErrorCode} ${first?.ErrorMessage}`,
        );
      }
    }
  }
}

/** The detail every item event carries: workspace, item, automation, run and step, actor and time. */
export function itemEvent(
  detailType: OutDetailType,
  item: ReviewItem,
  actor: Actor,
  at: string,
  extra: Record<string, unknown> = {},
): OutEvent {
  return {
    detailType,
    detail: {
      workspaceId: item.workspaceId,
      itemId: item.id,
      status: item.status,
      version: item.version,
      automationId: item.origin.automationId,
      runId: item.origin.runId,
      stepId: item.origin.stepId,
      actor,
      at,
      ...extra,
    },
  };
}
