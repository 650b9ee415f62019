/**
 * The table's stream → the counters: counts each committed change's tally (what it does to the queue counters, the
 * automations' open counts, review stats and feedback) exactly once (shared/store/tallies.ts). A failure throws, and
 * the stream retries the batch: the changes it counted already are known by their markers and not counted again.
 * Then the steps whose trust counters moved are looked at, and a changed recommendation is published
 * (shared/store/trust-changes.ts).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { documentClient } from '../shared/aws-clients.js';
import { tableName } from '../shared/config.js';
import { logger } from '../shared/logger.js';
import { DynamoSettingsReader } from '../shared/store/repositories/settings.js';
import { Table } from '../shared/store/table.js';
import { applyTallies, talliesOfRecords } from '../shared/store/tallies.js';
import { publishTrustChanges } from '../shared/store/trust-changes.js';

const table = new Table(documentClient(), tableName());
const settings = new DynamoSettingsReader(table);
const trustSettingsOf = async (workspaceId: string) => (await settings.getSettings(workspaceId)).trust;

export const handler = middy<DynamoDBStreamEvent, unknown>()
  .use(injectLambdaContext(logger))
  .handler(async (event) => {
    const tallies = talliesOfRecords(event.Records);
    const outcome = await applyTallies(table, tallies);
    const trustChanged = await publishTrustChanges(table, tallies, trustSettingsOf, new Date());
    logger.info('Tallies counted', { records: event.Records.length, ...outcome, trustChanged });
    return { ...outcome, trustChanged };
  });
