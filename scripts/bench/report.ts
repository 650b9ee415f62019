/**
 * Measuring a pattern over bounded calls, the API-versus-raw comparison of a queue page, and the markdown tables.
 */

import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { memberKeys } from '../../shared/store/entities/member.js';
import { queueKeys } from '../../shared/store/entities/queue-entry.js';
import { elapsedMs, quantile, type RequestCounter } from './measure.js';
import { type Context, PAGE, type Pattern } from './patterns.js';
import { BOB, WORKSPACE_ID } from './workspace.js';

/** Calls before the measured ones: the handler's import and its first connections are not what is measured. */
const WARM_UP = 2;

export interface Figure {
  pattern: string;
  caller: string;
  /** spec 8's most requests (plus the matches for the webhook). */
  bound: number;
  list: boolean;
  size: number;
  directory: number;
  requests: { min: number; max: number };
  byCommand: Record<string, number>;
  items: number;
  last: boolean | undefined;
  p50: number;
  p95: number;
  bytes: number;
  problems: string[];
}

export async function measurePattern(
  pattern: Pattern,
  size: number,
  directory: number,
  samples: number,
  counter: RequestCounter,
): Promise<Figure> {
  const times: number[] = [];
  const requests: number[] = [];
  const bytes: number[] = [];
  const problems = new Set<string>();
  let byCommand: Record<string, number> = {};
  let items = 0;
  let last: boolean | undefined;
  let matches = 0;
  for (let i = 0; i < WARM_UP + samples; i++) {
    counter.reset();
    const start = process.hrtime.bigint();
    const answer = await pattern.call(i);
    const ms = elapsedMs(start);
    const verdict = pattern.check(answer);
    for (const problem of verdict.problems) problems.add(problem);
    if (i < WARM_UP) continue;
    times.push(ms);
    requests.push(counter.total);
    bytes.push(answer.bytes);
    byCommand = { ...counter.byCommand };
    items = verdict.items;
    last = verdict.last;
    matches = Math.max(matches, verdict.items);
  }
  const bound = pattern.bound + (pattern.perMatch ? matches : 0);
  const figure: Figure = {
    pattern: pattern.name,
    caller: pattern.caller,
    bound,
    list: pattern.list ?? false,
    size,
    directory,
    requests: { min: Math.min(...requests), max: Math.max(...requests) },
    byCommand,
    items,
    last,
    p50: quantile(times, 0.5),
    p95: quantile(times, 0.95),
    bytes: quantile(bytes, 0.5),
    problems: [...problems],
  };
  if (figure.requests.min === 0) figure.problems.push('no DynamoDB request counted: the counter missed them');
  if (figure.requests.max > bound) figure.problems.push(`${figure.requests.max} requests, over ${bound}`);
  return figure;
}

interface Timed {
  requests: number;
  p50: number;
  p95: number;
}

export interface RawComparison {
  size: number;
  api: Timed;
  raw: Timed;
}

/**
 * Bob's queue page through the API, and the raw requests it needs made with a DynamoDB client of its own (his
 * member record ∥ the queue partition's newest `limit + 1` rows), called in turn (the order alternating) so both
 * see the same machine.
 */
export async function measureRawQueue(
  context: Context,
  db: DynamoDBDocumentClient,
  tableName: string,
  size: number,
  samples: number,
  apiCounter: RequestCounter,
  rawCounter: RequestCounter,
): Promise<RawComparison> {
  const api = async () => {
    const response = await fetch(`${context.runtime.urls.api}/review-items?limit=${PAGE}`, {
      headers: { authorization: `Bearer ${context.tokens[BOB]}` },
    });
    const page = (await response.json()) as { items: unknown[] };
    if (response.status !== 200 || page.items.length !== PAGE)
      throw new Error('Bob’s queue page is not full');
  };
  const raw = async () => {
    const [member, queue] = await Promise.all([
      db.send(
        new GetCommand({
          TableName: tableName,
          Key: memberKeys.member(WORKSPACE_ID, BOB),
          ConsistentRead: true,
        }),
      ),
      db.send(
        new QueryCommand({
          TableName: tableName,
          ConsistentRead: true,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': 'pk' },
          ExpressionAttributeValues: { ':pk': queueKeys.pk(WORKSPACE_ID, BOB) },
          ScanIndexForward: false,
          Limit: PAGE + 1,
        }),
      ),
    ]);
    if (!member.Item || queue.Items?.length !== PAGE + 1) throw new Error('the raw queue read is short');
  };
  const times = { api: [] as number[], raw: [] as number[] };
  const requests = { api: 0, raw: 0 };
  for (let i = 0; i < WARM_UP + samples; i++) {
    for (const side of i % 2 === 0 ? (['api', 'raw'] as const) : (['raw', 'api'] as const)) {
      const counter = side === 'api' ? apiCounter : rawCounter;
      counter.reset();
      const start = process.hrtime.bigint();
      await (side === 'api' ? api() : raw());
      const ms = elapsedMs(start);
      if (i < WARM_UP) continue;
      times[side].push(ms);
      requests[side] = Math.max(requests[side], counter.total);
    }
  }
  const timed = (side: 'api' | 'raw'): Timed => ({
    requests: requests[side],
    p50: quantile(times[side], 0.5),
    p95: quantile(times[side], 0.95),
  });
  return { size, api: timed('api'), raw: timed('raw') };
}

// ---------------------------------------------------------------- markdown

