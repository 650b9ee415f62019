import { marshall } from '@aws-sdk/util-dynamodb';
import type { APIGatewayProxyEventV2, Context, DynamoDBRecord } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DomainError, NotFoundError } from '../../shared/errors.js';
import { type EntryPublisher, publishRecords, settledEvents } from '../../shared/events/outbox.js';
import type { OutEvent } from '../../shared/events/publisher.js';
import { httpFunction } from '../../shared/http/http-function.js';
import {
  BUSINESS_METRICS,
  businessMetricOf,
  countsOf,
  METRIC,
  METRICS_NAMESPACE,
  type SpecDetailType,
} from '../../shared/metric-names.js';
import { count } from '../../shared/observability.js';

const out = (detailType: string, detail: Record<string, unknown> = {}): OutEvent =>
  ({ detailType, detail: { eventId: `${detailType}-${JSON.stringify(detail)}`, ...detail } }) as OutEvent;

function record(sequence: string, events: OutEvent[]): DynamoDBRecord {
  return {
    eventName: 'INSERT',
    dynamodb: {
      SequenceNumber: sequence,
      NewImage: marshall({ pk: 'p', sk: sequence, entity: 'History', outbox: events }) as never,
    },
  };
}

describe('business metrics: one per kind of committed change', () => {
  it('names a metric for every spec 5 detail type', () => {
    const spec: SpecDetailType[] = [
      'Review Item Created',
      'Review Item Replaced',
      'Review Item Edited',
      'Review Item Reassigned',
      'Review Item Stale',
      'Review Item Sent',
      'Review Item Send Failed',
      'Review Item Delivery Updated',
      'Record Change Approved',
      'Review Item Applied',
      'Review Item Apply Failed',
      'Review Item Dismissed',
      'Review Item Resolved',
      'Review Item Expired',
      'Review Item Overdue',
      'Review Item Scheduled',
      'Review Item Undone',
      'Review Item Hold Cancelled',
      'Review Item Escalated',
      'Review Draft Dropped',
      'Automation Step Trust Changed',
      'Privacy Erasure Completed',
    ];
    expect(Object.keys(BUSINESS_METRICS).sort()).toEqual([...spec].sort());
    for (const detailType of spec) expect(businessMetricOf(out(detailType)), detailType).toBeDefined();
  });

  it('counts a failed send as rejected or unknown by its outcome, and unknown when it does not say', () => {
    expect(businessMetricOf(out('Review Item Send Failed', { outcome: 'rejected' }))).toBe('SendsRejected');
    expect(businessMetricOf(out('Review Item Send Failed', { outcome: 'unknown' }))).toBe('SendsUnknown');
    expect(businessMetricOf(out('Review Item Send Failed'))).toBe('SendsUnknown');
    expect(businessMetricOf(out('Review Item Apply Failed', { outcome: 'rejected' }))).toBe('ApplyRejected');
    expect(businessMetricOf(out('Review Item Apply Failed', { outcome: 'unknown' }))).toBe('ApplyUnknown');
  });

  it('counts delivery updates by delivery status', () => {
    const delivery = (status: unknown) => out('Review Item Delivery Updated', { delivery: { status } });
    expect(businessMetricOf(delivery('delivered'))).toBe('EmailsDelivered');
    expect(businessMetricOf(delivery('bounced'))).toBe('DeliveryBounced');
    expect(businessMetricOf(delivery('complained'))).toBe('DeliveryComplained');
    expect(businessMetricOf(delivery('rejected'))).toBe('DeliveryFailed');
    expect(businessMetricOf(delivery('toString'))).toBe('DeliveryFailed');
    expect(businessMetricOf(out('Review Item Delivery Updated'))).toBe('DeliveryFailed');
  });

  it('counts an event of an unnamed detail type in EventsPublished only', () => {
    expect(businessMetricOf(out('Something Else'))).toBeUndefined();
    expect(businessMetricOf(out('constructor'))).toBeUndefined();
    expect(countsOf([out('Something Else'), out('Review Item Created'), out('Review Item Created')])).toEqual(
      new Map([
        ['EventsPublished', 3],
        ['ItemsCreated', 2],
      ]),
    );
  });
});

