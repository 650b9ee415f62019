import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { localClient } from '../../infra/local/dynamodb-local.js';
import { streamConsumers } from '../../infra/manifest.js';
import { createDocumentClient, documentClient } from '../../shared/aws-clients.js';
import { countRequests, elapsedMs } from './measure.js';
import { type Context, eventBridgeFor, ingestPattern, readPatterns, webhookPattern } from './patterns.js';
import { type Figure, measurePattern, measureRawQueue, type RawComparison, report } from './report.js';
import { startBenchStack, stopBenchStack, writeDocsSection } from './stack.js';
import { ADMIN, ALICE, ALICE_ITEMS, BOB, CAROL, type Seeded, seedTo } from './workspace.js';

const DEFAULT_SIZES = [100, 1_000, 10_000, 100_000];
const BEGIN = '<!-- bench:begin (written by npm run bench; edits here are lost) -->';
const END = '<!-- bench:end -->';

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // spec 8 "Bursts": a benchmark of its own (scripts/bench/burst.ts).
  if (process.argv.includes('--burst')) {
    const { burstBenchmark } = await import('./burst.js');
    return burstBenchmark(process.argv.slice(2));
  }
  // spec 3 "Delegation": a member's 10⁴ open items (scripts/bench/delegation.ts).
  if (process.argv.includes('--delegation')) {
    const { delegationBenchmark } = await import('./delegation.js');
    return delegationBenchmark(process.argv.slice(2));
  }
  // spec 3 "Overdue and escalation": the job at 10⁵ open items (scripts/bench/overdue.ts).
  if (process.argv.includes('--overdue')) {
    const { overdueBenchmark } = await import('./overdue.js');
    return overdueBenchmark(process.argv.slice(2));
  }
  // spec 3 "Data lifecycle": deleting a workspace of 10⁴ items, with a crash midway (scripts/bench/workspace-deletion.ts).
  if (process.argv.includes('--workspace-deletion')) {
    const { workspaceDeletionBenchmark } = await import('./workspace-deletion.js');
    return workspaceDeletionBenchmark(process.argv.slice(2));
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

  // Only apply-tallies reads the stream: the changes the patterns make (ingest, the webhook's resolutions) are
  // counted as in AWS, so the summaries stay exact; the seeded items come counted (bulk-load.ts) and publishing their
  // 10⁵ events would only load the machine.
  const stack = await startBenchStack('bench', {
    streamConsumers: streamConsumers.filter((consumer) => consumer.fn.name === 'apply-tallies'),
  });
  const { dynamodb, runtime, stops } = stack;
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
      // The changes of the last size's patterns are counted (apply-tallies) before this size's are measured.
      await runtime.idle();
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
    if (!values['no-docs'] && (complete || values.write)) await writeDocsSection(BEGIN, END, markdown);
    else console.error('docs/performance.md left as it is (not every size measured; --write writes anyway)');
    if (figures.some((f) => f.problems.length > 0 || f.requests.max > f.bound)) process.exitCode = 1;
  } finally {
    await stopBenchStack(stack);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
