/**
 * Judging: a function's size and init ratios against its SDK-only baseline, its limits (spec 8, or a ceiling it is
 * held to in ACCEPTED) and the verdict.
 */
import { cpuOf, type Row, type Sample } from './measure.js';
import { median, medianInterval, pairedRatios } from './stats.js';

/** spec 8. */
const MAX_SIZE_RATIO = 1.5;
const MAX_INIT_RATIO = 1.4;
/** A function that needs no AWS SDK client has no baseline: its bundle gets this ceiling, its init is reported. */
export const MAX_BYTES_WITHOUT_SDK = 512 * 1024;
/**
 * spec 8's own limits for the MCP endpoint: the MCP SDK's McpServer brings its protocol schemas (hundreds of zod
 * classic schemas built at import), code no request runs (zod v3, zod-to-json-schema, Ajv) and undici.
 */
const SPEC_LIMITS: Record<string, { size: number; init: number }> = {
  mcp: { size: 2.6, init: 4 },
};

/**
 * Functions that do not meet spec 8, each held to a ceiling above its measured figures (so that it gets no worse)
 * with the reason. An entry is a known gap, not a pass: the table marks it "over", `--strict` ignores this list,
 * and an entry that meets spec 8 again is reported for removal. Measured figures: docs/performance.md.
 */
const ZOD = {
  init: 1.65,
  why:
    'their validation (zod/mini, 48 KB, and the schemas each builds on first use), the store, middy and the ' +
    'Powertools logger: measured 1.33-1.44x size (within spec 8), medians 1.26-1.40x init on this 2-core machine, ' +
    'most of them within the noise of 1.4x (docs/performance.md, "Where it stands")',
};
/**
 * The writers that came with the workspace settings and delegation: the whole item writer, which now parses what it
 * writes with the reader's schemas (a writer never stores what its reader refuses, spec 2.4), beside their own
 * schemas: measured 1.51-1.52x size.
 */
const WRITER = {
  size: 1.56,
  why:
    'the item writer parsing each record it writes with the schema that reads it back (spec 2.4), the per-workspace ' +
    'limit and their own request schemas: measured 1.51-1.52x size',
};
/**
 * The jobs that read the `due` index: their first run makes 9 Queries, in parallel (its 8 shards and the unsharded
 * key, docs/table-design.md), to the baseline's 1.
 */
