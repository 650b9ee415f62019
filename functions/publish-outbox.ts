/**
 * The table's stream → the bus: publishes the events committed changes wrote (shared/events/outbox.ts), and
 * counts them: the one source of the business metrics (shared/metric-names.ts).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { eventBridgeClient } from '../shared/aws-clients.js';
import { eventBusName } from '../shared/config.js';
import { publishRecords, settledEvents } from '../shared/events/outbox.js';
import { EventBridgePublisher } from '../shared/events/publisher.js';
import { logger } from '../shared/logger.js';
import { countsOf, METRIC } from '../shared/metric-names.js';
import { count, publishMetrics } from '../shared/observability.js';

const publisher = new EventBridgePublisher(eventBridgeClient(), eventBusName());

export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
  .use(injectLambdaContext(logger))
  .use(publishMetrics())
  .handler(async (event) => {
    const result = await publishRecords(publisher, event.Records);
    for (const [name, value] of countsOf(settledEvents(event.Records, result))) count(name, value);
    if (result.batchItemFailures.length > 0) {
      count(METRIC.PublishFailures);
      logger.warn('Events not accepted by the bus; the stream will retry', {
        from: result.batchItemFailures[0]?.itemIdentifier,
        records: event.Records.length,
      });
    }
    return result;
  });
