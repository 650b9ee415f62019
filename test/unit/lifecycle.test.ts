/**
 * The item lifecycle as a table (docs/approval-state-machine.md): every transition from every status is either in
 * the table or refused, and each transition builds the item the state machine says.
 */

import { describe, expect, it } from 'vitest';
import {
  applied,
  applyClaimed,
  applyRejected,
  applyUnknown,
  canTransition,
  claimed,
  created,
  deliveryUpdated,
  dismissed,
  edited,
  expired,
  FINAL_STATUSES,
  heldRecordChanged,
  holdCancelled,
  markedStale,
  reassigned,
  recordChanged,
  replaced,
  republished,
  resolved,
  scheduled,
  sendRejected,
  sendUnknown,
  sent,
  statusAt,
  TRANSITIONS,
  type Transition,
  TransitionRefusedError,
  undone,
} from '../../shared/domain/lifecycle.js';
import type { ReviewItem, ReviewStatus } from '../../shared/domain/review-item.js';
import { proposal } from '../fixtures/index.js';
import { emailOf } from '../support/items.js';

const STATUSES: ReviewStatus[] = [
  'pending',
  'scheduled',
  'sending',
  'sent',
  'send_unknown',
  'applying',
  'applied',
  'apply_unknown',
  'dismissed',
  'resolved',
  'expired',
];

const T0 = '2026-11-20T10:00:00.000Z';

/** The state machine's table, written out independently of TRANSITIONS. */
const EXPECTED: Record<Transition, ReviewStatus[]> = {
  replace: ['pending', 'scheduled'],
  edit: ['pending'],
  claim: ['pending', 'send_unknown', 'scheduled'],
  sent: ['sending'],
  sendRejected: ['sending'],
  sendUnknown: ['sending'],
  interrupted: ['sending'],
  dismiss: ['pending', 'send_unknown', 'apply_unknown'],
  resolve: ['pending', 'send_unknown', 'scheduled'],
  expire: ['pending'],
  delivery: ['sent'],
  reassign: ['pending'],
  markStale: ['pending'],
  applyClaim: ['pending', 'apply_unknown', 'scheduled'],
  applied: ['applying', 'apply_unknown'],
  applyRejected: ['applying', 'apply_unknown'],
  republish: ['applying'],
  applyUnknown: ['applying'],
  recordChanged: ['pending'],
  schedule: ['pending'],
  undo: ['scheduled'],
  cancelHold: ['scheduled'],
  heldRecordChanged: ['scheduled'],
};

const APPLY_ATTEMPT = {
  applyId: 'ap1',
  by: 'u_alice',
  claimedAt: T0,
  fields: [],
  publications: 1,
  nextAt: T0,
};

const T1 = '2026-11-20T10:05:00.000Z';
const T2 = '2026-11-20T10:06:00.000Z';

function pendingItem(): ReviewItem {
  const p = proposal();
  return created(
    'ri_1',
    {
      workspaceId: p.workspaceId,
      type: 'email',
      draft: p.draft,
      reason: p.reason,
      relatedRecords: p.relatedRecords,
      origin: {
        automationId: p.run.automationId,
        runId: p.run.id,
        stepId: p.run.stepId,
        executedAs: p.run.executedAs,
      },
      reviewers: ['u_alice'],
      dedupHash: 'h',
      proposedAt: T0,
    },
    T0,
  );
}

const inStatus = (status: ReviewStatus): ReviewItem => ({ ...pendingItem(), status });

