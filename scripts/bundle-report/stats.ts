/** The statistics of the bundle report: medians of paired ratios, and how far they can be trusted. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

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
