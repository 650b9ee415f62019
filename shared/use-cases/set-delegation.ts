/**
 * Setting and ending an out-of-office delegation (spec 3, Delegation): `PUT` and `DELETE /me/delegation` write the
 * member's delegation (on the member record and its mailbox records, where routing reads it), the workspace's away
 * row and a job due at once, in one transaction; the job (delegation-jobs.ts) then brings the member's open items in
 * line. Apart from the reads (delegation.ts), so a function that only reads carries no write.
 *
 * Requests: PUT reads the caller and the delegate (1 BatchGetItem) and writes 1 transaction; DELETE reads the
 * caller (1) and writes 1.
 */
import { MAX_DELEGATION_DAYS, MAX_DELEGATION_NOTE_LENGTH } from '../domain/delegation.js';
import type { Delegation, Member } from '../domain/review-item.js';
import { ConflictError, ForbiddenError, ValidationError } from '../errors.js';
import type { Caller } from '../http/request.js';
import type { DelegationRequest } from '../http/requests.js';
import { activeCaller, presentDelegation } from './delegation.js';
import type { Deps } from './deps.js';
import type { DelegationJob, MemberRepository } from './ports.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export async function putDelegation(deps: Deps, caller: Caller, request: DelegationRequest) {
  const now = deps.clock();
  const until = Date.parse(request.until);
  const issues = [];
  if (request.delegateTo === caller.userId)
    issues.push({ path: 'delegateTo', message: 'the delegate is another member than you' });
  if (until <= now.getTime()) issues.push({ path: 'until', message: 'must be in the future' });
  if (until > now.getTime() + MAX_DELEGATION_DAYS * DAY_MS)
    issues.push({ path: 'until', message: `must be at most ${MAX_DELEGATION_DAYS} days ahead` });
  if ((request.note?.length ?? 0) > MAX_DELEGATION_NOTE_LENGTH)
    issues.push({ path: 'note', message: `at most ${MAX_DELEGATION_NOTE_LENGTH} characters` });
  if (issues.length > 0) throw new ValidationError('The delegation is not valid', issues);

  const [member, delegate] = await membersById(deps.store, caller.workspaceId, [
    caller.userId,
    request.delegateTo,
  ]);
  if (!member?.active) throw new ForbiddenError('Only an active member of the workspace has a delegation');
  if (!delegate?.active) {
    throw new ValidationError('The delegate must be an active member of the workspace', [
      { path: 'delegateTo', message: `${request.delegateTo} is not an active member of this workspace` },
    ]);
  }
  const delegation: Delegation = {
    delegateTo: delegate.userId,
    delegateRole: delegate.role,
    until: new Date(until).toISOString(),
    ...(request.note ? { note: request.note } : {}),
    createdAt: createdAfter(member.delegation, now),
  };
  await writeDelegation(deps, member, delegation, now);
  return presentDelegation(delegation);
}

/** Ends the caller's delegation at once; a caller without one gets 204 all the same. */
export async function deleteDelegation(deps: Deps, caller: Caller): Promise<void> {
  const member = await activeCaller(deps.store, caller);
  if (!member.delegation) return;
  await writeDelegation(deps, member, undefined, deps.clock());
}

async function writeDelegation(deps: Deps, member: Member, delegation: Delegation | undefined, now: Date) {
  const job: DelegationJob = {
    workspaceId: member.workspaceId,
    userId: member.userId,
    jobId: deps.newId(),
    dueAt: now.toISOString(),
    cursor: null,
  };
  if (!(await deps.store.setDelegation(member, delegation, job))) {
    throw new ConflictError('Your membership or delegation changed meanwhile: read it and try again', {
      status: 'changed',
      version: 0,
    });
  }
}

/** A delegation's `createdAt` identifies it (the member's writes are conditional on it): never the same twice. */
function createdAfter(previous: Delegation | undefined, now: Date): string {
  const at = now.getTime();
  const before = previous ? Date.parse(previous.createdAt) : Number.NEGATIVE_INFINITY;
  return new Date(at > before ? at : before + 1).toISOString();
}

async function membersById(store: MemberRepository, workspaceId: string, userIds: string[]) {
  const members = await store.candidates(workspaceId, userIds, []);
  return userIds.map((userId) => members.find((m) => m.userId === userId && m.changedAt !== ''));
}
