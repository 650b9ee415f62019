import type { Member } from '../domain/review-item.js';
import { utcIso } from '../domain/review-item.js';
import type { MemberChanged } from '../domain/schemas.js';
import type { ReviewStorePort } from './ports.js';

/** Keeps the member directory; an older `changedAt` never overwrites a newer one. Returns whether it applied. */
export async function applyMemberChange(store: ReviewStorePort, change: MemberChanged): Promise<boolean> {
  const member: Member = {
    workspaceId: change.workspaceId,
    userId: change.userId,
    role: change.role,
    mailboxes: [...new Set(change.mailboxes.map((m) => m.toLowerCase()))],
    active: change.active,
    changedAt: utcIso(change.changedAt),
  };
  return store.saveMemberIfNewer(member);
}
