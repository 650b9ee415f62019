/**
 * Bundle size and cold-start init of every manifest function, each against a baseline that only loads the
 * AWS SDK clients the function's access needs (SPEC 8: "within a small factor").
 *
 *   npm run bundle-report                 sizes and init times (7 fresh processes per bundle)
 *   npm run bundle-report -- --runs 15    more init samples
 *   npm run bundle-report -- --no-init    sizes only
 *
 * Bundles are built with the same esbuild settings as the CDK stack (infra/stacks/bundling.ts: ESM, minified,
 * node22, platform node, the AWS SDK bundled) into a temporary directory, never into the repository.
 *
 * Size is the check: the script exits 1 when a bundle is more than MAX_SIZE_RATIO times its baseline (or,
 * for a function that uses no AWS SDK client, larger than MAX_BYTES_WITHOUT_SDK). Init time is a benchmark,
 * reported and never asserted: it is the time to `import()` the bundle (parse + module evaluation, which is
 * what a Lambda cold start pays for the code) in a fresh node process, median of the runs.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { type BuildOptions, build } from 'esbuild';
import { type Access, entryOf, type FunctionSpec, functions } from '../infra/manifest.js';
import { ESM_REQUIRE_BANNER, MAIN_FIELDS, NODE_TARGET, PROJECT_ROOT } from '../infra/stacks/bundling.js';

/** A function's bundle may weigh at most this many times the bare SDK clients it needs. */
const MAX_SIZE_RATIO = 3;
/** Ceiling for a function that needs no AWS SDK client at all (so has no baseline to compare with). */
const MAX_BYTES_WITHOUT_SDK = 512 * 1024;

/** What a baseline imports and creates for each kind of access (the same clients shared/ uses). */
const SDK_CLIENTS: Record<keyof Access, string[]> = {
  table: [
    "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
    "import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';",
    'clients.push(DynamoDBDocumentClient.from(new DynamoDBClient({})));',
  ],
  publishEvents: [
    "import { EventBridgeClient } from '@aws-sdk/client-eventbridge';",
    'clients.push(new EventBridgeClient({}));',
  ],
  sendEmail: ["import { SESv2Client } from '@aws-sdk/client-sesv2';", 'clients.push(new SESv2Client({}));'],
  webhookSecret: [
    "import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';",
    'clients.push(new SecretsManagerClient({}));',
  ],
};

/** Placeholder configuration so handlers that read their env at init can be imported outside Lambda. */
const DUMMY_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDBUNDLEREPORT',
  AWS_SECRET_ACCESS_KEY: 'bundle-report',
  TABLE_NAME: 'bundle-report',
  EVENT_BUS_NAME: 'bundle-report',
  SES_CONFIGURATION_SET: 'bundle-report',
  WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bundle-report',
  POWERTOOLS_SERVICE_NAME: 'for-review',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

const ESBUILD: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: NODE_TARGET,
  minify: true,
  mainFields: MAIN_FIELDS,
  banner: { js: ESM_REQUIRE_BANNER },
  logLevel: 'error',
};

interface Bundle {
  file: string;
  bytes: number;
  gzipBytes: number;
}

interface Row {
  fn: FunctionSpec;
  clients: (keyof Access)[];
  bundle: Bundle;
  baseline: Bundle | undefined;
  sizeRatio: number | undefined;
  initMs?: number;
  baselineInitMs?: number;
}

function clientsOf(access: Access): (keyof Access)[] {
  return (Object.keys(SDK_CLIENTS) as (keyof Access)[]).filter((key) => Boolean(access[key]));
}

function baselineSource(clients: (keyof Access)[]): string {
  const lines = clients.flatMap((client) => SDK_CLIENTS[client]);
  return [
    ...lines.filter((line) => line.startsWith('import')),
    'const clients = [];',
    ...lines.filter((line) => !line.startsWith('import')),
    'export const handler = async () => clients.length;',
  ].join('\n');
}

async function bundleFunction(fn: FunctionSpec, outDir: string): Promise<Bundle> {
  const file = join(outDir, fn.name, 'index.mjs');
  await build({ ...ESBUILD, entryPoints: [join(PROJECT_ROOT, entryOf(fn))], outfile: file });
  return measure(file);
}

