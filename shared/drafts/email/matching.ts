/**
 * Auto-resolve matching (spec 3): does an email provider event say this item's email was sent or its draft
 * discarded elsewhere? The store has already narrowed the items to open items from the event's mailbox.
 */
import type { ReviewItem } from '../../domain/review-item.js';
import { compareTimes } from '../../domain/time.js';
import type { MailboxEvent } from '../kind.js';
import type { EmailDraft } from './schema.js';

type EmailItem = Pick<ReviewItem, 'proposedAt'> & { draft: EmailDraft };

/** Subject comparison ignores case, surrounding space and any leading `Re:` / `Fwd:` (also `Fw:`), repeated. */
export function normalizeSubject(subject: string): string {
  let s = subject.trim().toLowerCase();
  for (;;) {
    const stripped = s.replace(/^(re|fwd?)\s*:\s*/, '');
    if (stripped === s) return s;
    s = stripped.trim();
  }
}

const sameAddressSet = (a: string[], b: string[]): boolean => {
  const left = new Set(a.map((x) => x.toLowerCase()));
  const right = new Set(b.map((x) => x.toLowerCase()));
  return left.size === right.size && [...left].every((x) => right.has(x));
};

export function matchesWebhookEvent(item: EmailItem, event: MailboxEvent): boolean {
  const { draft } = item;
  if (draft.from.toLowerCase() !== event.mailbox.toLowerCase()) return false;
  if (event.draftId !== undefined && draft.externalDraftId === event.draftId) return true;
  if (event.type !== 'message.sent') return false;
  // A message sent before the draft was proposed cannot be this draft sent elsewhere.
  if (compareTimes(event.occurredAt, item.proposedAt) < 0) return false;
  if (draft.threadId !== undefined) return event.threadId === draft.threadId;
  return (
    event.subject !== undefined &&
    sameAddressSet(event.to, draft.to) &&
    normalizeSubject(event.subject) === normalizeSubject(draft.subject)
  );
}

/**
 * Stale emails (spec 3): a `message.received` in the draft's from-mailbox on the draft's thread, at or after the item
 * was proposed, from anyone but that mailbox, means the conversation moved on. Email drafts with a thread only.
 */
export function makesStale(item: EmailItem, event: MailboxEvent): boolean {
  const { draft } = item;
  if (event.type !== 'message.received') return false;
  if (draft.threadId === undefined || event.threadId !== draft.threadId) return false;
  if (draft.from.toLowerCase() !== event.mailbox.toLowerCase()) return false;
  if (event.from !== undefined && event.from.toLowerCase() === draft.from.toLowerCase()) return false;
  return compareTimes(event.occurredAt, item.proposedAt) >= 0;
}
