/**
 * Bundle size and cold-start init of every manifest function, each against its SDK-only baseline. spec 8: a bundle
 * at most 1.5x, and import + first invocation at most 1.4x (the MCP endpoint 2.6x and 4x), a bundle that only loads the AWS SDK clients the
 * function needs, measured as deployed, interleaved.
 *
 *   npm run bundle-report                    measure, print, rewrite the table in docs/performance.md
 *   npm run bundle-report -- --check         measure, print, exit 1 when a function is over its limit (CI): in
 *                                            size, or in init beyond the noise (judge.ts gateOf)
 *   npm run bundle-report -- --check --strict   the same against spec 8 alone, ignoring ACCEPTED below
 *   npm run bundle-report -- --only health,mcp --rounds 30
 *
 * As deployed: bundled with the stack's esbuild settings (bundle-report/deployed.ts maps BUNDLING from
 * infra/stacks/bundling.ts: ESM, minified, source maps, node22, the AWS SDK inside), run by plain node with the
 * stack's NODE_OPTIONS (--enable-source-maps) and Lambda's environment variables.
 *
 * Init = import + the first invocation, in a fresh node process (bundle-report/probe.mjs): import the bundle, then
 * invoke its handler once with the event its first trigger brings (bundle-report/first-invocation.ts). The AWS SDK
 * talks to a stub on 127.0.0.1 that answers at once (bundle-report/aws-stub.ts): no network, no stand-ins. The
 * baseline (bundle-report/baseline.ts) creates the clients the function's access needs and makes one first call on
 * each client the function's first invocation called.
 *
 * Interleaved and paired: each round runs every function and its baseline back to back (which goes first
 * alternates), one process at a time; a function's init ratio is the median over rounds of the ratio within a
 * round. Of CPU time (user + system of the process), not wall time: on a shared machine the wall clock also counts
 * the time other processes held the core, CPU time only the work done, and that work is what a Lambda init at a
 * fraction of a vCPU pays (docs/performance.md has the measurements behind this choice). Rounds go on, up to
 * --max-rounds and within --budget seconds, for a function whose ratio's 95% interval still straddles its limit,
 * so a clear verdict stops early and a close one gets more samples.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { entryOf, functions } from '../infra/manifest.js';
import { startAwsStub } from './bundle-report/aws-stub.js';
import { baselineSource, type Client, clientsOf } from './bundle-report/baseline.js';
import { firstInvocationOf } from './bundle-report/first-invocation.js';
import { ACCEPTED, gateOf, limitsOf, undecided } from './bundle-report/judge.js';
import { type Bundle, bundle, type Row, runBaseline, runFunction, warmUp } from './bundle-report/measure.js';
import { acceptedNotes, markdownTable, writeReport } from './bundle-report/report.js';

/** Fewest rounds a verdict rests on, whatever the budget. */
const MIN_ROUNDS = 6;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      check: { type: 'boolean', default: false },
      strict: { type: 'boolean', default: false },
      only: { type: 'string' },
      rounds: { type: 'string', default: '10' },
      'max-rounds': { type: 'string', default: '40' },
      budget: { type: 'string', default: '300' },
    },
  });
  const rounds = Number(values.rounds);
  const maxRounds = Math.max(rounds, Number(values['max-rounds']));
  const budgetMs = Number(values.budget) * 1000;
  if (!Number.isInteger(rounds) || rounds < MIN_ROUNDS)
    throw new Error(`--rounds must be an integer >= ${MIN_ROUNDS}, not ${values.rounds}`);
  if (!Number.isFinite(budgetMs))
    throw new Error(`--budget must be a number of seconds, not ${values.budget}`);
  const only = values.only?.split(',');
  const unknown = only?.filter((name) => !functions.some((fn) => fn.name === name)) ?? [];
  if (unknown.length > 0) throw new Error(`No such function in the manifest: ${unknown.join(', ')}`);
  for (const name of Object.keys(ACCEPTED))
    if (!functions.some((fn) => fn.name === name))
      throw new Error(`ACCEPTED names ${name}, not in the manifest`);
  const selected = only ? functions.filter((fn) => only.includes(fn.name)) : functions;
  const strict = values.strict;

  const started = performance.now();
  const outDir = mkdtempSync(join(tmpdir(), 'for-review-bundles-'));
  const stub = await startAwsStub();
  try {
    // One baseline per set of clients: functions with the same access share it.
    const baselines = new Map<string, Promise<Bundle>>();
    const baselineOf = (clients: Client[]) => {
      const key = clients.join('+');
      if (!baselines.has(key))
        baselines.set(key, bundle(outDir, `baseline.${key}`, { contents: baselineSource(clients) }));
      return baselines.get(key) as Promise<Bundle>;
    };
    const rows: Row[] = await Promise.all(
      selected.map(async (fn): Promise<Row> => {
        const clients = clientsOf(fn);
        const { label, caveat } = firstInvocationOf(fn);
        const [fnBundle, baseline] = await Promise.all([
          bundle(outDir, fn.name, { entry: entryOf(fn) }),
          clients.length > 0 ? baselineOf(clients) : undefined,
        ]);
        return {
          fn,
          clients,
          label,
          caveat,
          bundle: fnBundle,
          baseline,
          outcome: '',
          calls: [],
          firstCalls: [],
          fnSamples: [],
          baselineSamples: [],
          problems: [],
        };
      }),
    );
    const builtMs = performance.now() - started;

    for (const row of rows) await warmUp(row, stub);

    for (let round = 0; round < maxRounds; round++) {
      const extra = round >= rounds;
      // The budget bounds the run on a crowded machine: past it, no new round starts once each has MIN_ROUNDS.
      if (round >= MIN_ROUNDS && performance.now() - started > budgetMs) break;
      const pending = extra ? rows.filter((row) => undecided(row, limitsOf(row, strict))) : rows;
      if (pending.length === 0) break;
      for (const row of pending) {
        if (!row.baseline) {
          row.fnSamples.push(await runFunction(row, stub));
          continue;
        }
        const fnFirst = row.fnSamples.length % 2 === 0;
        if (!fnFirst) row.baselineSamples.push(await runBaseline(row, row.baseline, stub));
        row.fnSamples.push(await runFunction(row, stub));
        if (fnFirst) row.baselineSamples.push(await runBaseline(row, row.baseline, stub));
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const stillOpen = rows.filter((row) => undecided(row, limitsOf(row, strict)));
    const most = Math.max(...rows.map((row) => row.fnSamples.length));
    const least = Math.min(...rows.map((row) => row.fnSamples.length));

    const table = markdownTable(rows);
    const notes = [
      `${rows.length} functions, ${rounds} interleaved rounds each and up to ${maxRounds} for a close call ` +
        `(${most > rounds ? `${most} at most here` : least < rounds ? `${least} for some: the ${values.budget} s budget ran out` : 'none needed more'}); ${seconds.toFixed(0)} s in all, ` +
        `${(builtMs / 1000).toFixed(0)} s of it bundling; node ${process.version} on ${cpus().length} x ` +
        `${cpus()[0]?.model.trim() ?? 'an unknown CPU'}.`,
      ...stillOpen.map(
        (row) => `${row.fn.name}: still within the noise of its limit after ${row.fnSamples.length} rounds.`,
      ),
      ...rows.flatMap((row) => (row.caveat ? [`${row.fn.name}: ${row.caveat}.`] : [])),
      ...acceptedNotes(rows),
    ];
    console.log([...table, '', ...notes].join('\n'));

    const gates = rows.map((row) => ({ row, ...gateOf(row, limitsOf(row, strict)) }));
    const failures = gates.flatMap(({ row, failures }) =>
      failures.map((problem) => `${row.fn.name}: ${problem}`),
    );
    for (const { row, undecidedOver } of gates)
      for (const problem of undecidedOver)
        console.error(
          `UNDECIDED ${row.fn.name}: ${problem}, but its 95% interval still straddles the limit after ` +
            `${row.fnSamples.length} rounds (not a failure; judge.ts gateOf)`,
        );
    for (const failure of failures) console.error(`OVER ${failure}`);

    if (values.check) {
      console.log(failures.length === 0 ? '\nEvery function is within its limits.' : '');
      return failures.length > 0 ? 1 : 0;
    }
    if (only) {
      console.log('\n(--only: docs/performance.md is left as it is)');
      return 0;
    }
    const doc = writeReport([...table, '', ...notes.map((note) => `- ${note}`)]);
    console.log(`\nWrote the table into ${doc}`);
    return 0;
  } finally {
    await stub.close();
    rmSync(outDir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
