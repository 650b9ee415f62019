/**
 * What the benchmark measures of one call: the DynamoDB requests the system made for it (counted at the client,
 * one per `send`, as the tests count them), the time it took, the bytes it answered; and percentiles.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface RequestCounter {
  readonly total: number;
  readonly byCommand: Readonly<Record<string, number>>;
  reset(): void;
}

/** Counts every request sent through this client (its middleware stack), by operation. */
export function countRequests(client: DynamoDBDocumentClient, name = 'benchRequestCounter'): RequestCounter {
  let total = 0;
  let byCommand: Record<string, number> = {};
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      total += 1;
      byCommand[command] = (byCommand[command] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name, override: true },
  );
  return {
    get total() {
      return total;
    },
    get byCommand() {
      return { ...byCommand };
    },
    reset() {
      total = 0;
      byCommand = {};
    },
  };
}

/** The q-quantile (0–1) of the values, nearest rank. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

export const elapsedMs = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
