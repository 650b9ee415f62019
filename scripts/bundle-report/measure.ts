/**
 * Measuring: each function and its SDK-only baseline bundled as deployed, and cold starts of a bundle in a fresh
 * node process (probe.mjs) against the AWS stub (aws-stub.ts), with Lambda's environment.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { FunctionSpec } from '../../infra/manifest.js';
import { PROJECT_ROOT } from '../../infra/stacks/bundling.js';
import type { AwsStub } from './aws-stub.js';
import { type Client, clientOfCall } from './baseline.js';
import { esbuildOptionsOf, RUNTIME_NODE_OPTIONS } from './deployed.js';
import { firstInvocationOf } from './first-invocation.js';

const PROBE = join(PROJECT_ROOT, 'scripts', 'bundle-report', 'probe.mjs');

/** Lambda's environment, and the configuration the handlers read at init (placeholders). */
const LAMBDA_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDBUNDLEREPORT',
  AWS_SECRET_ACCESS_KEY: 'bundle-report',
  AWS_SESSION_TOKEN: 'bundle-report',
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
  AWS_LAMBDA_FUNCTION_NAME: 'bundle-report',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
  AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
  LAMBDA_TASK_ROOT: '/var/task',
  TZ: ':UTC',
  LANG: 'en_US.UTF-8',
  TABLE_NAME: 'bundle-report',
  EVENT_BUS_NAME: 'bundle-report',
  SES_CONFIGURATION_SET: 'bundle-report',
  WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bundle-report',
  CURSOR_KEYS_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bundle-report-cursor-keys',
  POWERTOOLS_SERVICE_NAME: 'for-review',
  POWERTOOLS_LOG_LEVEL: 'INFO',
  NODE_OPTIONS: RUNTIME_NODE_OPTIONS,
  // Lambda runs node 22; on an older node the SDK would print (and pay for) a deprecation warning.
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

export interface Bundle {
  file: string;
  bytes: number;
  mapBytes: number;
}

export interface Sample {
  importMs: number;
  invokeMs: number;
  importCpuMs: number;
  invokeCpuMs: number;
  outcome: string;
}

export interface Row {
  fn: FunctionSpec;
  clients: Client[];
  label: string;
  caveat: string | undefined;
  bundle: Bundle;
  baseline: Bundle | undefined;
  /** What the untimed warm-up invocation did. */
  outcome: string;
  calls: string[];
  /** The clients the baseline makes a first call on: those the function's first invocation called. */
  firstCalls: Client[];
  fnSamples: Sample[];
  baselineSamples: Sample[];
  problems: string[];
}

export const cpuOf = (s: Sample) => s.importCpuMs + s.invokeCpuMs;
export const wallOf = (s: Sample) => s.importMs + s.invokeMs;

export async function bundle(outDir: string, name: string, source: { entry: string } | { contents: string }) {
  const { options, extension } = esbuildOptionsOf();
  const file = join(outDir, name, `index${extension}`);
  await build({
    ...options,
    ...('entry' in source
      ? { entryPoints: [join(PROJECT_ROOT, source.entry)] }
      : { stdin: { contents: source.contents, resolveDir: PROJECT_ROOT, sourcefile: `${name}.mjs` } }),
    outfile: file,
  });
  const mapBytes = options.sourcemap ? readFileSync(`${file}.map`).length : 0;
  return { file, bytes: readFileSync(file).length, mapBytes };
}

/** One cold start in a fresh process. */
function coldStart(file: string, event: unknown, stub: AwsStub): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PROBE, file], {
      env: {
        ...LAMBDA_ENV,
        AWS_ENDPOINT_URL: stub.url,
        DEAD_LETTER_QUEUE_URL: `${stub.url}/123456789012/bundle-report-on-failure`,
      },
      stdio: ['pipe', 'ignore', 'pipe', 'pipe'],
    });
    let result = '';
    let stderr = '';
    child.stdio[3]?.on('data', (chunk: Buffer) => {
      result += chunk.toString('utf8');
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0 && result !== '') resolve(JSON.parse(result) as Sample);
      else reject(new Error(`The cold start of ${file} failed (exit ${code}):\n${stderr.slice(-2000)}`));
    });
    child.stdin?.end(JSON.stringify(event));
  });
}

export const runFunction = (row: Row, stub: AwsStub) =>
  coldStart(row.bundle.file, firstInvocationOf(row.fn).event, stub);
export const runBaseline = (row: Row, baseline: Bundle, stub: AwsStub) =>
  coldStart(baseline.file, { calls: row.firstCalls }, stub);

/** The first invocation once, untimed: what it does (outcome, AWS calls), and a warm file cache for both. */
export async function warmUp(row: Row, stub: AwsStub): Promise<void> {
  stub.takeCalls();
  row.outcome = (await runFunction(row, stub)).outcome;
  row.calls = stub.takeCalls();
  const called = new Set<Client>();
  for (const call of row.calls) {
    // One service may serve two of the function's clients (the webhook secret and the cursor keys): any granted one.
    const client = clientOfCall(call, row.clients);
    if (client) called.add(client);
    else row.problems.push(`its first invocation called ${call}, which its manifest access does not grant`);
  }
  row.firstCalls = row.clients.filter((client) => called.has(client));
  if (row.baseline) {
    await runBaseline(row, row.baseline, stub);
    const calls = stub.takeCalls();
    if (calls.length !== row.firstCalls.length)
      throw new Error(`The baseline of ${row.fn.name} made [${calls}] for [${row.firstCalls}]`);
  }
}
