/**
 * The delegation's pure rules (shared/domain/delegation.ts): who a delegation adds, who it marks away, what it takes
 * off when it ends, within run privacy and the 16-reviewer bound, and that chains are not followed.
 */
import { describe, expect, it } from 'vitest';
import {
  activeDelegation,
  type Cover,
  coverOf,
  reconcileDelegation,
  withDelegates,
} from '../../shared/domain/delegation.js';
import type { Delegation, Member, ReviewItem } from '../../shared/domain/review-item.js';

const NOW = new Date('2026-12-06T12:00:00.000Z');
const UNTIL = '2026-12-10T00:00:00.000Z';

const member = (userId: string, role: Member['role'] = 'member', delegation?: Delegation): Member => ({
  workspaceId: 'ws',
  userId,
  role,
  mailboxes: [],
  active: true,
  changedAt: '2026-01-01T00:00:00.000Z',
  ...(delegation ? { delegation } : {}),
});
const delegation = (delegateTo: string, role: Member['role'] = 'member', until = UNTIL): Delegation => ({
  delegateTo,
  delegateRole: role,
  until,
  createdAt: '2026-12-01T00:00:00.000Z',
});
const cover = (memberId: string, delegateTo: string, role: Member['role'] = 'member'): Cover => ({
  memberId,
  delegation: delegation(delegateTo, role),
  delegate: member(delegateTo, role),
});

const workspaceRun = { workspaceId: 'ws', origin: { executedAs: { kind: 'workspace' as const } } };
const privateRun = (userId: string) => ({
  workspaceId: 'ws',
  origin: { executedAs: { kind: 'user' as const, userId } },
});
type ItemOverrides = Omit<Partial<ReviewItem>, 'origin'> & {
  reviewers: string[];
  origin?: Pick<ReviewItem['origin'], 'executedAs'>;
};
const item = (overrides: ItemOverrides): ReviewItem =>
  ({
    id: 'ri_1',
    ...workspaceRun,
    origin: { automationId: 'a', runId: 'r', stepId: 's', executedAs: { kind: 'workspace' } },
    status: 'pending',
    version: 3,
    ...overrides,
  }) as ReviewItem;

describe('activeDelegation', () => {
  it('is the delegation until `until`, not at it nor after', () => {
    const alice = member('u_alice', 'member', delegation('u_carol', 'member', '2026-12-06T12:00:00.001Z'));
    expect(activeDelegation(alice, NOW)?.delegateTo).toBe('u_carol');
    expect(activeDelegation(alice, new Date('2026-12-06T12:00:00.001Z'))).toBeUndefined();
    expect(activeDelegation({ ...alice, active: false }, NOW)).toBeUndefined();
    expect(activeDelegation(member('u_bob'), NOW)).toBeUndefined();
  });
});

describe('withDelegates (routing a new item)', () => {
  it('adds the delegate after the routed reviewers, remembering whom they cover for', () => {
    const result = withDelegates(workspaceRun, ['u_alice', 'u_bob'], [cover('u_alice', 'u_carol')]);
    expect(result).toEqual({
      reviewers: ['u_alice', 'u_bob', 'u_carol'],
      delegatedFrom: { u_carol: 'u_alice' },
      away: [],
    });
  });

  it('marks the member away where the delegate may not see the run; an admin delegate may', () => {
    expect(withDelegates(privateRun('u_alice'), ['u_alice'], [cover('u_alice', 'u_carol')])).toEqual({
      reviewers: ['u_alice'],
      delegatedFrom: {},
      away: [{ userId: 'u_alice', until: UNTIL }],
    });
    expect(
      withDelegates(privateRun('u_alice'), ['u_alice'], [cover('u_alice', 'u_admin', 'admin')]).reviewers,
    ).toEqual(['u_alice', 'u_admin']);
  });

  it('adds nobody for a delegate who already reviews it (they stay when it ends)', () => {
    const result = withDelegates(workspaceRun, ['u_alice', 'u_carol'], [cover('u_alice', 'u_carol')]);
    expect(result).toEqual({ reviewers: ['u_alice', 'u_carol'], delegatedFrom: {}, away: [] });
  });

  it('does not follow chains: the delegate of a delegate is not added', () => {
    const covers = [cover('u_alice', 'u_carol'), cover('u_carol', 'u_bob')];
    expect(withDelegates(workspaceRun, ['u_alice'], covers).reviewers).toEqual(['u_alice', 'u_carol']);
  });

  it('keeps within 16 reviewers: a member whose delegate has no room shows away', () => {
    const sixteen = Array.from({ length: 16 }, (_, i) => `u_${i}`);
    const result = withDelegates(workspaceRun, sixteen, [cover('u_0', 'u_carol')]);
    expect(result.reviewers).toEqual(sixteen);
    expect(result.away).toEqual([{ userId: 'u_0', until: UNTIL }]);
  });
});

