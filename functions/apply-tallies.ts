/**
 * The table's stream → the counters: counts each committed change's tally (what it does to the queue counters, the
 * automations' open counts, review stats and feedback) exactly once (shared/store/tallies.ts). A failure throws, and
 * the stream retries the batch: the changes it counted already are known by their markers and not counted again.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { documentClient } from '../shared/aws-clients.js';
import { tableName } from '../shared/config.js';
import { logger } from '../shared/logger.js';
import { Table } from '../shared/store/table.js';
import { applyTallies, talliesOfRecords } from '../shared/store/tallies.js';

const table = new Table(documentClient(), tableName());

export const handler = middy<DynamoDBStreamEvent, unknown>()
  .use(injectLambdaContext(logger))
  .handler(async (event) => {
    const outcome = await applyTallies(table, talliesOfRecords(event.Records));
    logger.info('Tallies counted', { records: event.Records.length, ...outcome });
    return outcome;
  });
