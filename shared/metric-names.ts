/**
 * The custom CloudWatch metrics (namespace `ForReview`, dimension `service`), named once for the code that
 * emits them (shared/observability.ts) and the CDK alarms that watch them. No AWS and no Powertools here, so
 * the CDK app can import it.
 *
 * Business metrics have one source: the outbox publisher counts the events it puts on the bus, so every
 * committed change is counted where its event goes out, whatever code path made it (docs/deploy.md,
 * "Metrics"). Use cases emit none.
 */
import type { OutDetailType, OutEvent } from './events/out-events.js';

export const METRICS_NAMESPACE = 'ForReview';

/** The dimension of per-function metrics; the same name Powertools gives its cold-start metric. */
export const FUNCTION_DIMENSION = 'function_name';

export const METRIC = {
  // Business metrics, one per kind of committed change (counted by functions/publish-outbox.ts).
  ItemsCreated: 'ItemsCreated',
  ItemsReplaced: 'ItemsReplaced',
  ProposalsDropped: 'ProposalsDropped',
  ItemsEdited: 'ItemsEdited',
  ItemsReassigned: 'ItemsReassigned',
  ItemsMarkedStale: 'ItemsMarkedStale',
  EmailsSent: 'EmailsSent',
  SendsRejected: 'SendsRejected',
  SendsUnknown: 'SendsUnknown',
  EmailsDelivered: 'EmailsDelivered',
  DeliveryBounced: 'DeliveryBounced',
  DeliveryComplained: 'DeliveryComplained',
  DeliveryFailed: 'DeliveryFailed',
  RecordChangeCommands: 'RecordChangeCommands',
  RecordChangesApplied: 'RecordChangesApplied',
  ApplyRejected: 'ApplyRejected',
  ApplyUnknown: 'ApplyUnknown',
  ItemsDismissed: 'ItemsDismissed',
  ItemsResolved: 'ItemsResolved',
  ItemsExpired: 'ItemsExpired',
  ItemsOverdue: 'ItemsOverdue',
  ItemsEscalated: 'ItemsEscalated',
  ItemsScheduled: 'ItemsScheduled',
  ItemsUndone: 'ItemsUndone',
  HoldsCancelled: 'HoldsCancelled',
  StepTrustChanged: 'StepTrustChanged',
  ErasuresCompleted: 'ErasuresCompleted',
  // The publisher itself.
  /** Every event put on the bus (whatever its type). */
  EventsPublished: 'EventsPublished',
  /** Invocations that stopped at a record the bus refused; the stream delivers it again. */
  PublishFailures: 'PublishFailures',
  // The HTTP chain.
  /** 5xx answers the problem-details middleware made of thrown errors (Lambda's Errors never sees them). */
  HandledServerErrors: 'HandledServerErrors',
  /** POST /webhooks/email answered 401: bad or missing signature, or a stale timestamp. */
  WebhooksRefused: 'WebhooksRefused',
  /** A JWT request answered 429: its workspace had used up its requests of the window (WORKSPACE_RATE_LIMIT). */
  WorkspaceThrottled: 'WorkspaceThrottled',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

/** Every detail type of spec 5. */
export type SpecDetailType =
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

type Detail = Record<string, unknown>;

/**
 * A failure counts as unknown unless the detail says `outcome: 'rejected'`: an unknown outcome needs a person
 * (its metric is alarmed), so a detail that forgot to say must not hide one.
 */
const byOutcome =
  (rejected: MetricName, unknown: MetricName) =>
  (detail: Detail): MetricName =>
    detail.outcome === 'rejected' ? rejected : unknown;

const DELIVERY_METRICS: Readonly<Record<string, MetricName>> = {
  delivered: METRIC.EmailsDelivered,
  bounced: METRIC.DeliveryBounced,
  complained: METRIC.DeliveryComplained,
};

/** `detail.delivery.status` (spec 3, Delivery): delivered, bounced, complained; anything else (rejected, rendering_failed) failed. */
function byDeliveryStatus(detail: Detail): MetricName {
  const delivery = detail.delivery;
  const status = typeof delivery === 'object' && delivery !== null ? (delivery as Detail).status : undefined;
  return (
    (typeof status === 'string' && Object.hasOwn(DELIVERY_METRICS, status)
      ? DELIVERY_METRICS[status]
      : undefined) ?? METRIC.DeliveryFailed
  );
}

/** Which business metric an event out counts in. */
export const BUSINESS_METRICS: Readonly<
  Record<SpecDetailType, MetricName | ((detail: Detail) => MetricName)>
> = {
  'Review Item Created': METRIC.ItemsCreated,
  'Review Item Replaced': METRIC.ItemsReplaced,
  'Review Draft Dropped': METRIC.ProposalsDropped,
  'Review Item Edited': METRIC.ItemsEdited,
  'Review Item Reassigned': METRIC.ItemsReassigned,
  'Review Item Stale': METRIC.ItemsMarkedStale,
  'Review Item Sent': METRIC.EmailsSent,
  'Review Item Send Failed': byOutcome(METRIC.SendsRejected, METRIC.SendsUnknown),
  'Review Item Delivery Updated': byDeliveryStatus,
  // Each command published counts, a republish with the same applyId too (spec 3: at most 3 times).
  'Record Change Approved': METRIC.RecordChangeCommands,
  'Review Item Applied': METRIC.RecordChangesApplied,
  'Review Item Apply Failed': byOutcome(METRIC.ApplyRejected, METRIC.ApplyUnknown),
  'Review Item Dismissed': METRIC.ItemsDismissed,
  'Review Item Resolved': METRIC.ItemsResolved,
  'Review Item Expired': METRIC.ItemsExpired,
  'Review Item Overdue': METRIC.ItemsOverdue,
  'Review Item Escalated': METRIC.ItemsEscalated,
  'Review Item Scheduled': METRIC.ItemsScheduled,
  'Review Item Undone': METRIC.ItemsUndone,
  'Review Item Hold Cancelled': METRIC.HoldsCancelled,
  'Automation Step Trust Changed': METRIC.StepTrustChanged,
  'Privacy Erasure Completed': METRIC.ErasuresCompleted,
};

/** Every detail type the publisher may put out has its metric: a new one fails to compile until it is named. */
const _everyOutDetailTypeCounted: Readonly<Record<OutDetailType, unknown>> = BUSINESS_METRICS;

/** The business metric of an event, or none for a detail type spec 5 does not name. */
export function businessMetricOf(event: OutEvent): MetricName | undefined {
  const detailType: string = event.detailType;
  if (!Object.hasOwn(BUSINESS_METRICS, detailType)) return undefined;
  const metric = BUSINESS_METRICS[detailType as SpecDetailType];
  return typeof metric === 'function' ? metric(event.detail) : metric;
}

/** How many events of a batch count in each metric: every business metric, and EventsPublished. */
export function countsOf(events: readonly OutEvent[]): Map<MetricName, number> {
  const counts = new Map<MetricName, number>();
  const add = (name: MetricName) => counts.set(name, (counts.get(name) ?? 0) + 1);
  for (const event of events) {
    add(METRIC.EventsPublished);
    const metric = businessMetricOf(event);
    if (metric) add(metric);
  }
  return counts;
}
