/**
 * The scheduled jobs: expiry, and recovery of sends interrupted between the claim and the outcome.
 * Both read due work from the `due` index (eventually consistent) and write conditionally on what they read, so a
 * job racing with a reviewer never overrides the reviewer's action. Each change writes its event with it.
 */

import { expired, sendUnknown } from '../domain/lifecycle.js';
import { historyEntry, type ReviewItem } from '../domain/review-item.js';
import { itemEvent } from '../events/out-events.js';
import { decisionCounters } from './commit.js';
import type { Deps } from './deps.js';

/** A `sending` item older than this was interrupted: the approve function's timeout is far shorter. */
export const INTERRUPTED_AFTER_MS = 2 * 60 * 1000;
const BATCH = 100;

export async function expireDueItems(deps: Deps): Promise<{ expired: number }> {
  const now = deps.clock();
  let expired = 0;
  for (const item of await deps.store.due('EXPIRY', now.toISOString(), BATCH)) {
    if (await expireItem(deps, item, now)) expired += 1;
  }
  return { expired };
}

/** Marks a pending item past its expiresAt as expired. False when it is not due, or someone changed it first. */
export async function expireItem(deps: Deps, item: ReviewItem, now: Date): Promise<boolean> {
  if (item.status !== 'pending' || !item.expiresAt || Date.parse(item.expiresAt) > now.getTime())
    return false;
  const after = expired(item, now.toISOString());
  const actor = { kind: 'system' as const, reason: 'expiresAt passed' };
  return deps.store.changeItemIfCurrent({
    before: item,
    after,
    entry: historyEntry(after, 'expired', actor),
    counters: decisionCounters(item, { expired: 1 }, after.updatedAt),
    events: [itemEvent('Review Item Expired', after, actor, { expiresAt: item.expiresAt })],
  });
}

export async function recoverInterruptedSends(deps: Deps): Promise<{ recovered: number }> {
  const now = deps.clock();
  const at = now.toISOString();
  const before = new Date(now.getTime() - INTERRUPTED_AFTER_MS).toISOString();
  const actor = { kind: 'system' as const, reason: 'interrupted send' };
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
    const changed = await deps.store.changeItemIfCurrent({
      before: item,
      after,
      entry: historyEntry(after, 'send_unknown', actor),
      events: [
        itemEvent('Review Item Send Failed', after, actor, { outcome: 'unknown', code: 'Interrupted' }),
      ],
    });
    if (changed) recovered += 1;
  }
  return { recovered };
}
