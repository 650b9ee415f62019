/**
 * Putting events out on the configured bus (spec 5). Only the outbox publisher (functions/publish-outbox.ts) uses
 * it: changes write their events into the table with the change itself (shared/events/outbox.ts).
 */
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { EVENT_SOURCE, type OutEvent } from './out-events.js';
import type { EntryPublisher } from './outbox.js';

export type { OutEvent } from './out-events.js';

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