const DUE_JOB = {
  init: 1.6,
  why:
    "a job whose first run makes 9 Queries in parallel (the due index's 8 shards and the unsharded key, " +
    "docs/table-design.md) to its baseline's 1: measured 1.33-1.51x init over two runs",
};
export const ACCEPTED: Record<string, { size?: number; init?: number; why: string }> = {
  'expire-review-items': DUE_JOB,
  // The send hold's job: its first run reads DUE#HOLD's 9 partitions; measured 1.38x and 1.44x init (1.17-1.88).
  'execute-held-items': DUE_JOB,
  'recover-interrupted-sends': DUE_JOB,
  'apply-delegations': {
    ...DUE_JOB,
    size: 1.55,
    why: `${DUE_JOB.why}; with the tenant index's attributes on every record it writes (Table.transact) it measures 1.51x size`,
  },
  // A job of the due index too: its first run reads DUE#PRIVACY's 9 partitions (18 Queries when it was measured).
  'run-privacy-jobs': {
    size: 1.55,
    init: 2,
    why:
      "the erasure walk beside the item writer, for a job whose first run reads DUE#PRIVACY's 9 partitions in " +
      "parallel to its baseline's 1 (18 Queries when measured, before one read served both kinds): measured 1.50x size, 1.82x init " +
      '(1.63-1.99, 6 rounds on a loaded machine)',
  },
  'delete-workspace': {
    init: 1.6,
    why:
      'the whole review store (the privacy repository) to write one record: measured 1.46x size, 1.42x init ' +
      '(1.32-1.71, 6 rounds on a loaded machine)',
  },
  'get-erasure': ZOD,
  'get-settings': ZOD,
  'record-email-delivery': ZOD,
  'apply-record-changed': {
    init: 1.6,
    why:
      "the record kind's drift classification and, since the send hold, the hold's cancellation (hold-cancel.ts) " +
      'beside the item writer: measured 1.42x init (1.28-1.59, 6 rounds on a loaded machine), 1.46x size',
  },
  'ingest-proposal': {
    init: 1.75,
    why: `${ZOD.why}; its first invocation parses a proposal, so it builds the proposal schemas of every draft kind (measured 1.35-1.52x)`,
  },
  'apply-member-change': ZOD,
  'list-review-items': ZOD,
  'get-review-summary': ZOD,
  'get-review-item': ZOD,
  'list-record-review-items': ZOD,
  'approve-review-item': ZOD,
  // Bulk approve and dismiss: approve-review-item's modules (the hold, the settings) for many items; measured 1.44x
  // size, 1.40x init (1.23-1.46) after 29 rounds, over spec 8's 1.4x by its median's last digit.
  'decide-review-items': ZOD,
  // get-review-item's modules and the history reader; measured 1.39x init (1.19-1.50) after 29 rounds.
  'get-review-item-history': ZOD,
  'dismiss-review-item': ZOD,
  // The send hold's undo route: dismiss-review-item's modules (decide.ts, the store); measured 1.46x size, 1.33-1.37x init.
  'undo-review-item': ZOD,
  // Measured 1.40-1.43x init since the item writer parses what it writes; its size meets spec 8.
  'edit-review-item': ZOD,
  'get-review-stats': ZOD,
  'list-automations': ZOD,
  'republish-record-changes': ZOD,
  'reassign-review-item': ZOD,
  'get-review-feedback': ZOD,
  'put-delegation': { ...WRITER, init: ZOD.init },
  'delete-delegation': WRITER,
  'put-settings': {
    size: WRITER.size,
    init: 1.8,
    why: `${WRITER.why}; its first invocation builds the settings schema with every bound (measured 1.45-1.69x init, 10 rounds, wide intervals)`,
  },
  'request-erasure': {
    size: WRITER.size,
    init: 1.7,
    why: `${WRITER.why}; it carries the whole review store (the item writer and the erasure walk) to write one record: measured 1.55x size, 1.57x init (one run, on a loaded machine)`,
  },
  'apply-tallies': {
    init: 1.6,
    why:
      'after counting a batch it looks at the steps whose trust counters moved (shared/store/trust-changes.ts: the ' +
      'Clopper–Pearson bound, the settings reader, the outbox record): measured 1.41-1.52x init (medians of 9-10 ' +
      'rounds, intervals 1.01-2.26)',
  },
  'mark-overdue-items': {
    size: 1.55,
    init: 1.6,
    why:
      'the whole item writer (its marks are item changes with history, events and tallies) and the settings, for ' +
      'a job that makes 8 Queries on its first run: measured 1.46-1.58x init; the retention stamps it also gives ' +
      '(shared/use-cases/retention.ts) bring it to 1.51x size',
  },
  'receive-email-webhook': {
    size: 1.56,
    init: 1.7,
    why: `${ZOD.why}; its first invocation also loads Powertools Parameters and makes 4 AWS calls to the baseline's 2 (measured 1.28-1.37x); the item writer parsing what it writes brings it to 1.52x size`,
  },
  mcp: {
    init: 4.5,
    why:
      "the SDK's McpServer (see SPEC_LIMITS) beside the service's own zod/mini schemas: measured 2.50-2.54x size, " +
      '3.1-3.9x init, the 95% interval reaching past 4x on this 2-core machine',
  },
};

export interface Limits {
  size: number;
  init: number;
  accepted: boolean;
}

export function initRatio(row: Row, metric: (s: Sample) => number) {
  if (!row.baseline || row.fnSamples.length === 0) return undefined;
  const ratios = pairedRatios(row.fnSamples.map(metric), row.baselineSamples.map(metric));
  return { ratio: median(ratios), ...medianInterval(ratios) };
}

export const sizeRatio = (row: Row) => (row.baseline ? row.bundle.bytes / row.baseline.bytes : undefined);

