/**
 * A send hold cancelled on its own (spec 3, Send hold and undo): a reply on the thread (resolve-from-webhook.ts), a
 * drift of the record draft (record-apply.ts), the approver removed (held-items.ts). The item is pending again with
 * `holdCancelled: { reason, at }`, one conditional change of the scheduled item as read, so an execution that
 * claimed it first wins and the cancellation writes nothing. Kept apart from the executors, which the webhook's
 * and the CRM's functions do not bundle.
 */
import { holdCancelled } from '../domain/lifecycle.js';
import { type HoldCancelReason, historyEntry, type ReviewItem } from '../domain/review-item.js';
import { itemEvent } from '../events/out-events.js';
import type { Deps } from './deps.js';
import type { ItemWrite } from './ports.js';

/** The hold cancelled on its own: pending again with `holdCancelled`. False when another change came first. */
export async function cancelHold(
  deps: Deps,
  item: ReviewItem,
  reason: HoldCancelReason,
  now: Date,
  changes: Partial<ReviewItem> = {},
  detail: Record<string, string> = {},
): Promise<boolean> {
  const after = holdCancelled(item, reason, now.toISOString(), changes);
  const actor = { kind: 'system' as const, reason: `hold cancelled: ${reason}` };
  return deps.store.changeItemIfCurrent(cancelWrite(item, after, actor, reason, detail));
}

/** The write of a cancelled hold (also what the webhook's and the CRM's changes write, with their own extras). */
export function cancelWrite(
  item: ReviewItem,
  after: ReviewItem,
  actor: { kind: 'system'; reason: string },
  reason: HoldCancelReason,
  detail: Record<string, string> = {},
): ItemWrite {
  return {
    before: item,
    after,
    entry: historyEntry(after, 'hold_cancelled', actor, {
      withDraft: after.draft !== item.draft,
      detail: { reason, ...detail },
    }),
    events: [itemEvent('Review Item Hold Cancelled', after, actor, { reason })],
  };
}
