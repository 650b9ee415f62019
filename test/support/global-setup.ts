/**
 * Starts the run's stand-ins once: one DynamoDB Local per worker slot (in memory, free ports) and one local SES,
 * hands their endpoints to every test file (test/support/endpoints.ts), and stops them when the run ends, passed or
 * failed. DynamoDB Local is also killed if the run dies.
 *
 * Why one DynamoDB Local per slot: DynamoDB Local runs transactions one at a time, so two test files that both
 * write a lot (the 1,000 concurrent-approval trials, the 10⁴-item scale test) would otherwise queue behind each
 * other on one instance and each run twice as long. A test file runs in one slot (VITEST_POOL_ID) at a time.
 *
 * To reuse stand-ins that are already running, set TEST_DYNAMODB_ENDPOINT and/or TEST_SES_ENDPOINT.
 */
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../infra/local/dynamodb-local.js';
import { StartupError } from '../../infra/local/errors.js';
import { startSesLocal } from '../../infra/local/ses-local.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoints: string[];
    sesEndpoint: string;
  }
}

interface StandIn {
  endpoint: string;
  stop(): Promise<void>;
}

/** Worker slots, and so DynamoDB Local instances (vitest.config.ts sets maxWorkers to the same). */
export const TEST_WORKERS = 2;

const external = (endpoint: string): StandIn => ({ endpoint, stop: async () => undefined });

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const given = {
    dynamodb: nonEmpty(process.env.TEST_DYNAMODB_ENDPOINT),
    ses: nonEmpty(process.env.TEST_SES_ENDPOINT),
  };

  const started = await Promise.allSettled([
    given.ses ? external(given.ses) : startSesLocal(),
    ...(given.dynamodb
      ? [external(given.dynamodb)]
      : Array.from({ length: TEST_WORKERS }, () => startDynamoDbLocal())),
  ]);
  const failure = started.find((s) => s.status === 'rejected');
  if (failure) {
    await Promise.allSettled(started.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)));
    const reason = (failure as PromiseRejectedResult).reason;
    if (reason instanceof StartupError) throw new Error(`Test stand-ins could not start: ${reason.message}`);
    throw reason;
  }
  const [ses, ...dynamodb] = started.map((s) => (s as PromiseFulfilledResult<StandIn>).value);

  project.provide(
    'dynamodbEndpoints',
    dynamodb.map((d) => d.endpoint),
  );
  project.provide('sesEndpoint', ses!.endpoint);

  return async () => {
    await Promise.allSettled([ses, ...dynamodb].map((standIn) => standIn?.stop()));
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