const SUPERSCRIPT: Record<string, string> = { '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶' };
const sizeLabel = (size: number) => {
  const exponent = Math.log10(size);
  return Number.isInteger(exponent) && SUPERSCRIPT[String(exponent)]
    ? `10${SUPERSCRIPT[String(exponent)]}`
    : size.toLocaleString('en');
};
const ms = (value: number) => (value < 10 ? value.toFixed(1) : value.toFixed(0));
const kb = (bytes: number) => (bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KB`);

export interface ReportInput {
  sizes: number[];
  figures: Figure[];
  raw: RawComparison[];
  seeding: { size: number; ms: number }[];
  samples: number;
  machine: string;
  date: string;
  totalSeconds: number;
}

export function report(input: ReportInput): string {
  const { sizes, figures } = input;
  const patterns = [...new Set(figures.map((f) => `${f.pattern}\u0000${f.caller}`))];
  const cell = (key: string, size: number) =>
    figures.find((f) => `${f.pattern}\u0000${f.caller}` === key && f.size === size);
  const header = (first: string[], after: string[] = []) =>
    [
      `| ${[...first, ...sizes.map(sizeLabel), ...after].join(' | ')} |`,
      `| ${[...first.map(() => '---'), ...sizes.map(() => '---:'), ...after.map(() => '---')].join(' | ')} |`,
    ].join('\n');

  const requestRows = patterns.map((key) => {
    const [pattern, caller] = key.split('\u0000') as [string, string];
    const row = sizes.map((size) => cell(key, size));
    const present = row.filter((f): f is Figure => f !== undefined);
    const bound = present[0]?.bound ?? 0;
    const flat = present.every((f) => f.requests.max === present[0]?.requests.max);
    const ok = present.every((f) => f.problems.length === 0);
    const verdict = `${flat ? 'flat' : 'not flat'}${ok ? '' : '; ✗ see below'}`;
    const cells = row.map((f) => {
      if (!f) return '-';
      const requests =
        f.requests.min === f.requests.max ? `${f.requests.max}` : `${f.requests.min}–${f.requests.max}`;
      const answered = f.list ? `${f.items}${f.last ? ' (last)' : ''}` : `${f.items}`;
      return `${requests} · ${answered}${f.problems.length ? ' ✗' : ''}`;
    });
    return `| ${pattern} | ${caller} | ≤ ${bound} | ${cells.join(' | ')} | ${verdict} |`;
  });

  const latencyRows = patterns.map((key) => {
    const [pattern, caller] = key.split('\u0000') as [string, string];
    const cells = sizes.map((size) => {
      const f = cell(key, size);
      return f ? `${ms(f.p50)} / ${ms(f.p95)}${f.bytes > 0 ? ` · ${kb(f.bytes)}` : ''}` : '-';
    });
    return `| ${pattern} | ${caller} | ${cells.join(' | ')} |`;
  });

  const commandsOf = (f: Figure) =>
    Object.entries(f.byCommand)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([command, n]) => (n > 1 ? `${command} ×${n}` : command))
      .join(', ');
  const largest = sizes.at(-1)!;
  const commandRows = patterns.map((key) => {
    const [pattern, caller] = key.split('\u0000') as [string, string];
    const f = cell(key, largest);
    return `| ${pattern} | ${caller} | ${f ? commandsOf(f) : '-'} |`;
  });

  const rawRows = input.raw.map(({ size, api, raw }) => {
    const ratio = api.p50 / raw.p50;
    return `| ${sizeLabel(size)} | ${api.requests} | ${raw.requests} | ${(api.requests / raw.requests).toFixed(2)}x | ${ms(api.p50)} / ${ms(api.p95)} | ${ms(raw.p50)} / ${ms(raw.p95)} | ${ratio.toFixed(2)}x |`;
  });

  const problems = figures
    .filter((f) => f.problems.length > 0)
    .map((f) => `- ${sizeLabel(f.size)}, ${f.pattern} (${f.caller}): ${f.problems.join('; ')}`);

  const directories = sizes.map((size) => {
    const f = figures.find((x) => x.size === size);
    return `${sizeLabel(size)}: ${f?.directory.toLocaleString('en') ?? '?'}`;
  });
  const seeding = input.seeding.map(({ size, ms: t }) => `${sizeLabel(size)} ${(t / 1000).toFixed(0)} s`);

  return [
    `Measured ${input.date} with ${input.machine}; ${input.samples} calls per pattern and size after 2 warm-up calls; ${input.totalSeconds.toFixed(0)} s in all (seeding, cumulative from one size to the next: ${seeding.join(', ')}). Directory members by size: ${directories.join(', ')}.`,
    '',
    '**DynamoDB requests per answer · items answered** (the most requests over the calls, or min–max; "(last)": no next cursor; the summary answers its 5 latest items; ingest creates and the webhook resolves one item):',
    '',
    header(['pattern', 'caller', 'spec 8'], ['across sizes']),
    ...requestRows,
    '',
    "**Latency p50 / p95 in ms · answer size** (wall time at the caller: HTTP, the gateway's JWT check, the handler, DynamoDB Local; ingest from PutEvents until the ingest function is done):",
    '',
    header(['pattern', 'caller']),
    ...latencyRows,
    '',
    `**Which requests, at ${sizeLabel(largest)}:**`,
    '',
    '| pattern | caller | requests |',
    '| --- | --- | --- |',
    ...commandRows,
    '',
    "**A queue page through the API against the raw DynamoDB requests it needs** (Bob's queue, 25 items; raw: GetItem of his member record ∥ Query of his queue partition for 26 rows, a client of its own; called in turn, the order alternating):",
    '',
    '| items | API requests | raw requests | requests ratio | API p50 / p95 ms | raw p50 / p95 ms | latency ratio (p50) |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rawRows,
    '',
    problems.length > 0
      ? ['**Not as spec 8 says:**', '', ...problems].join('\n')
      : 'Every answer was as spec 8 says (its checks passed on every call).',
  ].join('\n');
}
