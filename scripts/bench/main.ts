/**
 * `npm run bench [-- --sizes 100,1000] [--samples 30] [--write | --no-docs]`: SPEC 8 "Flat at scale", measured.
 * `npm run bench -- --burst [...]`: SPEC 8 "Bursts" (scripts/bench/burst.ts).
 *
 * Starts its own DynamoDB Local (in memory, a free port), local SES and the local runtime (the very handlers,
 * behind the local gateway and bus), seeds one workspace at 10², 10³, 10⁴ and 10⁵ open items (growing it from one
 * size to the next, scripts/bench/workspace.ts) and, at each size, calls every pattern of SPEC 8 through the API
 * with real JWTs (scripts/bench/patterns.ts), counting the DynamoDB requests the handlers make (a counting
 * middleware on the handlers' own DynamoDB client), timing each call and checking what it answered. Also measures
 * a queue page through the API side by side with the raw DynamoDB requests it needs.
 *
 * Prints the tables and, when every size was measured (or with --write), writes them into docs/performance.md
 * between the `bench:begin` and `bench:end` markers.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { localClient, startDynamoDbLocal } from '../../infra/local/dynamodb-local.js';
import { REPO_ROOT } from '../../infra/local/paths.js';
import { startRuntime } from '../../infra/local/runtime.js';
import { startSesLocal } from '../../infra/local/ses-local.js';
import { createDocumentClient, documentClient } from '../../shared/aws-clients.js';
import { countRequests, elapsedMs } from './measure.js';
import { type Context, eventBridgeFor, ingestPattern, readPatterns, webhookPattern } from './patterns.js';
import { type Figure, measurePattern, measureRawQueue, type RawComparison, report } from './report.js';
import { ADMIN, ALICE, ALICE_ITEMS, BOB, CAROL, type Seeded, seedTo } from './workspace.js';

const DEFAULT_SIZES = [100, 1_000, 10_000, 100_000];
const BEGIN = '<!-- bench:begin (written by npm run bench; edits here are lost) -->';
const END = '<!-- bench:end -->';

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // SPEC 8 "Bursts": a benchmark of its own (scripts/bench/burst.ts).
  if (process.argv.includes('--burst')) {
    const { burstBenchmark } = await import('./burst.js');
    return burstBenchmark(process.argv.slice(2));
  }
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string' },
      samples: { type: 'string', default: '30' },
      write: { type: 'boolean', default: false },
      'no-docs': { type: 'boolean', default: false },
    },
  });
  const sizes = values.sizes ? values.sizes.split(',').map((s) => Number(s.trim())) : DEFAULT_SIZES;
  if (sizes.some((s) => !Number.isInteger(s) || s < 100) || sizes.some((s, i) => i > 0 && s <= sizes[i - 1]!))
    throw new Error('--sizes: increasing whole numbers of at least 100, e.g. 100,1000');
  const samples = Number(values.samples);
  if (!Number.isInteger(samples) || samples < 1) throw new Error('--samples: a whole number ≥ 1');
  const load = loadavg()[0]!;
  const started = Date.now();

  const dataDir = await mkdtemp(join(tmpdir(), 'for-review-bench-'));
  // The full JIT and the parallel collector: the quick-start flags of `npm start` load 10⁵ items half as fast.
  const dynamodb = await startDynamoDbLocal({ port: 0, jvmFlags: ['-XX:+UseParallelGC', '-Xms2g'] });
  const ses = await startSesLocal({ port: 0 });
  const runtime = await startRuntime({
    port: 0,
    eventsPort: 0,
    dynamodbEndpoint: dynamodb.endpoint,
    sesEndpoint: ses.endpoint,
    inMemory: true,
    dataDir,
    tableName: 'bench',
    eventBusName: 'for-review',
    logLevel: 'warn',
    powertoolsLogLevel: 'SILENT',
    scheduleTimers: false,
    // Nothing reads the stream: publishing the seeded items' 10⁵ events would only load the machine.
    streamConsumers: [],
    env: {},
  });
  const stops: (() => Promise<void> | void)[] = [
    () => rm(dataDir, { recursive: true, force: true }),
    () => dynamodb.stop(),
    () => ses.stop(),
    () => runtime.stop(),
  ];
  try {
    // The handlers' own client (created once per process, as in a Lambda container): its requests are counted.
    const handlersCounter = countRequests(documentClient());
    // Seeding and the raw side of the comparison: a client of its own, counted apart.
    const rawDb = createDocumentClient(localClient(dynamodb.endpoint));
    stops.push(() => rawDb.destroy());
    const rawCounter = countRequests(rawDb);

    const tokens = Object.fromEntries(
      await Promise.all(
        [ALICE, BOB, ADMIN, CAROL].map(async (user) => [user, await runtime.token('ws_bench', user)]),
      ),
    );
    const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
    const { StreamableHTTPClientTransport } = await import(
      '@modelcontextprotocol/sdk/client/streamableHttp.js'
    );
    const mcp: Context['mcp'] = {};
    for (const user of [ALICE, ADMIN]) {
      const client = new Client({ name: 'for-review-bench', version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${runtime.urls.api}/mcp`), {
          requestInit: { headers: { Authorization: `Bearer ${tokens[user]}` } },
        }),
      );
      stops.push(() => client.close());
      mcp[user] = client;
    }
    const eventBridge = eventBridgeFor(runtime);
    stops.push(() => eventBridge.destroy());

    let seeded: Seeded = { items: 0, bobItems: 0, directory: 0 };
    const context: Context = { runtime, tokens, mcp, eventBridge, seeded, resolved: 0, ingests: 0 };
    const figures: Figure[] = [];
    const raw: RawComparison[] = [];
    const seeding: { size: number; ms: number }[] = [];

    for (const size of sizes) {
      const seedStart = process.hrtime.bigint();
      let reported = seedStart;
      seeded = await seedTo(rawDb, runtime.tableName, seeded, size, (loaded) => {
        if (elapsedMs(reported) < 60_000) return;
        reported = process.hrtime.bigint();
        console.error(
          `  seeding: ${loaded} of Bob's ${size - ALICE_ITEMS} items written, ${(elapsedMs(seedStart) / 1000).toFixed(0)} s`,
        );
      });
      context.seeded = seeded;
      const ms = elapsedMs(seedStart);
      seeding.push({ size, ms });
      console.error(
        `seeded ${size} open items, ${seeded.directory} directory members: ${(ms / 1000).toFixed(1)} s`,
      );

      // The cursor of Alice's first workspace page (her last page is measured from it).
      const first = await fetch(`${runtime.urls.api}/review-items?scope=workspace`, {
        headers: { authorization: `Bearer ${tokens[ALICE]}` },
      });
      const secondPage = ((await first.json()) as { nextCursor: string }).nextCursor;
      const patterns = [
        ...readPatterns(context, () => secondPage),
        ingestPattern(context),
        webhookPattern(context),
      ];
      for (const pattern of patterns) {
        const figure = await measurePattern(pattern, size, seeded.directory, samples, handlersCounter);
        figures.push(figure);
        console.error(
          `  ${size}: ${pattern.name} (${pattern.caller}): ${figure.requests.max} requests, ${figure.items} items, p50 ${figure.p50.toFixed(1)} ms${figure.problems.length ? ` ✗ ${figure.problems.join('; ')}` : ''}`,
        );
      }
      raw.push(
        await measureRawQueue(context, rawDb, runtime.tableName, size, samples, handlersCounter, rawCounter),
      );
      const last = raw.at(-1)!;
      console.error(
        `  ${size}: queue page through the API ${last.api.p50.toFixed(1)} ms vs raw ${last.raw.p50.toFixed(1)} ms (${last.api.requests} vs ${last.raw.requests} requests)`,
      );
    }

    const markdown = report({
      sizes,
      figures,
      raw,
      seeding,
      samples,
      machine: `node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GB; load average ${load.toFixed(1)} at the start`,
      date: new Date().toISOString().slice(0, 10),
      totalSeconds: (Date.now() - started) / 1000,
    });
    console.log(markdown);
    const complete = DEFAULT_SIZES.every((s) => sizes.includes(s));
    if (!values['no-docs'] && (complete || values.write)) await writeDocs(markdown);
    else console.error('docs/performance.md left as it is (not every size measured; --write writes anyway)');
    if (figures.some((f) => f.problems.length > 0 || f.requests.max > f.bound)) process.exitCode = 1;
  } finally {
    for (const stop of stops.reverse()) await Promise.resolve(stop()).catch(() => undefined);
  }
}

async function writeDocs(markdown: string): Promise<void> {
  const file = join(REPO_ROOT, 'docs/performance.md');
  const text = await readFile(file, 'utf8');
  const begin = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`docs/performance.md has no ${BEGIN} … ${END} section`);
  await writeFile(file, `${text.slice(0, begin + BEGIN.length)}\n${markdown}\n${text.slice(end)}`);
  console.error('wrote docs/performance.md');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
