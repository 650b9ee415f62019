/**
 * The full local runtime for an e2e test: free ports, the run's DynamoDB Local and SES reused, a
 * unique table, a throw-away data folder, schedule timers off (use `scheduler.runNow`), quick retries (bus
 * deliveries and stream batches).
 *
 * One runtime per test file: handlers read their configuration once, at import, and a test file's
 * modules are loaded once per file (each file runs in its own process).
 *
 * Stopping it checks every event its bus carried against the published event schemas (docs/events/, spec 5) and
 * fails when one does not validate (test/support/event-schemas.ts says exactly what is checked): every e2e suite
 * proves the schemas of the events it makes the system publish.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RuntimeHandle, type RuntimeOptions, startRuntime } from '../../infra/local/runtime.js';
import { uniqueTableName } from './dynamo.js';
import { dynamodbEndpoint, sesEndpoint } from './endpoints.js';
import { schemaProblems } from './event-schemas.js';

export interface TestRuntimeOptions extends RuntimeOptions {
  /**
   * Check the bus's events against the published schemas when stopping (default true). Off only for a test
   * whose events are not the system's: records it writes to the table itself, with made-up details.
   */
  checkEventSchemas?: boolean;
}

export async function startTestRuntime({
  checkEventSchemas = true,
  ...options
}: TestRuntimeOptions = {}): Promise<RuntimeHandle> {
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
    retry: { attempts: 3, baseDelayMs: 20, maxDelayMs: 50 },
    streamRetryBackoff: { baseMs: 10, maxMs: 50 },
    env: {},
    ...options,
    dataDir,
  });
  return {
    ...runtime,
    stop: async () => {
      await runtime.stop();
      // After the stop: it waits for deliveries under way, and what they publish counts too.
      const problems = checkEventSchemas ? schemaProblems(runtime.bus.events()) : [];
      if (options.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
      if (problems.length > 0)
        throw new Error(
          `${problems.length} event(s) on the bus do not match the published event schemas (docs/events/):\n` +
            problems.slice(0, 20).join('\n'),
        );
    },
  };
}
