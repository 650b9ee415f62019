/**
 * SES says what became of a sent email (spec 2.5, 3 "Delivery"): delivered, bounced, complained about, rejected or
 * failed to render. The item
 * is found by the tags the mailer put on the send (`reviewItemId`, `workspaceId`) and must be the sent item with
 * that SES message id; the report is kept on it as `delivery`, in its history, and published as `Review Item
 * Delivery Updated`. The latest report wins (a complaint after the delivery); an older or repeated one changes
 * nothing, nor does a report about mail this service did not send.
 */
import { deliveryUpdated } from '../domain/lifecycle.js';
import { type Delivery, historyEntry } from '../domain/review-item.js';
import { compareTimes } from '../domain/time.js';
import type { SesDeliveryEvent } from '../events/in-schemas.js';
import { itemEvent } from '../events/out-events.js';
import type { Deps } from './deps.js';

export type DeliveryOutcome =
  | { outcome: 'recorded'; itemId: string; version: number; status: Delivery['status'] }
  | { outcome: 'ignored'; reason: string };

const ATTEMPTS = 4;

export async function recordDelivery(deps: Deps, event: SesDeliveryEvent): Promise<DeliveryOutcome> {
  const itemId = event.mail.tags.reviewItemId?.[0];
  const workspaceId = event.mail.tags.workspaceId?.[0];
  if (!itemId || !workspaceId)
    return { outcome: 'ignored', reason: 'Not an email sent by For review (no item tags)' };
  const delivery = deliveryOf(event);
  if (!delivery)
    return { outcome: 'ignored', reason: `No ${event.eventType.toLowerCase()} report in the event` };

  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const item = await deps.store.getItem(workspaceId, itemId);
    if (item?.status !== 'sent' || item.decision?.messageId !== event.mail.messageId)
      return { outcome: 'ignored', reason: 'No sent item with this SES message id' };
    const kept = item.delivery;
    const order = kept ? compareTimes(kept.at, delivery.at) : -1;
    if (kept && (order > 0 || (order === 0 && kept.status === delivery.status)))
      return { outcome: 'ignored', reason: 'The same or a later report is kept already' };
    const after = deliveryUpdated(item, delivery, deps.clock().toISOString());
    const actor = { kind: 'system' as const, reason: 'SES delivery event' };
    const changed = await deps.store.changeItemIfCurrent({
      before: item,
      after,
      entry: historyEntry(after, 'delivery_updated', actor, {
        detail: {
          status: delivery.status,
          at: delivery.at,
          ...(delivery.detail ? { detail: delivery.detail } : {}),
        },
      }),
      events: [
        itemEvent('Review Item Delivery Updated', after, actor, {
          delivery,
          messageId: event.mail.messageId,
        }),
      ],
    });
    if (changed) return { outcome: 'recorded', itemId, version: after.version, status: delivery.status };
    // Another report was recorded meanwhile: compare with it.
  }
  throw new Error(`The delivery report for item ${itemId} kept losing races after ${ATTEMPTS} attempts`);
}

function deliveryOf(event: SesDeliveryEvent): Delivery | undefined {
  const recipients = (list: { emailAddress: string }[]) => list.map((r) => r.emailAddress).join(', ');
  if (event.eventType === 'Delivery' && event.delivery)
    return {
      status: 'delivered',
      at: event.delivery.timestamp,
      detail: `delivered to ${event.delivery.recipients.join(', ')}`,
    };
  if (event.eventType === 'Bounce' && event.bounce) {
    const { bounceType, bounceSubType, bouncedRecipients } = event.bounce;
    return {
      status: 'bounced',
      at: event.bounce.timestamp,
      detail: `${bounceType}${bounceSubType ? `/${bounceSubType}` : ''} bounce: ${recipients(bouncedRecipients)}`,
    };
  }
  if (event.eventType === 'Complaint' && event.complaint) {
    const { complaintFeedbackType, complainedRecipients } = event.complaint;
    return {
      status: 'complained',
      at: event.complaint.timestamp,
      detail: `complaint${complaintFeedbackType ? ` (${complaintFeedbackType})` : ''}: ${recipients(complainedRecipients)}`,
    };
  }
  // SES gave up on the send after accepting it; neither report has a time of its own.
  if (event.eventType === 'Reject' && event.reject && event.mail.timestamp)
    return {
      status: 'rejected',
      at: event.mail.timestamp,
      detail: `rejected${event.reject.reason ? `: ${event.reject.reason}` : ''}`,
    };
  if (event.eventType === 'Rendering Failure' && event.failure && event.mail.timestamp)
    return {
      status: 'rendering_failed',
      at: event.mail.timestamp,
      detail: `rendering failed${event.failure.errorMessage ? `: ${event.failure.errorMessage}` : ''}`,
    };
  return undefined;
}
