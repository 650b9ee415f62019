/**
 * zod schemas for everything that comes in: EventBridge details, HTTP bodies and queries, webhook bodies.
 * The bounds are SPEC section 2: 1–50 recipients, subject 1–998 characters, no CR/LF/NUL in header fields,
 * bodies up to 100 KB each, valid mailbox addresses.
 */
import * as z from 'zod';
import { emailEditSchema } from '../drafts/email/schema.js';
import { proposalDraftSchema } from '../drafts/index.js';
import { recordCreateEditSchema } from '../drafts/record-create/index.js';
import { recordUpdateEditSchema } from '../drafts/record-update/index.js';
import { fieldNameSchema } from '../drafts/record-values.js';
import type { FieldIssue } from '../errors.js';
import {
  executedAsSchema,
  headerSafe,
  idSchema,
  isoTimeSchema,
  MAX_MAILBOXES,
  MAX_RECIPIENTS,
  MAX_RELATED_RECORDS,
  mailboxSchema,
  relatedRecordSchema,
  workspaceIdSchema,
} from './primitives.js';
import { DISMISS_REASONS } from './review-item.js';
import { MAX_REVIEWERS } from './routing.js';

export { type EmailDraft, emailDraftSchema } from '../drafts/email/schema.js';
export * from './primitives.js';

export const draftProposedSchema = z.object({
  workspaceId: workspaceIdSchema,
  proposedAt: isoTimeSchema,
  run: z.object({
    id: idSchema,
    stepId: idSchema,
    automationId: idSchema,
    automationName: headerSafe(200).optional(),
    automationVersion: headerSafe(64).min(1).optional(),
    executedAs: executedAsSchema,
    url: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .optional(),
  }),
  reason: z.string().min(1).max(4000),
  relatedRecords: z.array(relatedRecordSchema).max(MAX_RELATED_RECORDS).default([]),
  dedupKey: idSchema.max(512).optional(),
  expiresAt: isoTimeSchema.optional(),
  draft: proposalDraftSchema,
});
export type DraftProposed = z.output<typeof draftProposedSchema>;

export const memberChangedSchema = z.object({
  workspaceId: workspaceIdSchema,
  userId: idSchema,
  role: z.enum(['admin', 'member']),
  mailboxes: z.array(mailboxSchema).max(MAX_MAILBOXES).default([]),
  active: z.boolean(),
  changedAt: isoTimeSchema,
});
export type MemberChanged = z.output<typeof memberChangedSchema>;

/**
 * PATCH /review-items/{id}: every editable field validated like the event schema; an email's `from` and a record
 * draft's `record` are not editable. One of `draft` (an email), `changes` (a record update) or `fields` (a record
 * creation), as the item's kind says (shared/drafts/<kind> editKey).
 */
export const editRequestSchema = z
  .object({
    version: z.number().int().min(1),
    draft: emailEditSchema.optional(),
    changes: recordUpdateEditSchema.optional(),
    fields: recordCreateEditSchema.optional(),
  })
  .strict()
  .refine((r) => [r.draft, r.changes, r.fields].filter((v) => v !== undefined).length === 1, {
    message: 'give exactly one of draft (an email), changes (a record update) or fields (a record creation)',
    path: ['draft'],
  });
export type EditRequest = z.output<typeof editRequestSchema>;

export const approveRequestSchema = z
  .object({
    version: z.number().int().min(1).optional(),
    /** Required to send again an item whose previous send has an unknown outcome. */
    confirmResend: z.boolean().optional(),
    /** Required to send a stale item (a message arrived on its thread since it was proposed). */
    acknowledgeStale: z.boolean().optional(),
    /**
     * For a record draft: apply just these changes (record.update) or fields (record.create), drifted ones
     * included on purpose. Without it every change is applied, and drifted changes refuse the approval (409).
     */
    fields: z.array(fieldNameSchema).min(1).max(100).optional(),
  })
  .strict();
export type ApproveRequest = z.output<typeof approveRequestSchema>;

export const dismissReasonSchema = z
  .enum(DISMISS_REASONS)
  .describe('Why the draft was not useful (SPEC 3, Feedback): counted per automation version');

export const dismissRequestSchema = z
  .object({
    version: z.number().int().min(1).optional(),
    reason: dismissReasonSchema.optional(),
    note: z.string().max(2000).optional(),
  })
  .strict();
export type DismissRequest = z.output<typeof dismissRequestSchema>;