describe('reconcileDelegation (the job, item by item)', () => {
  it('adds the delegate to an item without them, and then changes nothing', () => {
    const before = item({ reviewers: ['u_alice'] });
    const change = reconcileDelegation(before, 'u_alice', cover('u_alice', 'u_carol'));
    expect(change).toEqual({
      reviewers: ['u_alice', 'u_carol'],
      delegatedFrom: { u_carol: 'u_alice' },
      away: [],
    });
    const after = item({
      reviewers: ['u_alice', 'u_carol'],
      delegatedFrom: { u_carol: 'u_alice' },
      away: [],
    });
    expect(reconcileDelegation(after, 'u_alice', cover('u_alice', 'u_carol'))).toBeUndefined();
  });

  it('takes off, when the delegation ends, only the delegates it added', () => {
    const delegated = item({ reviewers: ['u_alice', 'u_carol'], delegatedFrom: { u_carol: 'u_alice' } });
    expect(reconcileDelegation(delegated, 'u_alice', undefined)?.reviewers).toEqual(['u_alice']);
    const own = item({ reviewers: ['u_alice', 'u_carol'] });
    expect(reconcileDelegation(own, 'u_alice', undefined)).toBeUndefined();
    // Another member's delegation added carol here: alice's ending leaves her.
    const others = item({ reviewers: ['u_alice', 'u_bob', 'u_carol'], delegatedFrom: { u_carol: 'u_bob' } });
    expect(reconcileDelegation(others, 'u_alice', undefined)).toBeUndefined();
  });

  it("does not follow chains: a delegate's own delegation adds nobody to the items they cover", () => {
    const delegated = item({ reviewers: ['u_alice', 'u_carol'], delegatedFrom: { u_carol: 'u_alice' } });
    expect(reconcileDelegation(delegated, 'u_carol', cover('u_carol', 'u_bob'))).toBeUndefined();
  });

  it('moves the item from the old delegate to the new one on a replacing PUT', () => {
    const delegated = item({ reviewers: ['u_alice', 'u_carol'], delegatedFrom: { u_carol: 'u_alice' } });
    expect(reconcileDelegation(delegated, 'u_alice', cover('u_alice', 'u_bob'))).toEqual({
      reviewers: ['u_alice', 'u_bob'],
      delegatedFrom: { u_bob: 'u_alice' },
      away: [],
    });
  });

  it('clears the away mark when the delegation ends, and sets it while the delegate may not see the run', () => {
    const hidden = item({ ...privateRun('u_alice'), reviewers: ['u_alice'] });
    const marked = reconcileDelegation(hidden, 'u_alice', cover('u_alice', 'u_carol'));
    expect(marked).toEqual({
      reviewers: ['u_alice'],
      delegatedFrom: {},
      away: [{ userId: 'u_alice', until: UNTIL }],
    });
    const cleared = reconcileDelegation({ ...hidden, away: marked?.away ?? [] }, 'u_alice', undefined);
    expect(cleared?.away).toEqual([]);
  });

  it('does not add a delegate removed by hand, and never leaves an item without a reviewer', () => {
    const removed = item({ reviewers: ['u_alice'], reviewerChanges: { added: [], removed: ['u_carol'] } });
    expect(reconcileDelegation(removed, 'u_alice', cover('u_alice', 'u_carol'))?.reviewers).toEqual([
      'u_alice',
    ]);
    const onlyDelegate = item({ reviewers: ['u_carol'], delegatedFrom: { u_carol: 'u_alice' } });
    expect(reconcileDelegation(onlyDelegate, 'u_alice', undefined)).toEqual({
      reviewers: ['u_carol'],
      delegatedFrom: {},
      away: [],
    });
  });

  it('uses the delegate as the directory has them now: a delegate demoted from admin is not added to a private run', () => {
    const hidden = item({ ...privateRun('u_alice'), reviewers: ['u_alice'] });
    const demoted: Cover = { ...cover('u_alice', 'u_boss', 'admin'), delegate: member('u_boss', 'member') };
    expect(reconcileDelegation(hidden, 'u_alice', demoted)?.reviewers).toEqual(['u_alice']);
    expect(coverOf(member('u_alice'), delegation('u_boss', 'admin')).delegate?.role).toBe('admin');
  });
});
