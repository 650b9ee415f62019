/**
 * Out-of-office delegation (spec 3, Delegation): `GET/PUT/DELETE /me/delegation` and "who is away and who covers".
 * A PUT or DELETE writes the member's delegation (on the member record and its mailbox records, where routing reads
 * it), the workspace's away row and a job due at once, in one transaction; the job (delegation-jobs.ts) then brings
 * the member's open items in line, page by page, and ends the delegation's effect at `until`.
 *
 * Setting and ending it are in set-delegation.ts. Requests: GET reads the caller (1); who is away: the caller ∥ the
 * away rows (2).
 */
import { activeDelegation } from '../domain/delegation.js';
import type { Delegation, Member } from '../domain/review-item.js';
import { ForbiddenError, NotFoundError } from '../errors.js';
import type { Caller } from '../http/request.js';
import type { AwayReader, MemberRepository } from './ports.js';

/** The delegation as the API answers it. */
export function presentDelegation(delegation: Delegation) {
  return {
    delegateTo: delegation.delegateTo,
    until: delegation.until,
    note: delegation.note ?? null,
    createdAt: delegation.createdAt,
  };
}

export async function activeCaller(store: MemberRepository, caller: Caller): Promise<Member> {
  const member = await store.getMember(caller.workspaceId, caller.userId);
  if (!member?.active) throw new ForbiddenError('Only an active member of the workspace has a delegation');
  return member;
}

/** The caller's delegation while it lasts; 404 when there is none (or it ended). */
export async function getDelegation(deps: { store: MemberRepository; clock: () => Date }, caller: Caller) {
  const member = await activeCaller(deps.store, caller);
  const delegation = activeDelegation(member, deps.clock());
  if (!delegation) throw new NotFoundError('You have no delegation');
  return presentDelegation(delegation);
}

/**
 * Who is away in the caller's workspace and who covers (the agent's `who_is_away`): every active member may know who
 * is away until when and who covers, as the items' `away` marks and reviewers show it; the note is for the member,
 * the delegate and admins.
 */
export async function whoIsAway(
  deps: { store: MemberRepository & AwayReader; clock: () => Date },
  caller: Caller,
) {
  const now = deps.clock();
  const [viewer, rows] = await Promise.all([
    deps.store.getMember(caller.workspaceId, caller.userId),
    deps.store.awayMembers(caller.workspaceId),
  ]);
  if (!viewer?.active) throw new NotFoundError('Not an active member of this workspace');
  return {
    away: rows
      .filter((row) => Date.parse(row.delegation.until) > now.getTime())
      .map(({ userId, delegation }) => {
        const mayReadNote =
          viewer.role === 'admin' || viewer.userId === userId || viewer.userId === delegation.delegateTo;
        return {
          userId,
          until: delegation.until,
          coveredBy: delegation.delegateTo,
          ...(mayReadNote && delegation.note ? { note: delegation.note } : {}),
        };
      }),
  };
}
