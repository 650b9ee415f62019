/**
 * Out-of-office delegation (spec 3, Delegation): pure rules over members and items. While a member's delegation
 * lasts, the delegate reviews the member's open and new items that the delegate may see (run privacy, as for any
 * reviewer), within MAX_REVIEWERS; an item the delegate may not see shows the member away. Each reviewer a
 * delegation added is remembered with the member it covers for (`delegatedFrom`), so that when the delegation ends
 * exactly those leave, and a delegate who reviews the item for another reason stays. Delegations are not followed in
 * chains: only the routed or hand-picked reviewers' own delegations count, never a delegate's.
 */
import { type ExecutedAs, MAX_REVIEWERS } from './primitives.js';
import type { AwayMark, Delegation, Member, ReviewItem } from './review-item.js';
import { canSee } from './routing.js';

export const MAX_DELEGATION_DAYS = 90;
export const MAX_DELEGATION_NOTE_LENGTH = 280;

/** The member's delegation while it lasts (`until` ahead of now), else undefined. */
export function activeDelegation(member: Member | undefined, now: Date): Delegation | undefined {
  const delegation = member?.delegation;
  return member?.active && delegation && Date.parse(delegation.until) > now.getTime()
    ? delegation
    : undefined;
}

/** Who covers for an away member: the delegation and the delegate as run privacy sees them. */
export interface Cover {
  memberId: string;
  delegation: Delegation;
  /** The delegate's member record; undefined when unknown (a delegate who may see nothing). */
  delegate: Member | undefined;
}

/**
 * The delegate as the delegation describes them, for routing, which reads the routed members' records (each
 * carrying its delegation) but not the delegates' own: the role they had when the delegation was set.
 */
export const coverOf = (member: Member, delegation: Delegation): Cover => ({
  memberId: member.userId,
  delegation,
  delegate: {
    workspaceId: member.workspaceId,
    userId: delegation.delegateTo,
    role: delegation.delegateRole,
    mailboxes: [],
    active: true,
    changedAt: '',
  },
});

type Visible = { workspaceId: string; origin: { executedAs: ExecutedAs } };

export interface DelegatedReviewers {
  reviewers: string[];
  delegatedFrom: Record<string, string>;
  away: AwayMark[];
}

/**
 * The routed reviewers with the delegates of those who are away, in the order of the reviewers they cover for,
 * after every routed reviewer (so a delegate never pushes a routed reviewer out of the bound).
 */
export function withDelegates(item: Visible, reviewers: string[], covers: Cover[]): DelegatedReviewers {
  const result: DelegatedReviewers = { reviewers: [...reviewers], delegatedFrom: {}, away: [] };
  for (const memberId of reviewers) {
    const cover = covers.find((c) => c.memberId === memberId);
    if (cover) addCover(item, result, cover, []);
  }
  return result;
}

function addCover(item: Visible, result: DelegatedReviewers, cover: Cover, removedByHand: string[]) {
  const delegateId = cover.delegation.delegateTo;
  if (result.reviewers.includes(delegateId)) return;
  if (
    canSee(cover.delegate, item) &&
    !removedByHand.includes(delegateId) &&
    result.reviewers.length < MAX_REVIEWERS
  ) {
    result.reviewers.push(delegateId);
    result.delegatedFrom[delegateId] = cover.memberId;
  } else {
    result.away.push({ userId: cover.memberId, until: cover.delegation.until });
  }
}

/**
 * What an open item becomes when `memberId`'s delegation is `cover` (undefined: none, or ended): the delegates that
 * member's delegations added and that no longer cover leave, the current delegate joins (or the member shows away),
 * and undefined when nothing changes. A delegate who would leave the item with no reviewer stays, as a reviewer of
 * their own.
 */
export function reconcileDelegation(
  item: ReviewItem,
  memberId: string,
  cover: Cover | undefined,
): DelegatedReviewers | undefined {
  const current = cover?.delegation.delegateTo;
  const result: DelegatedReviewers = {
    reviewers: [...item.reviewers],
    delegatedFrom: { ...item.delegatedFrom },
    away: (item.away ?? []).filter((mark) => mark.userId !== memberId),
  };
  for (const [delegateId, from] of Object.entries(item.delegatedFrom ?? {})) {
    if (from !== memberId || delegateId === current) continue;
    delete result.delegatedFrom[delegateId];
    const left = result.reviewers.filter((userId) => userId !== delegateId);
    if (left.length > 0) result.reviewers = left;
  }
  // No chains: a member on the item only as someone's delegate brings no delegate of their own.
  if (cover && result.reviewers.includes(memberId) && result.delegatedFrom[memberId] === undefined)
    addCover(item, result, cover, item.reviewerChanges?.removed ?? []);
  const same =
    sameList(result.reviewers, item.reviewers) &&
    sameList(Object.entries(result.delegatedFrom).flat(), Object.entries(item.delegatedFrom ?? {}).flat()) &&
    sameList(
      result.away.map((m) => `${m.userId}@${m.until}`),
      (item.away ?? []).map((m) => `${m.userId}@${m.until}`),
    );
  return same ? undefined : result;
}

const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * The item with these reviewers and marks, leaving out an empty `delegatedFrom` or `away` (a stored empty map is
 * what the local stream reader cannot read back, and an absent mark says the same).
 */
export function withMarks(item: ReviewItem, marks: DelegatedReviewers): ReviewItem {
  const { delegatedFrom: _from, away: _away, ...rest } = item;
  return {
    ...rest,
    reviewers: marks.reviewers,
    ...(Object.keys(marks.delegatedFrom).length > 0 ? { delegatedFrom: marks.delegatedFrom } : {}),
    ...(marks.away.length > 0 ? { away: marks.away } : {}),
  };
}

/** The away marks that still hold at `now` (a mark outlives its delegation until the job clears it). */
export const awayAt = (away: AwayMark[] | undefined, now: Date): AwayMark[] =>
  (away ?? []).filter((mark) => Date.parse(mark.until) > now.getTime());