async function bundleBaseline(fn: FunctionSpec, clients: (keyof Access)[], outDir: string): Promise<Bundle> {
  const file = join(outDir, fn.name, 'baseline.mjs');
  await build({
    ...ESBUILD,
    stdin: {
      contents: baselineSource(clients),
      resolveDir: PROJECT_ROOT,
      sourcefile: `${fn.name}-baseline.mjs`,
    },
    outfile: file,
  });
  return measure(file);
}

function measure(file: string): Bundle {
  const code = readFileSync(file);
  return { file, bytes: code.length, gzipBytes: gzipSync(code).length };
}

/** Median time to import the bundle in fresh node processes. */
function initMs(file: string, runs: number): number {
  const probe = [
    'const start = performance.now();',
    `await import(${JSON.stringify(`file://${file}`)});`,
    'process.stdout.write(String(performance.now() - start));',
    'process.exit(0);',
  ].join(' ');
  const samples = Array.from({ length: runs }, () =>
    Number(
      execFileSync(process.execPath, ['--input-type=module', '-e', probe], {
        env: { PATH: process.env.PATH, ...DUMMY_ENV },
        encoding: 'utf8',
      }),
    ),
  );
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] ?? Number.NaN;
}

function sizeProblem(row: Row): string | undefined {
  if (row.sizeRatio !== undefined && row.sizeRatio > MAX_SIZE_RATIO) {
    return `${row.fn.name}: ${row.sizeRatio.toFixed(2)}x its SDK baseline (max ${MAX_SIZE_RATIO}x)`;
  }
  if (row.baseline === undefined && row.bundle.bytes > MAX_BYTES_WITHOUT_SDK) {
    return `${row.fn.name}: ${kb(row.bundle.bytes)} KB without any SDK client (max ${kb(MAX_BYTES_WITHOUT_SDK)} KB)`;
  }
  return undefined;
}

const kb = (bytes: number) => (bytes / 1024).toFixed(0);
const ms = (value: number | undefined) => (value === undefined ? '' : value.toFixed(0));
const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined ? '' : `${(a / b).toFixed(2)}x`;

function printTable(rows: Row[], withInit: boolean): void {
  const header = ['function', 'SDK clients', 'KB', 'gzip KB', 'baseline KB', 'size ratio'];
  if (withInit) header.push('init ms', 'baseline init ms', 'init ratio');
  const lines = rows.map((row) => {
    const cells = [
      row.fn.name,
      row.clients.join('+') || '(none)',
      kb(row.bundle.bytes),
      kb(row.bundle.gzipBytes),
      row.baseline ? kb(row.baseline.bytes) : '-',
      row.sizeRatio === undefined ? '-' : `${row.sizeRatio.toFixed(2)}x`,
    ];
    if (withInit) cells.push(ms(row.initMs), ms(row.baselineInitMs), ratio(row.initMs, row.baselineInitMs));
    return cells;
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((cells) => cells[i]?.length ?? 0)));
  const format = (cells: string[]) =>
    cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  console.log(format(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const cells of lines) console.log(format(cells));
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '7' }, 'no-init': { type: 'boolean', default: false } },
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`--runs must be a positive integer, not ${values.runs}`);
  const withInit = !values['no-init'];

  const outDir = mkdtempSync(join(tmpdir(), 'for-review-bundles-'));
  try {
    const rows: Row[] = await Promise.all(
      functions.map(async (fn) => {
        const clients = clientsOf(fn.access);
        const [bundle, baseline] = await Promise.all([
          bundleFunction(fn, outDir),
          clients.length > 0 ? bundleBaseline(fn, clients, outDir) : undefined,
        ]);
        return { fn, clients, bundle, baseline, sizeRatio: baseline && bundle.bytes / baseline.bytes };
      }),
    );

    if (withInit) {
      // One at a time, so runs do not compete for the CPU.
      for (const row of rows) {
        row.initMs = initMs(row.bundle.file, runs);
        if (row.baseline) row.baselineInitMs = initMs(row.baseline.file, runs);
      }
    }

    printTable(rows, withInit);
    console.log(
      `\nSize check: at most ${MAX_SIZE_RATIO}x the SDK baseline (${kb(MAX_BYTES_WITHOUT_SDK)} KB without SDK).` +
        (withInit ? ` Init: median of ${runs} fresh node ${process.version} processes (not checked).` : ''),
    );
    const problems = rows.flatMap((row) => sizeProblem(row) ?? []);
    for (const problem of problems) console.error(`TOO LARGE ${problem}`);
    return problems.length > 0 ? 1 : 0;
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