/** POST /review-items/{id}/reviewers: reviewers added and removed by hand (SPEC 3, Reassign). */
export const reassignRequestSchema = z
  .object({
    version: z.number().int().min(1),
    add: z.array(idSchema).max(MAX_REVIEWERS).optional(),
    remove: z.array(idSchema).max(MAX_REVIEWERS).optional(),
  })
  .strict()
  .refine((r) => (r.add?.length ?? 0) + (r.remove?.length ?? 0) > 0, {
    message: 'add or remove at least one reviewer',
    path: ['add'],
  })
  .refine((r) => !(r.add ?? []).some((userId) => (r.remove ?? []).includes(userId)), {
    message: 'a user cannot be both added and removed',
    path: ['remove'],
  });
export type ReassignRequest = z.output<typeof reassignRequestSchema>;

/** POST /review-items/bulk: one decision for up to 25 items, each decided as if alone (SPEC 3, Bulk). */
export const MAX_BULK_ITEMS = 25;
export const bulkRequestSchema = z
  .object({
    action: z.enum(['approve', 'dismiss']),
    items: z
      .array(z.object({ id: idSchema, version: z.number().int().min(1).optional() }).strict())
      .min(1)
      .max(MAX_BULK_ITEMS)
      .refine((items) => new Set(items.map((i) => i.id)).size === items.length, 'each item at most once'),
    reason: dismissReasonSchema.optional(),
    note: z.string().max(2000).optional(),
  })
  .strict()
  .refine((r) => r.action === 'dismiss' || (r.reason === undefined && r.note === undefined), {
    message: 'reason and note go with dismiss',
    path: ['action'],
  });
export type BulkRequest = z.output<typeof bulkRequestSchema>;

export const listQuerySchema = z
  .object({
    automationId: idSchema.optional(),
    limit: z.coerce.number().int().min(1).max(100).default(25),
    cursor: z.string().max(2048).optional(),
    scope: z.enum(['mine', 'workspace']).default('mine'),
  })
  .strict();
export type ListQuery = z.output<typeof listQuerySchema>;

export const pageQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(25),
    cursor: z.string().max(2048).optional(),
  })
  .strict();

/** GET /review-items/summary: how many of the latest items to include. */
export const summaryQuerySchema = z
  .object({ latest: z.coerce.number().int().min(0).max(20).default(5) })
  .strict();

export const emailWebhookSchema = z.object({
  type: z.enum(['message.sent', 'draft.deleted', 'message.received']),
  workspaceId: workspaceIdSchema,
  mailbox: mailboxSchema,
  /** message.received: who sent the message that arrived. */
  from: mailboxSchema.optional(),
  messageId: headerSafe(998).optional(),
  threadId: idSchema.optional(),
  draftId: idSchema.optional(),
  to: z.array(mailboxSchema).max(MAX_RECIPIENTS).default([]),
  subject: headerSafe(998).optional(),
  occurredAt: isoTimeSchema,
});
export type EmailWebhookEvent = z.output<typeof emailWebhookSchema>;

/**
 * `aws.ses` delivery events as SES's EventBridge destination publishes them (SPEC 2.5): what this service reads of
 * them. The mail's tags carry the item (the mailer tags every send with `reviewItemId` and `workspaceId`).
 */
const sesRecipients = z
  .array(z.looseObject({ emailAddress: z.string().max(320) }))
  .max(100)
  .default([]);
export const sesDeliveryEventSchema = z.looseObject({
  eventType: z.enum(['Delivery', 'Bounce', 'Complaint']),
  mail: z.looseObject({
    messageId: z.string().min(1).max(256),
    tags: z.record(z.string().max(256), z.array(z.string().max(256)).max(10)).default({}),
  }),
  delivery: z
    .looseObject({ timestamp: isoTimeSchema, recipients: z.array(z.string().max(320)).max(100).default([]) })
    .optional(),
  bounce: z
    .looseObject({
      timestamp: isoTimeSchema,
      bounceType: z.string().max(64),
      bounceSubType: z.string().max(64).optional(),
      bouncedRecipients: sesRecipients,
    })
    .optional(),
  complaint: z
    .looseObject({
      timestamp: isoTimeSchema,
      complaintFeedbackType: z.string().max(64).optional(),
      complainedRecipients: sesRecipients,
    })
    .optional(),
});
export type SesDeliveryEvent = z.output<typeof sesDeliveryEventSchema>;

/**
 * The Standard Webhooks headers, bounded before anything uses them: the id keys the delivery (Standard Webhooks
 * ids are short, `msg_` + a ULID or UUID), the timestamp is Unix seconds, the signature a few `v1,<base64>`.
 */
export const webhookHeadersSchema = z.object({
  'webhook-id': headerSafe(256),
  'webhook-timestamp': z.string().max(20),
  'webhook-signature': headerSafe(4096),
});

/** zod issues as `{ path, message }` pairs for problem details and rejection logs. */
export function zodIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}
