/**
 * "The same change": the dedup key, and the order of competing proposals (spec 3, dedup and replacement).
 */
import { createHash } from 'node:crypto';
import type { ProposalFacts } from './primitives.js';
import { scopeOf } from './routing.js';
import { compareTimes } from './time.js';

/**
 * The dedup key: `dedupKey` when given; otherwise derived from automation, step, draft type and what the draft's
 * kind says identifies the change (`parts`, its `dedupParts`: an email's thread, or else the sorted recipient list,
 * and the sorted related record ids; shared/drafts/).
 *
 * Either way it is scoped by who the run executed as: a replacement keeps the item's id and history, so a
 * proposal from another privacy scope (another user's run, or a workspace run) must never replace it, or the
 * history would show drafts to people who may not see the run that made them.
 */
export function dedupKeyOf(proposal: ProposalFacts, parts: string[]): string {
  const { draft, run } = proposal;
  const scope = scopeOf(run.executedAs);
  if (proposal.dedupKey !== undefined) return JSON.stringify(['given', scope, proposal.dedupKey]);
  return JSON.stringify(['derived', scope, run.automationId, run.stepId, draft.type, ...parts]);
}

/** A fixed-length hash of the dedup key, used in table keys (the key itself may be long). */
export const dedupHashOf = (key: string): string =>
  createHash('sha256').update(key).digest('hex').slice(0, 40);

export interface ProposalOrder {
  proposedAt: string;
  runId: string;
}

/**
 * Later `proposedAt` wins, at whatever precision the times were given (microseconds apart is later); ties are
 * broken by run id. Equal order means the same proposal again.
 */
export function compareProposals(a: ProposalOrder, b: ProposalOrder): number {
  const byTime = compareTimes(a.proposedAt, b.proposedAt);
  if (byTime !== 0) return byTime;
  return a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0;
}
