/**
 * Events out (SPEC 5): `source: "for-review"` on the configured bus. Use cases call `publish` after the write
 * that the event describes has committed.
 */
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { Actor, ReviewItem } from '../domain/review-item.js';
import type { EntryPublisher } from './outbox.js';

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

export class EventBridgePublisher implements EventPublisher, EntryPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async publish(events: OutEvent[]): Promise<void> {
    for (let start = 0; start < events.length; start += 10) {
      const failed = await this.put(events.slice(start, start + 10));
      if (failed.length > 0) throw new PublishError(`${failed.length} event(s) not accepted by the bus`);
    }
  }

  /** One PutEvents request (at most 10 events): the indexes of the events the bus did not accept. */
  async put(events: OutEvent[]): Promise<number[]> {
    const out = await this.client.send(
      new PutEventsCommand({
        Entries: events.map((e) => ({
          EventBusName: this.busName,
          Source: EVENT_SOURCE,
          DetailType: e.detailType,
          Detail: JSON.stringify(e.detail),
        })),
      }),
    );
    if (!out.FailedEntryCount) return [];
    return (out.Entries ?? []).flatMap((entry, index) => (entry.ErrorCode ? [index] : []));
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
