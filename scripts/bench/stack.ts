/**
 * What both benchmarks run on: their own DynamoDB Local (in memory, a free port, the full JIT and the parallel
 * collector: the quick-start flags of `npm start` load 10⁵ items half as fast), local SES and the local runtime, and
 * the writing of their section of docs/performance.md.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../infra/local/dynamodb-local.js';
import { REPO_ROOT } from '../../infra/local/paths.js';
import { type RuntimeHandle, type RuntimeOptions, startRuntime } from '../../infra/local/runtime.js';
import { startSesLocal } from '../../infra/local/ses-local.js';

export interface BenchStack {
  dynamodb: DynamoDbLocal;
  runtime: RuntimeHandle;
  /** Stops everything, the last started first; more stops can be pushed. */
  stops: (() => Promise<void> | void)[];
}

export async function startBenchStack(
  tableName: string,
  options: Pick<RuntimeOptions, 'streamConsumers' | 'conflictWindowMs'>,
): Promise<BenchStack> {
  const dataDir = await mkdtemp(join(tmpdir(), `for-review-${tableName}-`));
  const dynamodb = await startDynamoDbLocal({ port: 0, jvmFlags: ['-XX:+UseParallelGC', '-Xms2g'] });
  const ses = await startSesLocal({ port: 0 });
  const runtime = await startRuntime({
    port: 0,
    eventsPort: 0,
    dynamodbEndpoint: dynamodb.endpoint,
    sesEndpoint: ses.endpoint,
    inMemory: true,
    dataDir,
    tableName,
    eventBusName: 'for-review',
    logLevel: 'warn',
    powertoolsLogLevel: 'SILENT',
    scheduleTimers: false,
    env: {},
    ...options,
  });
  return {
    dynamodb,
    runtime,
    stops: [
      () => rm(dataDir, { recursive: true, force: true }),
      () => dynamodb.stop(),
      () => ses.stop(),
      () => runtime.stop(),
    ],
  };
}

export async function stopBenchStack(stack: BenchStack): Promise<void> {
  for (const stop of stack.stops.reverse()) await Promise.resolve(stop()).catch(() => undefined);
}

/** Writes `markdown` into docs/performance.md between the section's `begin` and `end` markers. */
export async function writeDocsSection(begin: string, end: string, markdown: string): Promise<void> {
  const file = join(REPO_ROOT, 'docs/performance.md');
  const text = await readFile(file, 'utf8');
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`docs/performance.md has no ${begin} … ${end} section`);
  await writeFile(file, `${text.slice(0, from + begin.length)}\n${markdown}\n${text.slice(to)}`);
  console.error('wrote docs/performance.md');
}
