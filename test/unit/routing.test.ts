import { describe, expect, it } from 'vitest';
import type { Member } from '../../shared/domain/review-item.js';
import { canSee, MAX_REVIEWERS } from '../../shared/domain/routing.js';
import { hasMailbox } from '../../shared/drafts/email/index.js';
import { routeReviewers } from '../../shared/drafts/proposal.js';
import { proposal } from '../fixtures/index.js';

const m = (userId: string, over: Partial<Member> = {}): Member => ({
  workspaceId: 'ws_acme',
  userId,
  role: 'member',
  mailboxes: [],
  active: true,
  changedAt: '2026-11-20T09:00:00.000Z',
  ...over,
});
const userRun = {
  workspaceId: 'ws_acme',
  origin: { executedAs: { kind: 'user' as const, userId: 'u_alice' } },
};
const workspaceRun = { workspaceId: 'ws_acme', origin: { executedAs: { kind: 'workspace' as const } } };

describe('visibility (run privacy)', () => {
  it.each([
    ['the run user sees a user-run item', m('u_alice'), userRun, true],
    ['another member does not see a user-run item', m('u_bob'), userRun, false],
    ['an admin sees a user-run item', m('u_root', { role: 'admin' }), userRun, true],
    ['any active member sees a workspace-run item', m('u_bob'), workspaceRun, true],
    ['an inactive run user sees nothing', m('u_alice', { active: false }), userRun, false],
    ['an inactive admin sees nothing', m('u_root', { role: 'admin', active: false }), workspaceRun, false],
    ['a member of another workspace sees nothing', m('u_alice', { workspaceId: 'ws_other' }), userRun, false],
    ['an unknown user sees nothing', undefined, workspaceRun, false],
  ])('%s', (_name, member, item, expected) => {
    expect(canSee(member, item)).toBe(expected);
  });
});

describe('routing', () => {
  it('routes a user run to the run user and drops owners who cannot see it', () => {
    const result = routeReviewers(proposal(), [m('u_alice'), m('u_bob')]);
    expect(result).toEqual({ reviewers: ['u_alice'] });
  });

  it('routes a user run to admins among the candidates too', () => {
    const result = routeReviewers(proposal(), [m('u_alice'), m('u_bob', { role: 'admin' })]);
    expect(result.reviewers).toEqual(['u_alice', 'u_bob']);
  });

  it('routes a workspace run to every active candidate: owner and mailbox matches', () => {
    const p = proposal({ run: { executedAs: { kind: 'workspace' } }, draft: { cc: ['Dave@Acme.com'] } });
    const directory = [
      m('u_alice', { mailboxes: ['alice@acme.com'] }),
      m('u_bob'),
      m('u_dave', { mailboxes: ['dave@acme.com'] }),
    ];
    expect(routeReviewers(p, directory).reviewers).toEqual(['u_bob', 'u_alice', 'u_dave']);
  });

  it('matches mailboxes case-insensitively', () => {
    const p = proposal({
      run: { executedAs: { kind: 'workspace' } },
      relatedRecords: [],
      draft: { from: 'ALICE@acme.COM' },
    });
    expect(routeReviewers(p, [m('u_alice', { mailboxes: ['alice@acme.com'] })]).reviewers).toEqual([
      'u_alice',
    ]);
  });

  it('does not route to inactive members, even by mailbox', () => {
    const p = proposal({ run: { executedAs: { kind: 'workspace' } }, relatedRecords: [] });
    const result = routeReviewers(p, [m('u_alice', { mailboxes: ['alice@acme.com'], active: false })]);
    expect(result.reviewers).toEqual([]);
    expect('dropReason' in result && result.dropReason).toMatch(/No candidate reviewer/);
  });

  it('drops a proposal with no candidate at all, saying why', () => {
    const p = proposal({ run: { executedAs: { kind: 'workspace' } }, relatedRecords: [] });
    const result = routeReviewers(p, []);
    expect(result.reviewers).toEqual([]);
    expect('dropReason' in result && result.dropReason).toMatch(/No candidate reviewer/);
  });

  it('drops a user run whose user is not a member', () => {
    expect(routeReviewers(proposal(), [m('u_bob')]).reviewers).toEqual([]);
  });

  it(`keeps at most ${MAX_REVIEWERS} reviewers`, () => {
    const to = Array.from({ length: 49 }, (_, i) => `p${i}@acme.com`);
    const directory = to.map((address, i) => m(`u_${i}`, { mailboxes: [address] }));
    const p = proposal({ run: { executedAs: { kind: 'workspace' } }, relatedRecords: [], draft: { to } });
    expect(routeReviewers(p, directory).reviewers).toHaveLength(MAX_REVIEWERS);
  });

  it('hasMailbox ignores case of the address', () => {
    expect(hasMailbox(m('u', { mailboxes: ['alice@acme.com'] }), 'Alice@ACME.com')).toBe(true);
    expect(hasMailbox(m('u', { mailboxes: ['alice@acme.com'] }), 'bob@acme.com')).toBe(false);
  });
});
