/**
 * The email provider says an email was sent or a draft discarded elsewhere: matching open items leave the queue as
 * `resolved` (spec 3, auto-resolve).
 *
 * A delivery is identified by its `webhook-id` alone (spec 6): a repeat, whatever its body says, changes nothing
 * and answers what the first delivery answered. The delivery reads what the event can match (one request for the
 * thread and the subject, one for a draft id); with nothing to change it writes its answer at once (claimed and
 * completed in one conditional write); otherwise it claims the id (one conditional write), makes its changes, and
 * its last change completes the claim with the answer in the same transaction. So a delivery costs at most 3
 * requests plus one per matched item (spec 8). A repeat arriving while the first is being processed waits a moment
 * for its answer; should the first stop without completing, its claim can be taken over once its lease has run out.
 */

import type { EmailWebhookEvent } from '../domain/email-webhook.js';
import {
  canTransition,
  holdCancelled,
  markedStale,
  resolved as resolvedItem,
  statusAt,
} from '../domain/lifecycle.js';
import { historyEntry, type ReviewItem } from '../domain/review-item.js';
import { kindOf } from '../drafts/index.js';
import { ConflictError } from '../errors.js';
import { itemEvent } from '../events/out-events.js';
import { decisionCounters } from './commit.js';
import type { Deps } from './deps.js';
import { cancelWrite } from './hold-cancel.js';
import type { ItemWrite, MatchKeys, WebhookAnswer, WebhookClaim } from './ports.js';

/** Longer than a delivery takes (the function's timeout is 10 s): only then may another take it over. */
export const WEBHOOK_LEASE_MS = 60_000;
/** How long a repeat waits for a delivery in progress before answering 409 (the provider retries later). */
const WAIT_FOR_FIRST_MS = 3_000;

export async function resolveFromWebhook(
  deps: Deps,
  webhookId: string,
  event: EmailWebhookEvent,
): Promise<WebhookAnswer & { duplicate: boolean }> {
  const candidates = await deps.store.matchCandidates(event.workspaceId, matchKeysOf(event));
  const now = deps.clock();
  // An item past its expiresAt is already expired, whether or not the job has marked it yet.
  const open = candidates.filter((candidate) => statusAt(candidate, now) !== 'expired');
  // message.received never resolves: it can only make a draft stale.
  const changes: { counts: keyof WebhookAnswer; write: ItemWrite }[] = [
    ...open
      .filter((candidate) => kindOf(candidate.draft).resolvedBy?.(candidate, event) ?? false)
      .map((item) => ({ counts: 'resolved' as const, write: resolveWrite(item, webhookId, event, now) })),
    ...open
      .filter(
        (candidate) =>
          // A scheduled email's hold is cancelled by a reply even when it was approved as stale (spec 3).
          (!candidate.stale || candidate.status === 'scheduled') &&
          (kindOf(candidate.draft).staledBy?.(candidate, event) ?? false) &&
          (canTransition('markStale', candidate.status) || canTransition('cancelHold', candidate.status)),
      )
      .map((item) => ({ counts: 'stale' as const, write: staleWrite(item, webhookId, event, now) })),
  ];

  // Nothing to change: the answer is claimed and completed in one write, and a repeat gets it.
  if (changes.length === 0) {
    const answer = { resolved: 0, stale: 0 };
    const recorded = await deps.store.recordWebhookAnswer(webhookId, answer, deps.clock());
    if (recorded.kind !== 'claimed')
      return { ...(await firstAnswer(deps, webhookId, recorded)), duplicate: true };
    return { ...answer, duplicate: false };
  }

  const claim = await deps.store.claimWebhook(webhookId, deps.clock(), WEBHOOK_LEASE_MS);
  if (claim.kind !== 'claimed') return { ...(await firstAnswer(deps, webhookId, claim)), duplicate: true };
  const answer = { resolved: 0, stale: 0 };
  let completed = false;
  for (const [index, change] of changes.entries()) {
    // The last change carries the delivery's answer, as it stands if that change is written.
    const last = index === changes.length - 1;
    const ifWritten = { ...answer, [change.counts]: answer[change.counts] + 1 };
    const changed = await deps.store.changeItemIfCurrent(
      change.write,
      last ? { webhookId, answer: ifWritten, at: deps.clock() } : undefined,
    );
    // Not changed: someone decided it meanwhile, and that decision stands.
    if (changed) {
      answer[change.counts] += 1;
      completed = last;
    }
  }
  if (!completed) await deps.store.completeWebhook(webhookId, answer, deps.clock());
  return { ...answer, duplicate: false };
}

