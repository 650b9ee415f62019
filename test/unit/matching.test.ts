import { describe, expect, it } from 'vitest';
import { type EmailWebhookEvent, emailWebhookSchema } from '../../shared/domain/email-webhook.js';
import type { ReviewItem } from '../../shared/domain/review-item.js';
import { matchesWebhookEvent, normalizeSubject } from '../../shared/drafts/email/matching.js';
import type { EmailDraft } from '../../shared/drafts/email/schema.js';

type EmailItem = ReviewItem & { draft: EmailDraft };
const item = (draft: Partial<EmailDraft> = {}): EmailItem =>
  ({
    proposedAt: '2026-11-20T10:00:00.000Z',
    draft: {
      type: 'email',
      from: 'alice@acme.com',
      to: ['carol@globex.com'],
      cc: [],
      bcc: [],
      subject: 'Renewal',
      bodyText: 'x',
      ...draft,
    },
  }) as EmailItem;
const sent = (over: Partial<EmailWebhookEvent> = {}): EmailWebhookEvent =>
  emailWebhookSchema.parse({
    type: 'message.sent',
    workspaceId: 'ws_acme',
    mailbox: 'alice@acme.com',
    messageId: '<m@x>',
    to: ['carol@globex.com'],
    subject: 'Renewal',
    occurredAt: '2026-11-20T10:05:00.000Z',
    ...over,
  });

describe('auto-resolve matching', () => {
  it('matches the draft id whatever the event type', () => {
    expect(
      matchesWebhookEvent(item({ externalDraftId: 'd1' }), sent({ type: 'draft.deleted', draftId: 'd1' })),
    ).toBe(true);
    expect(
      matchesWebhookEvent(item({ externalDraftId: 'd1' }), sent({ type: 'draft.deleted', draftId: 'd2' })),
    ).toBe(false);
  });

  it('matches a message sent on the draft thread at or after the proposal', () => {
    const i = item({ threadId: 'th_1' });
    expect(matchesWebhookEvent(i, sent({ threadId: 'th_1', subject: 'other', to: [] }))).toBe(true);
    expect(matchesWebhookEvent(i, sent({ threadId: 'th_1', occurredAt: '2026-11-20T10:00:00.000Z' }))).toBe(
      true,
    );
    expect(matchesWebhookEvent(i, sent({ threadId: 'th_1', occurredAt: '2026-11-20T09:59:59.999Z' }))).toBe(
      false,
    );
    expect(matchesWebhookEvent(i, sent({ threadId: 'th_2' }))).toBe(false);
  });

  it('does not match a message from another mailbox', () => {
    expect(
      matchesWebhookEvent(item({ threadId: 'th_1' }), sent({ threadId: 'th_1', mailbox: 'bob@acme.com' })),
    ).toBe(false);
  });

  it('matches a threadless draft by the same to set and subject, ignoring case, space and Re:/Fwd:', () => {
    const i = item({ to: ['carol@globex.com', 'dan@globex.com'] });
    expect(
      matchesWebhookEvent(
        i,
        sent({ to: ['DAN@globex.com', 'carol@globex.com'], subject: '  RE: Fwd: renewal ' }),
      ),
    ).toBe(true);
    expect(matchesWebhookEvent(i, sent({ to: ['carol@globex.com'], subject: 'Renewal' }))).toBe(false);
    expect(
      matchesWebhookEvent(i, sent({ to: ['carol@globex.com', 'dan@globex.com'], subject: 'Renewal 2' })),
    ).toBe(false);
  });

  it('normalizes subjects', () => {
    expect(normalizeSubject(' Re: RE:Fw: Hello ')).toBe('hello');
    expect(normalizeSubject('Regarding: x')).toBe('regarding: x');
  });
});
