/**
 * DynamoDB's conflict rule (infra/local/conflict-rule.ts) in front of this test file's DynamoDB Local, for tests
 * that exercise concurrency: there a transaction touching an item another one is committing is refused as
 * DynamoDB refuses it, which DynamoDB Local alone never does.
 *
 *   const rule = useConflictRule(50);           // in a file or describe block: started before, stopped after
 *   const client = localClient(rule().endpoint);
 *
 * `createTestTable(prefix, { conflictWindowMs })` (dynamo.ts) gives a table whose clients go through a rule of
 * its own, and `startTestRuntime({ conflictWindowMs })` a runtime whose handlers do.
 */
import { afterAll, beforeAll } from 'vitest';
import { type ConflictRule, startConflictRule } from '../../infra/local/conflict-rule.js';
import { dynamodbEndpoint } from './endpoints.js';

export type { ConflictRule, ConflictStats } from '../../infra/local/conflict-rule.js';

/** A rule in front of this file's DynamoDB Local with this commit window; the caller stops it. */
export function startTestConflictRule(commitWindowMs: number): Promise<ConflictRule> {
  return startConflictRule({ upstream: dynamodbEndpoint(), commitWindowMs });
}

/**
 * A rule for the tests of the current file or describe block: started before them, stopped after them. Returns
 * a function giving the running rule (call it inside a test or hook).
 */
export function useConflictRule(commitWindowMs: number): () => ConflictRule {
  let rule: ConflictRule | undefined;
  beforeAll(async () => {
    rule = await startTestConflictRule(commitWindowMs);
  });
  afterAll(async () => {
    await rule?.stop();
  });
  return () => {
    if (rule === undefined)
      throw new Error('useConflictRule: the rule starts in beforeAll; use it in a test');
    return rule;
  };
}

/**
 * The commit window the race tests run under (approve-concurrency, bulk, time-order, webhook-race, ingest,
 * record-apply-property): DynamoDB's conflict rule on, so their races meet as they would in AWS, where DynamoDB
 * refuses what touches an item another transaction is committing.
 */
export const RACE_CONFLICT_WINDOW_MS = 10;
