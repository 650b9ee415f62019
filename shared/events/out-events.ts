/**
 * Events out (spec 5): `source: "for-review"`. A change writes the events it must publish in its own transaction
 * (the outbox, shared/events/outbox.ts); nothing publishes after a commit. No AWS here: the functions that change
 * items never load the EventBridge client; only the outbox publisher does.
 */
import type { Actor, ReviewItem } from '../domain/review-item.js';

export const EVENT_SOURCE = 'for-review';

export type OutDetailType =
  | 'Review Item Created'
  | 'Review Item Replaced'
  | 'Review Item Edited'
  | 'Review Item Reassigned'
  | 'Review Item Stale'
  | 'Review Item Sent'
  | 'Review Item Send Failed'
  | 'Review Item Delivery Updated'
  | 'Record Change Approved'
  | 'Review Item Applied'
  | 'Review Item Apply Failed'
  | 'Review Item Dismissed'
  | 'Review Item Resolved'
  | 'Review Item Expired'
  | 'Review Item Overdue'
  | 'Review Item Escalated'
  | 'Review Item Scheduled'
  | 'Review Item Undone'
  | 'Review Item Hold Cancelled'
  | 'Review Draft Dropped'
  | 'Automation Step Trust Changed'
  | 'Privacy Erasure Completed';

export interface OutEvent {
  detailType: OutDetailType;
  /** Every detail carries `eventId` once written (the store assigns it: the same on every redelivery). */
  detail: Record<string, unknown>;
}

/**
 * The detail every item event carries: workspace, item, its status and version after the change, the automation,
 * run and step, the actor and the time of the change.
 */
export function itemEvent(
  detailType: OutDetailType,
  item: ReviewItem,
  actor: Actor,
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
      at: item.updatedAt,
      ...extra,
    },
  };
}

/** An item event's id: its item, the version the change produced, and its place among the change's events. */
export const itemEventId = (itemId: string, version: number, index: number): string =>
  `${itemId}.v${version}${index === 0 ? '' : `.${index}`}`;
