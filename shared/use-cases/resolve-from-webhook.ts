/**
 * The email provider says an email was sent or a draft discarded elsewhere: matching open items leave the
 * queue as `resolved` (SPEC 3, auto-resolve). A repeated webhook-id is a no-op.
 */

import { resolved as resolvedItem, statusAt } from '../domain/lifecycle.js';
import { matchesWebhookEvent } from '../domain/matching.js';
import { historyEntry } from '../domain/review-item.js';
import type { EmailWebhookEvent } from '../domain/schemas.js';
import { itemEvent } from '../events/publisher.js';
import { logger } from '../logger.js';
import { decisionCounters } from './decide.js';
import type { Deps } from './deps.js';
import type { MatchKeys } from './ports.js';

export async function resolveFromWebhook(deps: Deps, webhookId: string, event: EmailWebhookEvent) {
  const { workspaceId } = event;
  if (await deps.store.webhookSeen(workspaceId, webhookId)) return { resolved: 0, duplicate: true };

  const now = deps.clock();
  const at = now.toISOString();
  const candidates = await deps.store.matchCandidates(workspaceId, matchKeysOf(event));
  const reason = event.type === 'draft.deleted' ? 'draft discarded elsewhere' : 'sent elsewhere';
  let resolved = 0;
  // An item past its expiresAt is already expired, whether or not the job has marked it yet.
  const open = candidates.filter((candidate) => statusAt(candidate, now) !== 'expired');
  for (const item of open.filter((candidate) => matchesWebhookEvent(candidate, event))) {
    const after = resolvedItem(item, at, event.messageId);
    const changed = await deps.store.changeItemIfCurrent(
      item,
      after,
      historyEntry(
        after,
        'resolved',
        { kind: 'system', reason: `email provider: ${reason}` },
        {
          detail: { webhookId, type: event.type, ...(event.messageId ? { messageId: event.messageId } : {}) },
        },
      ),
      decisionCounters(item, { resolvedElsewhere: 1 }, at),
    );
    // Not changed: someone decided it meanwhile, and that decision stands.
    if (!changed) continue;
    resolved += 1;
    try {
      await deps.publisher.publish([
        itemEvent('Review Item Resolved', after, { kind: 'system', reason }, at, {
          webhookId,
          type: event.type,
        }),
      ]);
    } catch (error) {
      logger.error('Could not publish event', { itemId: after.id, error: error as Error });
    }
  }
  await deps.store.recordWebhook(workspaceId, webhookId, now, resolved);
  return { resolved, duplicate: false };
}

/**
 * What the event can match (SPEC 3): a draft id matches by itself; a `message.sent` matches drafts on its thread
 * and threadless drafts with its subject. The store reads exactly those partitions, whatever the mailbox holds.
 */
function matchKeysOf(event: EmailWebhookEvent): MatchKeys {
  const keys: MatchKeys = { mailbox: event.mailbox };
  if (event.draftId !== undefined) keys.draftId = event.draftId;
  if (event.type === 'message.sent') {
    if (event.threadId !== undefined) keys.threadId = event.threadId;
    if (event.subject !== undefined) keys.subject = event.subject;
  }
  return keys;
}
