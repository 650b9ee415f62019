/**
 * The full local runtime for an e2e test: free ports, the run's DynamoDB Local and SES reused, a
 * unique table, a throw-away data folder, schedule timers off (use `scheduler.runNow`), quick retries (bus
 * deliveries and stream batches).
 *
 * One runtime per test file: handlers read their configuration once, at import, and a test file's
 * modules are loaded once per file (each file runs in its own process).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RuntimeHandle, type RuntimeOptions, startRuntime } from '../../infra/local/runtime.js';
import { uniqueTableName } from './dynamo.js';
import { dynamodbEndpoint, sesEndpoint } from './endpoints.js';

export async function startTestRuntime(options: RuntimeOptions = {}): Promise<RuntimeHandle> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'for-review-e2e-')));
  const runtime = await startRuntime({
    port: 0,
    eventsPort: 0,
    dynamodbEndpoint: dynamodbEndpoint(),
    sesEndpoint: sesEndpoint(),
    tableName: uniqueTableName('e2e'),
    eventBusName: 'for-review',
    logLevel: 'warn',
    powertoolsLogLevel: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT',
    scheduleTimers: false,
    retryDelaysMs: [20, 50],
    streamRetryBackoff: { baseMs: 10, maxMs: 50 },
    env: {},
    ...options,
    dataDir,
  });
  return {
    ...runtime,
    stop: async () => {
      await runtime.stop();
      if (options.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