/** Each transition, applied to an item (whatever its status). */
const APPLY: Record<Transition, (item: ReviewItem) => ReviewItem> = {
  replace: (item) => replaced(item, { ...pendingItem(), reason: 'newer' }, T1),
  edit: (item) => edited(item, { ...emailOf(item.draft), subject: 'Edited' }, T1),
  claim: (item) => claimed(item, { id: 'a1', by: 'u_alice', claimedAt: T1 }),
  sent: (item) => sent(item, 'u_alice', T1, 'm1'),
  sendRejected: (item) => sendRejected(item, { code: 'MessageRejected', message: 'no', at: T1 }, true),
  sendUnknown: (item) => sendUnknown(item, { code: 'TimeoutError', message: '?', at: T1 }),
  interrupted: (item) => sendUnknown(item, { code: 'Interrupted', message: '?', at: T1 }, 'interrupted'),
  dismiss: (item) => dismissed(item, 'u_alice', T1, 'not now'),
  resolve: (item) => resolved(item, T1, '<m@x>'),
  expire: (item) => expired(item, T1),
  delivery: (item) => deliveryUpdated(item, { status: 'delivered', at: T1 }, T1),
  reassign: (item) => reassigned(item, ['u_bob'], { added: ['u_bob'], removed: ['u_alice'] }, T1),
  markStale: (item) => markedStale(item, { reason: 'message received', at: T1, messageId: '<m@x>' }, T1),
  applyClaim: (item) => applyClaimed(item, { ...APPLY_ATTEMPT, claimedAt: T1 }),
  applied: (item) => applied({ ...item, apply: APPLY_ATTEMPT }, T1, { recordVersion: '19' }, []),
  applyRejected: (item) =>
    applyRejected({ ...item, apply: APPLY_ATTEMPT }, { reason: 'conflict', message: 'no', at: T1 }, true),
  republish: (item) => republished({ ...item, apply: APPLY_ATTEMPT }, T1, T2),
  applyUnknown: (item) => applyUnknown(item, { reason: 'unanswered', message: '?', at: T1 }),
  recordChanged: (item) => recordChanged(item, item.draft, T1),
  schedule: (item) => scheduled(item, { executeAt: T2, by: 'u_alice' }, T1),
  undo: (item) => undone(item, T1),
  cancelHold: (item) => holdCancelled(item, 'reply', T1),
  heldRecordChanged: (item) => heldRecordChanged(item, item.draft, T1),
};

describe('the lifecycle table', () => {
  it('matches the state machine document, transition by transition', () => {
    for (const transition of Object.keys(EXPECTED) as Transition[]) {
      expect([...TRANSITIONS[transition].from].sort(), transition).toEqual([...EXPECTED[transition]].sort());
    }
  });

  it('takes every transition from exactly its statuses and refuses it from every other one', () => {
    for (const transition of Object.keys(APPLY) as Transition[]) {
      for (const status of STATUSES) {
        const item = inStatus(status);
        if (EXPECTED[transition].includes(status)) {
          const after = APPLY[transition](item);
          expect(after.status, `${transition} from ${status}`).toBe(TRANSITIONS[transition].to);
          expect(after.version, `${transition} from ${status}`).toBe(item.version + 1);
          expect(after.updatedAt).toBe(T1);
          expect(canTransition(transition, status)).toBe(true);
        } else {
          expect(() => APPLY[transition](item), `${transition} from ${status}`).toThrow(
            TransitionRefusedError,
          );
          expect(canTransition(transition, status)).toBe(false);
        }
      }
    }
  });

  it('leaves no final status for another one (a delivery report annotates a sent item, it stays sent)', () => {
    for (const status of FINAL_STATUSES) {
      const leaving = (Object.keys(TRANSITIONS) as Transition[]).filter(
        (transition) => canTransition(transition, status) && TRANSITIONS[transition].to !== status,
      );
      expect(leaving, status).toEqual([]);
    }
  });
});