describe('settled events: what the stream will not deliver again', () => {
  const created = (id: string) => out('Review Item Created', { itemId: id });
  const records = [
    record('1', [created('a')]),
    record('2', [created('b'), out('Review Item Sent', { itemId: 'b' })]),
    record('3', [created('c')]),
  ];

  it('are all the events of a batch without failure', async () => {
    const bus: EntryPublisher = { put: async () => [] };
    const response = await publishRecords(bus, records);

    expect(settledEvents(records, response)).toHaveLength(4);
  });

  it('are the events before the first reported record, even if the bus accepted some after it', async () => {
    // The bus refuses b's Sent event: b's Created (accepted) and c (accepted) will be published again.
    const bus: EntryPublisher = {
      put: async (events) => events.flatMap((e, i) => (e.detailType === 'Review Item Sent' ? [i] : [])),
    };
    const response = await publishRecords(bus, records);

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: '2' }] });
    expect(settledEvents(records, response)).toEqual([created('a')]);
    expect(countsOf(settledEvents(records, response))).toEqual(
      new Map([
        ['EventsPublished', 1],
        ['ItemsCreated', 1],
      ]),
    );
  });
});

describe('EMF output (Powertools Metrics)', () => {
  let lines: string[];
  beforeEach(() => {
    lines = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  const documents = () =>
    lines
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.includes('"_aws"'))
      .map(
        (line) => JSON.parse(line) as Record<string, unknown> & { _aws: { CloudWatchMetrics: unknown[] } },
      );

  const context = { functionName: 'ForReview-dev-get-review-item-abc', awsRequestId: 'r1' } as Context;
  const request = {
    rawPath: '/x',
    headers: {},
    requestContext: { http: { method: 'GET' } },
  } as never as APIGatewayProxyEventV2;

  it('counts a thrown error turned into a 500 as HandledServerErrors of that function', async () => {
    const handler = httpFunction(async () => {
      throw new Error('boom');
    });
    const response = await handler(request, context);

    expect(response.statusCode).toBe(500);
    expect(documents()).toEqual([
      expect.objectContaining({
        _aws: expect.objectContaining({
          CloudWatchMetrics: [
            {
              Namespace: METRICS_NAMESPACE,
              Dimensions: [['service', 'function_name']],
              Metrics: [{ Name: 'HandledServerErrors', Unit: 'Count' }],
            },
          ],
        }),
        service: 'for-review',
        function_name: context.functionName,
        HandledServerErrors: 1,
      }),
    ]);
  });

  it('publishes nothing for answers without a metric: 2xx, 4xx, and a domain error’s deliberate 5xx', async () => {
    class UpstreamRejectedError extends DomainError {
      readonly status = 502;
      readonly title = 'Send rejected';
    }
    await httpFunction(async () => ({ statusCode: 200, body: '{}' }))(request, context);
    await httpFunction(async () => {
      throw new NotFoundError('no such item');
    })(request, context);
    const rejected = await httpFunction(async () => {
      throw new UpstreamRejectedError('SES refused the message');
    })(request, context);

    expect(rejected.statusCode).toBe(502);
    expect(documents()).toEqual([]);
  });

  it('publishes what the handler counted when it answers, with the service dimension only', async () => {
    const handler = httpFunction(async () => {
      count(METRIC.WebhooksRefused);
      throw new NotFoundError('stands in for the 401 mapping');
    });
    await handler(request, context);

    expect(documents()).toEqual([
      expect.objectContaining({
        _aws: expect.objectContaining({
          CloudWatchMetrics: [
            expect.objectContaining({
              Dimensions: [['service']],
              Metrics: [{ Name: 'WebhooksRefused', Unit: 'Count' }],
            }),
          ],
        }),
        WebhooksRefused: 1,
      }),
    ]);
  });
});