export function limitsOf(row: Row, strict: boolean): Limits {
  const spec = SPEC_LIMITS[row.fn.name] ?? { size: MAX_SIZE_RATIO, init: MAX_INIT_RATIO };
  const accepted = strict ? undefined : ACCEPTED[row.fn.name];
  return {
    size: accepted?.size ?? spec.size,
    init: accepted?.init ?? spec.init,
    accepted: accepted !== undefined,
  };
}

/** The 95% interval of its init ratio still straddles its limit. */
export function undecided(row: Row, limits: Limits): boolean {
  const init = initRatio(row, cpuOf);
  return init !== undefined && init.low <= limits.init && init.high > limits.init;
}

const INIT_PROBLEM = 'import + first invocation';

/**
 * What fails `--check`: every size problem (bundles are deterministic), and an init ratio over its limit beyond the
 * noise, its 95% interval wholly above the limit. A median over its limit while the interval still straddles it,
 * after the extra rounds a close call gets, is `undecidedOver`: printed, not failed. On this 2-core machine a function
 * near its limit moves by up to 0.15 from one run to the next, so failing on such a median failed CI on a coin
 * toss (decide-review-items at 1.40x, 1.23-1.46; delete-delegation at 1.42x, 1.30-1.52). The price: after 30-40
 * rounds the interval is about ±0.1 wide here, so a function fails in init once it is about 0.1 over its limit, not
 * at its first 0.01; a function held to an ACCEPTED ceiling keeps its ceiling, and the table still says "close".
 */
export function gateOf(row: Row, limits: Limits): { failures: string[]; undecidedOver: string[] } {
  const problems = problemsOf(row, limits);
  const init = initRatio(row, cpuOf);
  const withinNoise = init !== undefined && init.ratio > limits.init && undecided(row, limits);
  const initProblem = withinNoise ? problems.find((problem) => problem.startsWith(INIT_PROBLEM)) : undefined;
  return {
    failures: problems.filter((problem) => problem !== initProblem),
    undecidedOver: initProblem ? [initProblem] : [],
  };
}

/** What is over which limit (empty when the function is within its limits). */
function problemsOf(row: Row, limits: Limits): string[] {
  const problems = [...row.problems];
  const size = sizeRatio(row);
  const init = initRatio(row, cpuOf);
  const held = limits.accepted ? ' (its accepted ceiling in ACCEPTED)' : ' (spec 8)';
  if (size !== undefined && size > limits.size)
    problems.push(`bundle ${x(size)} its SDK baseline, over ${x(limits.size)}${held}`);
  if (!row.baseline && row.bundle.bytes > MAX_BYTES_WITHOUT_SDK)
    problems.push(
      `bundle ${kb(row.bundle.bytes)} KB without any SDK client, over ${kb(MAX_BYTES_WITHOUT_SDK)} KB`,
    );
  if (init && init.ratio > limits.init)
    problems.push(`${INIT_PROBLEM} ${x(init.ratio)} its SDK baseline, over ${x(limits.init)}${held}`);
  return problems;
}

/**
 * Against spec 8 alone. A function on spec 8's limits gets the gate's own verdict (the median, after the extra
 * rounds a close call gets; 'close' when the median is over but its interval still straddles the limit). One held
 * to an ACCEPTED ceiling gets no extra rounds for spec 8's limit, so it is 'meets' or 'over' only when the 95%
 * interval says so, and 'close' while the interval straddles spec 8's limit.
 */
export function specVerdict(row: Row): 'meets' | 'over' | 'close' {
  const spec = limitsOf(row, true);
  const gate = gateOf(row, spec);
  const overall = gate.failures.length > 0 ? 'over' : gate.undecidedOver.length > 0 ? 'close' : 'meets';
  const init = initRatio(row, cpuOf);
  if (!ACCEPTED[row.fn.name] || !init) return overall;
  const sizeOver = problemsOf({ ...row, fnSamples: [], baselineSamples: [] }, spec).length > 0;
  if (sizeOver || init.low > spec.init) return 'over';
  return init.high <= spec.init ? 'meets' : 'close';
}

export const kb = (bytes: number) => (bytes / 1024).toFixed(0);
export const x = (value: number) => `${value.toFixed(2)}x`;
