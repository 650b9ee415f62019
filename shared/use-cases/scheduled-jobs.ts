/**
 * The scheduled jobs: expiry, and recovery of sends interrupted between the claim and the outcome.
 * Both read due work from gsi2 (eventually consistent) and write conditionally on what they read, so a
 * job racing with a reviewer never overrides the reviewer's action.
 */

import { expired, sendUnknown } from '../domain/lifecycle.js';
import { historyEntry, type ReviewItem } from '../domain/review-item.js';
import { itemEvent } from '../events/publisher.js';
import { decisionCounters } from './decide.js';
import type { Deps } from './deps.js';

/** A `sending` item older than this was interrupted: the approve function's timeout is far shorter. */
export const INTERRUPTED_AFTER_MS = 2 * 60 * 1000;
const BATCH = 100;

export async function expireDueItems(deps: Deps): Promise<{ expired: number }> {
  const now = deps.clock();
  const at = now.toISOString();
  let expired = 0;
  for (const item of await deps.store.due('EXPIRY', at, BATCH)) {
    if (await expireItem(deps, item, now)) expired += 1;
  }
  return { expired };
}

/** Marks a pending item past its expiresAt as expired. False when it is not due, or someone changed it first. */
export async function expireItem(deps: Deps, item: ReviewItem, now: Date): Promise<boolean> {
  if (item.status !== 'pending' || !item.expiresAt || Date.parse(item.expiresAt) > now.getTime())
    return false;
  const at = now.toISOString();
  const after = expired(item, at);
  if (!(await change(deps, item, after, 'expired', decisionCounters(item, { expired: 1 }, at)))) return false;
  await deps.publisher.publish([
    itemEvent('Review Item Expired', after, { kind: 'system', reason: 'expired' }, at, {
      expiresAt: item.expiresAt,
    }),
  ]);
  return true;
}

export async function recoverInterruptedSends(deps: Deps): Promise<{ recovered: number }> {
  const now = deps.clock();
  const at = now.toISOString();
  const before = new Date(now.getTime() - INTERRUPTED_AFTER_MS).toISOString();
  let recovered = 0;
  for (const item of await deps.store.due('SENDING', before, BATCH)) {
    if (item.status !== 'sending' || !item.sendAttempt || item.sendAttempt.claimedAt > before) continue;
    const after = sendUnknown(
      item,
      {
        code: 'Interrupted',
        message: 'The send was interrupted before its outcome was recorded; it may or may not have gone out',
        at,
      },
      'interrupted',
    );
    if (await change(deps, item, after, 'send_unknown')) {
      recovered += 1;
      await deps.publisher.publish([
        itemEvent('Review Item Send Failed', after, { kind: 'system', reason: 'interrupted send' }, at, {
          outcome: 'unknown',
          code: 'Interrupted',
        }),
      ]);
    }
  }
  return { recovered };
}

function change(
  deps: Deps,
  before: ReviewItem,
  after: ReviewItem,
  action: 'expired' | 'send_unknown',
  counters?: ReturnType<typeof decisionCounters>,
): Promise<boolean> {
  const reason = action === 'expired' ? 'expiresAt passed' : 'interrupted send';
  return deps.store.changeItemIfCurrent(
    before,
    after,
    historyEntry(after, action, { kind: 'system', reason }),
    counters,
  );
}
