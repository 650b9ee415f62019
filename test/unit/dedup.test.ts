import { describe, expect, it } from 'vitest';
import { compareProposals, dedupHashOf } from '../../shared/domain/dedup.js';
import { dedupKeyOf } from '../../shared/drafts/proposal.js';
import { proposal } from '../fixtures/index.js';

describe('dedup key', () => {
  it('uses the given dedupKey when there is one', () => {
    const a = proposal({ dedupKey: 'renewal:acc_1' });
    const b = proposal({
      dedupKey: 'renewal:acc_1',
      run: { automationId: 'other', stepId: 'x' },
      draft: { to: ['z@z.com'] },
    });
    expect(dedupKeyOf(a)).toBe(dedupKeyOf(b));
  });

  it('derives the same key whatever the order of recipients and records', () => {
    const a = proposal({
      draft: { to: ['b@x.com', 'A@x.com'] },
      relatedRecords: [
        { type: 'account', id: 'acc_1' },
        { type: 'contact', id: 'c_1' },
      ],
    });
    const b = proposal({
      draft: { to: ['a@x.com', 'b@x.com'] },
      relatedRecords: [
        { type: 'contact', id: 'c_1' },
        { type: 'account', id: 'acc_1' },
      ],
    });
    expect(dedupKeyOf(a)).toBe(dedupKeyOf(b));
  });

  it('ignores subject and body: the same change with new words is the same key', () => {
    expect(dedupKeyOf(proposal({ draft: { subject: 'One', bodyText: 'x' } }))).toBe(
      dedupKeyOf(proposal({ draft: { subject: 'Two', bodyText: 'y' } })),
    );
  });

  it.each([
    ['another automation', { run: { automationId: 'auto_other' } }],
    ['another step', { run: { stepId: 'step_9' } }],
    ['another recipient list', { draft: { to: ['dave@globex.com'] } }],
    ['another record', { relatedRecords: [{ type: 'account', id: 'acc_2' }] }],
    ['a thread', { draft: { threadId: 'th_1' } }],
  ])('differs for %s', (_name, override) => {
    expect(dedupKeyOf(proposal(override as never))).not.toBe(dedupKeyOf(proposal()));
  });

  it('uses the thread instead of recipients when there is one', () => {
    expect(dedupKeyOf(proposal({ draft: { threadId: 'th_1', to: ['a@x.com'] } }))).toBe(
      dedupKeyOf(proposal({ draft: { threadId: 'th_1', to: ['b@x.com'] } })),
    );
  });

  it('hashes to a fixed-length key', () => {
    expect(dedupHashOf('x'.repeat(5000))).toMatch(/^[0-9a-f]{40}$/);
  });
});

describe('proposal order', () => {
  it('orders by proposedAt, whatever the offset it is written with', () => {
    expect(
      compareProposals(
        { proposedAt: '2026-11-20T10:00:00+01:00', runId: 'b' },
        { proposedAt: '2026-11-20T09:30:00Z', runId: 'a' },
      ),
    ).toBe(-1);
  });
  it('breaks ties by run id', () => {
    expect(
      compareProposals(
        { proposedAt: '2026-11-20T10:00:00Z', runId: 'run_b' },
        { proposedAt: '2026-11-20T10:00:00.000Z', runId: 'run_a' },
      ),
    ).toBe(1);
  });
  it('calls the same time and run the same proposal', () => {
    expect(
      compareProposals(
        { proposedAt: '2026-11-20T10:00:00Z', runId: 'r' },
        { proposedAt: '2026-11-20T10:00:00.000Z', runId: 'r' },
      ),
    ).toBe(0);
  });
});

describe('dedup key and run privacy', () => {
  it('never treats proposals from different privacy scopes as the same change', () => {
    const asAlice = proposal({ run: { executedAs: { kind: 'user', userId: 'u_alice' } } });
    const asBob = proposal({ run: { executedAs: { kind: 'user', userId: 'u_bob' } } });
    const asWorkspace = proposal({ run: { executedAs: { kind: 'workspace' } } });
    expect(new Set([dedupKeyOf(asAlice), dedupKeyOf(asBob), dedupKeyOf(asWorkspace)]).size).toBe(3);
  });

  it('scopes a given dedupKey too', () => {
    const a = proposal({ dedupKey: 'k', run: { executedAs: { kind: 'user', userId: 'u_alice' } } });
    const b = proposal({ dedupKey: 'k', run: { executedAs: { kind: 'workspace' } } });
    expect(dedupKeyOf(a)).not.toBe(dedupKeyOf(b));
  });
});
