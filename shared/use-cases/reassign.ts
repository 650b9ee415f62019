/**
 * Reassign (spec 3): a reviewer of a pending item, or an admin who can see it, adds or removes reviewers. An added
 * reviewer must be an active member who can see the item; the item keeps at least one reviewer (removing the last
 * answers 409) and at most MAX_REVIEWERS (16, which keeps every item change in one transaction). The change is one
 * item transaction like every other (shared/store/item-change.ts): the queue entries and queue counters of the
 * reviewers who joined and left move with the item, so their queues change at once; the history entry carries the
 * `Review Item Reassigned` event. What was added and removed by hand is kept on the item (and its dedup head), so
 * a replacing proposal keeps the added and does not bring back the removed (ingest-proposal.ts).
 *
 * Requests: the caller's membership and the item (2, in parallel), the added users' memberships (1, when adding),
 * the change (1).
 */
import { withMarks } from '../domain/delegation.js';
import { reassigned } from '../domain/lifecycle.js';
import type { ReviewerChanges, ReviewItem } from '../domain/review-item.js';
import { canSee, MAX_REVIEWERS } from '../domain/routing.js';
import { ConflictError, ValidationError } from '../errors.js';
import type { Caller } from '../http/request.js';
import type { ReassignRequest } from '../http/requests.js';
import { commit, loadForAction, requireStatus, requireVersion } from './commit.js';
import type { Deps } from './deps.js';
import { presentItem } from './read-items.js';

/** A delegate removed by hand is no longer on the item by a delegation (shared/domain/delegation.ts). */
function withoutDelegatesRemoved(item: ReviewItem, removed: string[]): ReviewItem {
  if (!item.delegatedFrom || !removed.some((userId) => item.delegatedFrom?.[userId] !== undefined))
    return item;
  const delegatedFrom = Object.fromEntries(
    Object.entries(item.delegatedFrom).filter(([userId]) => !removed.includes(userId)),
  );
  return withMarks(item, { reviewers: item.reviewers, delegatedFrom, away: item.away ?? [] });
}

/** Hand removals remembered per item, the oldest forgotten first (a removed user could only come back by hand). */
const MAX_REMEMBERED_REMOVALS = 64;

export async function reassignItem(deps: Deps, caller: Caller, itemId: string, request: ReassignRequest) {
  const now = deps.clock();
  const { item, member } = await loadForAction(deps, caller, itemId);
  requireStatus(item, now, 'reassign', 'reassign');
  requireVersion(item, request.version);

  const add = [...new Set(request.add ?? [])].filter((userId) => !item.reviewers.includes(userId));
  const remove = [...new Set(request.remove ?? [])].filter((userId) => item.reviewers.includes(userId));
  if (add.length > 0) {
    const members = await deps.store.candidates(item.workspaceId, add, []);
    const refused = add.flatMap((userId, index) => {
      const candidate = members.find((m) => m.userId === userId && m.changedAt !== '');
      return canSee(candidate, item)
        ? []
        : [{ path: `add.${index}`, message: `${userId} is not an active member who can see this item` }];
    });
    if (refused.length > 0)
      throw new ValidationError(
        'Every added reviewer must be an active member who can see the item',
        refused,
      );
  }
  // Nothing to change (every added user already reviews it, every removed one does not): the item as it is.
  if (add.length === 0 && remove.length === 0) return presentItem(item, member, now);

  const reviewers = [...item.reviewers.filter((userId) => !remove.includes(userId)), ...add];
  if (reviewers.length === 0) {
    throw new ConflictError('An item keeps at least one reviewer: add another before removing the last', {
      status: item.status,
      version: item.version,
    });
  }
  if (reviewers.length > MAX_REVIEWERS) {
    throw new ValidationError(`An item has at most ${MAX_REVIEWERS} reviewers`, [
      { path: 'add', message: `would make ${reviewers.length} reviewers, over ${MAX_REVIEWERS}` },
    ]);
  }
  const before: ReviewerChanges = item.reviewerChanges ?? { added: [], removed: [] };
  const changes: ReviewerChanges = {
    added: [
      ...before.added.filter((u) => !remove.includes(u)),
      ...add.filter((u) => !before.added.includes(u)),
    ],
    removed: [
      ...before.removed.filter((u) => !add.includes(u)),
      ...remove.filter((u) => !before.removed.includes(u)),
    ].slice(-MAX_REMEMBERED_REMOVALS),
  };
  const after = withoutDelegatesRemoved(reassigned(item, reviewers, changes, now.toISOString()), remove);
  await commit(deps, item, after, 'reassigned', caller, {
    detail: { added: add.join(','), removed: remove.join(','), reviewers: reviewers.join(',') },
    event: { type: 'Review Item Reassigned', extra: { added: add, removed: remove, reviewers } },
  });
  return presentItem(after, member, now);
}
