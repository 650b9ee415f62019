/**
 * The email provider's webhook events (POST /webhooks/email, signed per Standard Webhooks): a message sent or a draft
 * deleted elsewhere resolves the items it matches (matching.ts), a message received on a draft's thread makes them
 * stale.
 */
import * as z from 'zod/mini';
import {
  headerSafe,
  idSchema,
  isoTimeSchema,
  MAX_RECIPIENTS,
  mailboxSchema,
  workspaceIdSchema,
} from './primitives.js';

/** What an email provider reports (POST /webhooks/email `type`). */
export const emailWebhookTypeSchema = z.enum(['message.sent', 'draft.deleted', 'message.received']);

export const emailWebhookSchema = z.lazy(() =>
  z.object({
    type: emailWebhookTypeSchema,
    workspaceId: workspaceIdSchema,
    mailbox: mailboxSchema,
    /** message.received: who sent the message that arrived. */
    from: z.optional(mailboxSchema),
    messageId: z.optional(headerSafe(998)),
    threadId: z.optional(idSchema),
    draftId: z.optional(idSchema),
    to: z._default(z.array(mailboxSchema).check(z.maxLength(MAX_RECIPIENTS)), []),
    subject: z.optional(headerSafe(998)),
    occurredAt: isoTimeSchema,
  }),
);
export type EmailWebhookEvent = z.output<typeof emailWebhookSchema>;
