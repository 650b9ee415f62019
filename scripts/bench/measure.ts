/**
 * What the benchmark measures of one call: the DynamoDB requests the system made for it (counted at the client,
 * one per `send`, as the tests count them), the time it took, the bytes it answered; and percentiles.
 */

export { countRequests, type RequestCounter } from '../lib/request-counter.js';

/** The q-quantile (0–1) of the values, nearest rank. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

export const elapsedMs = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
