/** The statistics of the bundle report: medians of paired ratios, and how far they can be trusted. */

import { median as medianOrNull } from '../../shared/domain/median.js';

/** The median (shared/domain/median.ts), NaN for no values: a ratio of nothing measured. */
export const median = (values: readonly number[]): number => medianOrNull(values) ?? Number.NaN;

/** The k-th smallest value (1-based). */
const nth = (sorted: readonly number[], k: number) =>
  sorted[Math.min(Math.max(k, 1), sorted.length) - 1] as number;

/**
 * A distribution-free confidence interval for the median of `values` (at least 95% for 6 values or more): the
 * order statistics whose ranks the binomial distribution B(n, 1/2) puts 1.96 standard deviations each side of
 * the middle. It makes no assumption about the noise, which on a busy machine is anything but normal.
 */
export function medianInterval(values: readonly number[]): { low: number; high: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const half = 0.98 * Math.sqrt(n);
  const lowRank = Math.floor(n / 2 - half);
  const highRank = Math.ceil(1 + n / 2 + half);
  return { low: nth(sorted, lowRank), high: nth(sorted, highRank) };
}

/** Ratios of paired samples, `a[i] / b[i]`. */
export function pairedRatios(a: readonly number[], b: readonly number[]): number[] {
  if (a.length !== b.length) throw new Error(`Unpaired samples: ${a.length} and ${b.length}`);
  return a.map((value, i) => value / (b[i] as number));
}