/** A matching open item resolved: one item change with its history entry and `Review Item Resolved`. */
function resolveWrite(item: ReviewItem, webhookId: string, event: EmailWebhookEvent, now: Date): ItemWrite {
  const reason = event.type === 'draft.deleted' ? 'draft discarded elsewhere' : 'sent elsewhere';
  const actor = { kind: 'system' as const, reason: `email provider: ${reason}` };
  const after = resolvedItem(item, now.toISOString(), event.messageId);
  return {
    before: item,
    after,
    entry: historyEntry(after, 'resolved', actor, {
      detail: { webhookId, type: event.type, ...(event.messageId ? { messageId: event.messageId } : {}) },
    }),
    counters: decisionCounters(item, { resolvedElsewhere: 1 }, after.updatedAt),
    events: [itemEvent('Review Item Resolved', after, actor, { webhookId, type: event.type })],
  };
}

/** The answer of the delivery that claimed the id first, waiting briefly while it is being processed. */
async function firstAnswer(deps: Deps, webhookId: string, claim: WebhookClaim): Promise<WebhookAnswer> {
  const until = Date.now() + WAIT_FOR_FIRST_MS;
  let current = claim;
  while (current.kind === 'busy' && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    current = await deps.store.claimWebhook(webhookId, deps.clock(), WEBHOOK_LEASE_MS);
    // The first delivery's lease ran out: this repeat took the claim over, but its own body must not be
    // processed (a repeat is a no-op whatever it says): it completes the claim with nothing done.
    if (current.kind === 'claimed') {
      const answer = { resolved: 0, stale: 0 };
      await deps.store.completeWebhook(webhookId, answer, deps.clock());
      return answer;
    }
  }
  if (current.kind === 'done') return current.answer;
  throw new ConflictError('A delivery with this webhook-id is being processed; retry later', {
    status: 'in_progress',
    version: 0,
  });
}

/**
 * What the event can match (spec 3): a draft id matches by itself; a `message.sent` matches drafts on its thread
 * and threadless drafts with its subject. The store reads exactly those partitions, whatever the mailbox holds.
 */
function matchKeysOf(event: EmailWebhookEvent): MatchKeys {
  const keys: MatchKeys = { mailbox: event.mailbox };
  if (event.draftId !== undefined) keys.draftId = event.draftId;
  if (event.type === 'message.sent') {
    if (event.threadId !== undefined) keys.threadId = event.threadId;
    if (event.subject !== undefined) keys.subject = event.subject;
  }
  // A received message makes stale only the drafts on its thread.
  if (event.type === 'message.received' && event.threadId !== undefined) keys.threadId = event.threadId;
  return keys;
}

/** A pending email draft marked stale: one item change with its history entry and `Review Item Stale`. */
function staleWrite(item: ReviewItem, webhookId: string, event: EmailWebhookEvent, now: Date): ItemWrite {
  const actor = { kind: 'system' as const, reason: 'email provider: message received on the thread' };
  const mark = {
    reason: `A message${event.from ? ` from ${event.from}` : ''} arrived on the thread after the draft was proposed`,
    at: event.occurredAt,
    ...(event.messageId ? { messageId: event.messageId } : {}),
  };
  if (item.status === 'scheduled') {
    // The send hold (spec 3): the reply cancels the held send, and the item is stale as a pending one would be.
    const after = holdCancelled(item, 'reply', now.toISOString(), { stale: mark });
    const write = cancelWrite(item, after, actor, 'reply', {
      webhookId,
      ...(event.messageId ? { messageId: event.messageId } : {}),
    });
    return {
      ...write,
      events: [
        ...write.events,
        itemEvent('Review Item Stale', after, actor, {
          webhookId,
          reason: mark.reason,
          ...(event.messageId ? { messageId: event.messageId } : {}),
        }),
      ],
    };
  }
  const after = markedStale(item, mark, now.toISOString());
  return {
    before: item,
    after,
    entry: historyEntry(after, 'marked_stale', actor, {
      detail: { webhookId, ...(event.messageId ? { messageId: event.messageId } : {}) },
    }),
    events: [
      itemEvent('Review Item Stale', after, actor, {
        webhookId,
        reason: mark.reason,
        ...(event.messageId ? { messageId: event.messageId } : {}),
      }),
    ],
  };
}
