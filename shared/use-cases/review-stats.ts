/**
 * Review stats per automation (docs/review-stats.md): how its proposals fared in review, and how long review took.
 *
 * The counters are kept atomically with every item change, one row per visibility scope (`workspace`, or
 * `user#<id>` for runs executed as that user; see AutomationRepository.counters). A caller sums exactly the scopes whose
 * items they may see, decided by `canSee` (the one visibility rule) on the scope's run: an admin every scope, a
 * member the workspace scope and their own. The median reads the decision durations filtered the same way.
 *
 * Requests: the caller's membership, the counters and the durations, in parallel (3 when the durations fit in
 * one page).
 */

import { median } from '../domain/median.js';
import type { ExecutedAs } from '../domain/primitives.js';
import { canSee, executedAsOfScope } from '../domain/routing.js';
import type { Caller } from '../http/request.js';
import { COUNTER_NAMES, type CounterName } from './ports.js';
import type { ReadDeps } from './read-items.js';

export type ReviewStats = { automationId: string; automationName: string | null } & Record<
  CounterName,
  number
> & {
    /** Items that left review by a decision: approved (either way), dismissed, resolved elsewhere, expired. */
    decided: number;
    /** Median seconds from an item's creation to its decision, over the decided items counted here. */
    medianSecondsToDecision: number | null;
  };

/** The counters that are decisions; `proposed`, `replaced` and `dropped` are not. */
export const DECISION_COUNTERS = [
  'approvedAsProposed',
  'approvedAfterEdits',
  'dismissed',
  'resolvedElsewhere',
  'expired',
] as const satisfies readonly CounterName[];

const zeros = (): Record<CounterName, number> =>
  Object.fromEntries(COUNTER_NAMES.map((name) => [name, 0])) as Record<CounterName, number>;

/** Stats of one automation as this caller may see them; all zeros for a caller who is not an active member. */
export async function reviewStats(
  deps: ReadDeps,
  caller: Caller,
  automationId: string,
): Promise<ReviewStats> {
  const { workspaceId } = caller;
  const [member, rows, durations] = await Promise.all([
    deps.store.getMember(workspaceId, caller.userId),
    deps.store.counters(workspaceId, automationId),
    deps.store.decisionDurations(workspaceId, automationId),
  ]);
  const counts = zeros();
  if (!member?.active) return finish(automationId, null, counts, []);

  const mayCount = (executedAs: ExecutedAs | undefined) =>
    executedAs !== undefined && canSee(member, { workspaceId, origin: { executedAs } });

  let automationName: string | null = null;
  // The workspace scope first, so that its name wins over a private run's when they differ.
  const visible = rows.filter((row) => mayCount(executedAsOfScope(row.scope))).sort(byScope);
  for (const row of visible) {
    for (const name of COUNTER_NAMES) counts[name] += numberOf(row[name]);
    if (automationName === null && typeof row.automationName === 'string')
      automationName = row.automationName;
  }
  const seconds = durations
    .filter((row) => mayCount(executedAsOfDuration(row.executedAsUserId)))
    .map((row) => numberOf(row.seconds));
  return finish(automationId, automationName, counts, seconds);
}

function executedAsOfDuration(userId: unknown): ExecutedAs | undefined {
  if (userId === null || userId === undefined) return { kind: 'workspace' };
  return typeof userId === 'string' && userId !== '' ? { kind: 'user', userId } : undefined;
}

const byScope = (a: { scope: string }, b: { scope: string }) =>
  a.scope === b.scope
    ? 0
    : a.scope === 'workspace'
      ? -1
      : b.scope === 'workspace'
        ? 1
        : a.scope.localeCompare(b.scope);

function numberOf(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value ?? 0);
  return Number.isFinite(n) ? n : 0;
}

function finish(
  automationId: string,
  automationName: string | null,
  counts: Record<CounterName, number>,
  seconds: number[],
): ReviewStats {
  const decided = DECISION_COUNTERS.reduce((sum, name) => sum + counts[name], 0);
  return { automationId, automationName, ...counts, decided, medianSecondsToDecision: median(seconds) };
}
