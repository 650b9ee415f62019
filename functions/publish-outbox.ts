/** The table's stream → the bus: publishes the events committed changes wrote (shared/events/outbox.ts). */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { eventBridgeClient } from '../shared/aws-clients.js';
import { eventBusName } from '../shared/config.js';
import { publishRecords } from '../shared/events/outbox.js';
import { EventBridgePublisher } from '../shared/events/publisher.js';
import { logger } from '../shared/logger.js';

const publisher = new EventBridgePublisher(eventBridgeClient(), eventBusName());

export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
  .use(injectLambdaContext(logger))
  .handler(async (event) => {
    const result = await publishRecords(publisher, event.Records);
    if (result.batchItemFailures.length > 0)
      logger.warn('Events not accepted by the bus; the stream will retry', {
        from: result.batchItemFailures[0]?.itemIdentifier,
        records: event.Records.length,
      });
    return result;
  });
