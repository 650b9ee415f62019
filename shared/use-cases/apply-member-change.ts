import type { Member } from '../domain/review-item.js';
import { preciseTime, showTime } from '../domain/time.js';
import type { MemberChanged } from '../events/in-schemas.js';
import type { MemberRepository } from './ports.js';

/** Keeps the member directory; an older `changedAt` never overwrites a newer one. Returns whether it applied. */
export async function applyMemberChange(store: MemberRepository, change: MemberChanged): Promise<boolean> {
  const member: Member = {
    workspaceId: change.workspaceId,
    userId: change.userId,
    role: change.role,
    mailboxes: [...new Set(change.mailboxes.map((m) => m.toLowerCase()))],
    active: change.active,
    // At the precision given: a change a microsecond later is later (spec 2).
    changedAt: showTime(preciseTime(change.changedAt)),
  };
  return store.saveMemberIfNewer(member);
}
