/**
 * Reporting: the markdown table of every function's figures and verdict, the notes on the accepted gaps, and the
 * table's section in docs/performance.md.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../infra/stacks/bundling.js';
import { ACCEPTED, initRatio, kb, sizeRatio, specVerdict, x } from './judge.js';
import { cpuOf, type Row, wallOf } from './measure.js';
import { rewriteSection } from './report-doc.js';
import { median } from './stats.js';

const DOC = join(PROJECT_ROOT, 'docs', 'performance.md');

function summarizeCalls(calls: string[]): string {
  if (calls.length === 0) return 'no AWS call';
  const counts = new Map<string, number>();
  for (const call of calls) counts.set(call, (counts.get(call) ?? 0) + 1);
  return [...counts].map(([call, n]) => (n > 1 ? `${call} x${n}` : call)).join(', ');
}

/** The accepted gaps, grouped by reason, and the entries spec 8 no longer needs. */
export function acceptedNotes(rows: Row[]): string[] {
  const byReason = new Map<string, string[]>();
  const settled: string[] = [];
  for (const row of rows) {
    const accepted = ACCEPTED[row.fn.name];
    if (!accepted) continue;
    if (specVerdict(row) === 'meets') settled.push(row.fn.name);
    else byReason.set(accepted.why, [...(byReason.get(accepted.why) ?? []), row.fn.name]);
  }
  return [
    ...[...byReason].map(
      ([why, names]) => `Held to a ceiling in ACCEPTED, not meeting spec 8: ${names.join(', ')}: ${why}.`,
    ),
    ...settled.map(
      (name) => `${name} meets spec 8 now: remove it from ACCEPTED in scripts/bundle-report/judge.ts.`,
    ),
  ];
}

export function markdownTable(rows: Row[]): string[] {
  const header = [
    'function',
    'first invocation: outcome, AWS calls',
    'KB (map)',
    'baseline KB',
    'size',
    'init CPU ms',
    'baseline ms',
    'init (95%)',
    'wall',
    'rounds',
    'spec 8',
  ];
  const align = header.map((_, i) => (i < 2 || i === header.length - 1 ? '---' : '---:'));
  const lines = rows.map((row) => {
    const cpu = initRatio(row, cpuOf);
    const wall = initRatio(row, wallOf);
    const size = sizeRatio(row);
    const accepted = ACCEPTED[row.fn.name];
    const spec = specVerdict(row);
    const held = accepted
      ? `; held to ${[accepted.size && `${accepted.size}x size`, accepted.init && `${accepted.init}x init`].filter(Boolean).join(', ')}`
      : '';
    const verdict = `${spec === 'over' && !accepted ? '**over**' : spec}${held}`;
    return [
      `\`${row.fn.name}\``,
      `${row.label}: ${row.outcome}; ${summarizeCalls(row.calls)}`,
      `${kb(row.bundle.bytes)} (${kb(row.bundle.mapBytes)})`,
      row.baseline ? kb(row.baseline.bytes) : '-',
      size === undefined ? '-' : x(size),
      median(row.fnSamples.map(cpuOf)).toFixed(0),
      row.baseline ? median(row.baselineSamples.map(cpuOf)).toFixed(0) : '-',
      cpu ? `${x(cpu.ratio)} (${cpu.low.toFixed(2)}-${cpu.high.toFixed(2)})` : '-',
      wall ? x(wall.ratio) : '-',
      String(row.fnSamples.length),
      verdict,
    ];
  });
  return [header, align, ...lines].map((cells) => `| ${cells.join(' | ')} |`);
}

/** Rewrites the table's section of docs/performance.md; returns the file's path. */
export function writeReport(lines: string[]): string {
  writeFileSync(DOC, rewriteSection(readDoc(), lines));
  return DOC;
}

function readDoc(): string {
  try {
    return readFileSync(DOC, 'utf8');
  } catch {
    return '';
  }
}