describe('what each transition builds', () => {
  it('schedules with the hold, keeping the edits and the dedup key; an undo or a cancellation drops the hold', () => {
    const editedItem = edited(pendingItem(), { ...emailOf(pendingItem().draft), subject: 'Mine' }, T0);
    const before = { ...editedItem, holdCancelled: { reason: 'reply' as const, at: T0 } };
    const held = scheduled(before, { executeAt: T2, by: 'u_alice' }, T1);
    expect(held).toMatchObject({
      status: 'scheduled',
      hold: { executeAt: T2, by: 'u_alice' },
      holdsKey: true,
    });
    expect(emailOf(held.draft).subject).toBe('Mine');
    expect(held.holdCancelled).toBeUndefined();
    const back = undone(held, T2);
    expect(back).toMatchObject({ status: 'pending', edited: true, holdsKey: true });
    expect(back.hold).toBeUndefined();
    const cancelled = holdCancelled(held, 'drift', T2);
    expect(cancelled).toMatchObject({ status: 'pending', holdCancelled: { reason: 'drift', at: T2 } });
    expect(cancelled.hold).toBeUndefined();
    const claimedItem = claimed(held, { id: 'a1', by: 'u_alice', claimedAt: T2 });
    expect(claimedItem.hold).toBeUndefined();
  });

  it('creates a pending item at version 1 that holds its dedup key', () => {
    expect(pendingItem()).toMatchObject({
      status: 'pending',
      version: 1,
      edited: false,
      decision: null,
      holdsKey: true,
      createdAt: T0,
      updatedAt: T0,
    });
  });

  it('replaces in place: same id and createdAt, edits dropped, key kept', () => {
    const before = edited(pendingItem(), { ...emailOf(pendingItem().draft), subject: 'Mine' }, T0);
    const after = replaced(before, { ...pendingItem(), reason: 'newer' }, T1);
    expect(after).toMatchObject({ id: 'ri_1', createdAt: T0, version: 3, edited: false, holdsKey: true });
    expect(after.reason).toBe('newer');
    expect(emailOf(after.draft).subject).not.toBe('Mine');
  });

  it('claims for sending: the key is released and an old send error cleared', () => {
    const failed = { ...inStatus('send_unknown'), lastSendError: { code: 'X', message: 'x', at: T0 } };
    const sending = claimed(failed, { id: 'a1', by: 'u_alice', claimedAt: T1 });
    expect(sending).toMatchObject({ status: 'sending', holdsKey: false, sendAttempt: { id: 'a1' } });
    expect(sending).not.toHaveProperty('lastSendError');
  });

  it('records decisions: who, when, and the message id', () => {
    const sending = claimed(pendingItem(), { id: 'a1', by: 'u_alice', claimedAt: T1 });
    expect(sent(sending, 'u_alice', T2, 'm1').decision).toEqual({
      action: 'approved',
      by: 'u_alice',
      at: T2,
      messageId: 'm1',
    });
    expect(dismissed(pendingItem(), 'u_bob', T1).decision).toEqual({
      action: 'dismissed',
      by: 'u_bob',
      at: T1,
    });
    expect(resolved(pendingItem(), T1).decision).toEqual({ action: 'resolved', by: null, at: T1 });
    expect(expired(pendingItem(), T1)).toMatchObject({ holdsKey: false, decision: { action: 'expired' } });
  });

  it('returns a rejected send to pending with the error, re-taking the key only when told', () => {
    const sending = claimed(pendingItem(), { id: 'a1', by: 'u_alice', claimedAt: T1 });
    const error = { code: 'MessageRejected', message: 'no', at: T1 };
    expect(sendRejected(sending, error, true)).toMatchObject({
      status: 'pending',
      holdsKey: true,
      lastSendError: error,
    });
    expect(sendRejected(sending, error, false)).not.toHaveProperty('sendAttempt');
    expect(sendRejected(sending, error, false).holdsKey).toBe(false);
  });

  it('reassigns: new reviewers and the hand changes kept, still pending, the key held', () => {
    const after = reassigned(pendingItem(), ['u_bob'], { added: ['u_bob'], removed: ['u_alice'] }, T1);
    expect(after).toMatchObject({
      status: 'pending',
      version: 2,
      reviewers: ['u_bob'],
      reviewerChanges: { added: ['u_bob'], removed: ['u_alice'] },
      holdsKey: true,
    });
  });

  it('marks stale while pending; a replacement clears the mark and keeps the hand changes it is given', () => {
    const stale = markedStale(pendingItem(), { reason: 'message received', at: T1 }, T1);
    expect(stale).toMatchObject({ status: 'pending', stale: { reason: 'message received', at: T1 } });
    const after = replaced(
      stale,
      { ...pendingItem(), reviewerChanges: { added: ['u_bob'], removed: [] } },
      T2,
    );
    expect(after).not.toHaveProperty('stale');
    expect(after.reviewerChanges).toEqual({ added: ['u_bob'], removed: [] });
  });

  it('keeps a dismissal reason code with its note', () => {
    expect(dismissed(pendingItem(), 'u_bob', T1, 'wrong person', 'wrong_recipient').decision).toEqual({
      action: 'dismissed',
      by: 'u_bob',
      at: T1,
      note: 'wrong person',
      reason: 'wrong_recipient',
    });
  });

  it('never goes back in time: a change stamped before the last one is stamped just after it', () => {
    const item = { ...pendingItem(), updatedAt: T2 };
    const after = edited(item, item.draft, T1);
    expect(after.updatedAt).toBe('2026-11-20T10:06:00.001Z');
    expect(dismissed(after, 'u_bob', T0).decision?.at).toBe('2026-11-20T10:06:00.002Z');
    expect(replaced(item, pendingItem(), T1).updatedAt).toBe('2026-11-20T10:06:00.001Z');
  });

  it('treats a pending item past expiresAt as expired, whatever is stored', () => {
    const item = { ...pendingItem(), expiresAt: T1 };
    expect(statusAt(item, new Date(T0))).toBe('pending');
    expect(statusAt(item, new Date(T1))).toBe('expired');
    expect(statusAt({ ...item, status: 'sent' }, new Date(T1))).toBe('sent');
  });
});
