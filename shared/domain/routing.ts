/**
 * Visibility (run privacy) and routing: spec section 3. Pure functions over the member directory.
 */
import { type ExecutedAs, MAX_REVIEWERS, type ProposalFacts } from './primitives.js';
import type { Member } from './review-item.js';

export { MAX_REVIEWERS } from './primitives.js';

/**
 * A user may see an item only if the user is an active member of the item's workspace and either the run
 * executed as the workspace, or as that user, or the user is an admin.
 */
export function canSee(
  member: Member | undefined,
  item: { workspaceId: string; origin: { executedAs: ExecutedAs } },
): member is Member {
  if (!member?.active || member.workspaceId !== item.workspaceId) return false;
  const runAs = item.origin.executedAs;
  return runAs.kind === 'workspace' || runAs.userId === member.userId || member.role === 'admin';
}

/**
 * A run's visibility scope as a string: `workspace`, or `user#<id>` for a run executed as that user. Items of
 * one scope are visible to exactly the same people (counters and dedup keys are kept per scope).
 */
export const scopeOf = (executedAs: ExecutedAs): string =>
  executedAs.kind === 'workspace' ? 'workspace' : `user#${executedAs.userId}`;

/** The run identity behind a scope string; undefined for a string that is not a scope. */
export function executedAsOfScope(scope: string): ExecutedAs | undefined {
  if (scope === 'workspace') return { kind: 'workspace' };
  if (scope.startsWith('user#') && scope.length > 'user#'.length)
    return { kind: 'user', userId: scope.slice(5) };
  return undefined;
}

/** Who routing must know about: the run user and record owners by id, the mailboxes the draft's kind names. */
export function candidateKeysOf(
  proposal: ProposalFacts,
  kind: DraftCandidates,
): { userIds: string[]; mailboxes: string[] } {
  const userIds: string[] = [];
  if (proposal.run.executedAs.kind === 'user') userIds.push(proposal.run.executedAs.userId);
  for (const record of proposal.relatedRecords) if (record.ownerId) userIds.push(record.ownerId);
  return { userIds: [...new Set([...userIds, ...kind.userIds])], mailboxes: kind.mailboxes };
}

/** The candidates the draft's kind names (its `candidates`: an email's mailboxes, a record's owner). */
export interface DraftCandidates {
  userIds: string[];
  mailboxes: string[];
}

export type RoutingResult = { reviewers: string[] } | { reviewers: []; dropReason: string };

/**
 * `directory` needs to hold only the candidates (candidateKeysOf): the store reads exactly those.
 *
 * Candidates, in priority order: the user the run executed as; the owners of the related records; the active
 * members whose connected mailbox appears in the draft's from, to or cc (case-insensitive). Reviewers are the
 * candidates who can see the item. No reviewer means no item.
 */
export function routeReviewers(
  proposal: ProposalFacts,
  directory: Member[],
  kind: DraftCandidates,
): RoutingResult {
  const byUser = new Map(directory.map((m) => [m.userId, m]));
  const byMailbox = new Map<string, Member[]>();
  for (const member of directory) {
    if (!member.active) continue;
    for (const mailbox of member.mailboxes) {
      const key = mailbox.toLowerCase();
      byMailbox.set(key, [...(byMailbox.get(key) ?? []), member]);
    }
  }

  const candidates: string[] = [];
  if (proposal.run.executedAs.kind === 'user') candidates.push(proposal.run.executedAs.userId);
  for (const record of proposal.relatedRecords) if (record.ownerId) candidates.push(record.ownerId);
  candidates.push(...kind.userIds);
  for (const address of kind.mailboxes) {
    for (const member of byMailbox.get(address) ?? []) candidates.push(member.userId);
  }

  const item = { workspaceId: proposal.workspaceId, origin: { executedAs: proposal.run.executedAs } };
  const reviewers = [...new Set(candidates)].filter((userId) => canSee(byUser.get(userId), item));
  if (reviewers.length > 0) return { reviewers: reviewers.slice(0, MAX_REVIEWERS) };
  return {
    reviewers: [],
    dropReason:
      candidates.length === 0
        ? 'No candidate reviewer: no run user, no record owner, no member mailbox on the draft'
        : 'No candidate reviewer can see the run (inactive, unknown, or not allowed by run privacy)',
  };
}
