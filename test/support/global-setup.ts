/**
 * Starts the run's stand-ins once: DynamoDB Local (in memory, on a free port) and local SES (free port),
 * hands their endpoints to every test file (`inject('dynamodbEndpoint')`, `inject('sesEndpoint')`), and
 * stops both when the run ends, passed or failed. DynamoDB Local is also killed if the run dies.
 *
 * To reuse stand-ins that are already running, set TEST_DYNAMODB_ENDPOINT and/or TEST_SES_ENDPOINT.
 */
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../infra/local/dynamodb-local.js';
import { StartupError } from '../../infra/local/errors.js';
import { startSesLocal } from '../../infra/local/ses-local.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
    sesEndpoint: string;
  }
}

interface StandIn {
  endpoint: string;
  stop(): Promise<void>;
}

const external = (endpoint: string): StandIn => ({ endpoint, stop: async () => undefined });

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const given = {
    dynamodb: nonEmpty(process.env.TEST_DYNAMODB_ENDPOINT),
    ses: nonEmpty(process.env.TEST_SES_ENDPOINT),
  };

  const [dynamodb, ses] = await Promise.allSettled([
    given.dynamodb ? external(given.dynamodb) : startDynamoDbLocal(),
    given.ses ? external(given.ses) : startSesLocal(),
  ]);
  if (dynamodb.status === 'rejected' || ses.status === 'rejected') {
    await Promise.allSettled(
      [dynamodb, ses].map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)),
    );
    const failure =
      dynamodb.status === 'rejected' ? dynamodb.reason : ses.status === 'rejected' ? ses.reason : undefined;
    if (failure instanceof StartupError)
      throw new Error(`Test stand-ins could not start: ${failure.message}`);
    throw failure;
  }

  project.provide('dynamodbEndpoint', dynamodb.value.endpoint);
  project.provide('sesEndpoint', ses.value.endpoint);

  return async () => {
    await Promise.allSettled([dynamodb.value.stop(), ses.value.stop()]);
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
