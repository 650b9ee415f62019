/**
 * zod schemas for everything that comes in: EventBridge details, HTTP bodies and queries, webhook bodies.
 * The bounds are SPEC section 2: 1–50 recipients, subject 1–998 characters, no CR/LF/NUL in header fields,
 * bodies up to 100 KB each, valid mailbox addresses.
 */
import * as z from 'zod/mini';
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
  plainText,
  relatedRecordSchema,
  workspaceIdSchema,
} from './primitives.js';
import { DISMISS_REASONS } from './review-item.js';
import { MAX_REVIEWERS } from './routing.js';

export { type EmailDraft, emailDraftSchema } from '../drafts/email/schema.js';
export * from './primitives.js';

export const draftProposedSchema = z.lazy(() =>
  z.object({
    workspaceId: workspaceIdSchema,
    proposedAt: isoTimeSchema,
    run: z.object({
      id: idSchema,
      stepId: idSchema,
      automationId: idSchema,
      automationName: z.optional(plainText(200)),
      automationVersion: z.optional(plainText(64).check(z.minLength(1))),
      executedAs: executedAsSchema,
      url: z.optional(z.url({ protocol: /^https?$/ }).check(z.maxLength(2048))),
    }),
    reason: z.string().check(z.minLength(1), z.maxLength(4000)),
    relatedRecords: z._default(z.array(relatedRecordSchema).check(z.maxLength(MAX_RELATED_RECORDS)), []),
    dedupKey: z.optional(idSchema.check(z.maxLength(512))),
    expiresAt: z.optional(isoTimeSchema),
    draft: proposalDraftSchema,
  }),
);
export type DraftProposed = z.output<typeof draftProposedSchema>;

export const memberChangedSchema = z.lazy(() =>
  z.object({
    workspaceId: workspaceIdSchema,
    userId: idSchema,
    role: z.enum(['admin', 'member']),
    mailboxes: z._default(z.array(mailboxSchema).check(z.maxLength(MAX_MAILBOXES)), []),
    active: z.boolean(),
    changedAt: isoTimeSchema,
  }),
);
export type MemberChanged = z.output<typeof memberChangedSchema>;

/**
 * PATCH /review-items/{id}: every editable field validated like the event schema; an email's `from` and a record
 * draft's `record` are not editable. One of `draft` (an email), `changes` (a record update) or `fields` (a record
 * creation), as the item's kind says (shared/drafts/<kind> editKey).
 */
/** A version number: a positive integer. */
const versionSchema = z.number().check(z.int(), z.minimum(1));

export const editRequestSchema = z.lazy(() =>
  z
    .strictObject({
      version: versionSchema,
      draft: z.optional(emailEditSchema),
      changes: z.optional(recordUpdateEditSchema),
      fields: z.optional(recordCreateEditSchema),
    })
    .check(
      z.refine((r) => [r.draft, r.changes, r.fields].filter((v) => v !== undefined).length === 1, {
        message:
          'give exactly one of draft (an email), changes (a record update) or fields (a record creation)',
        path: ['draft'],
      }),
    ),
);
export type EditRequest = z.output<typeof editRequestSchema>;

export const approveRequestSchema = z.lazy(() =>
  z.strictObject({
    version: z.optional(versionSchema),
    /** Required to send again an item whose previous send has an unknown outcome. */
    confirmResend: z.optional(z.boolean()),
    /** Required to send a stale item (a message arrived on its thread since it was proposed). */
    acknowledgeStale: z.optional(z.boolean()),
    /**
     * For a record draft: apply just these changes (record.update) or fields (record.create), drifted ones
     * included on purpose. Without it every change is applied, and drifted changes refuse the approval (409).
     */
    fields: z.optional(z.array(fieldNameSchema).check(z.minLength(1), z.maxLength(100))),
  }),
);
export type ApproveRequest = z.output<typeof approveRequestSchema>;

export const dismissReasonSchema = z.enum(DISMISS_REASONS).register(z.globalRegistry, {
  description: 'Why the draft was not useful (SPEC 3, Feedback): counted per automation version',
});

export const dismissRequestSchema = z.lazy(() =>
  z.strictObject({
    version: z.optional(versionSchema),
    reason: z.optional(dismissReasonSchema),
    note: z.optional(z.string().check(z.maxLength(2000))),
  }),
);
export type DismissRequest = z.output<typeof dismissRequestSchema>;

/** POST /review-items/{id}/reviewers: reviewers added and removed by hand (SPEC 3, Reassign). */
export const reassignRequestSchema = z.lazy(() =>
  z
    .strictObject({
      version: versionSchema,
      add: z.optional(z.array(idSchema).check(z.maxLength(MAX_REVIEWERS))),
      remove: z.optional(z.array(idSchema).check(z.maxLength(MAX_REVIEWERS))),
    })
    .check(
      z.refine((r) => (r.add?.length ?? 0) + (r.remove?.length ?? 0) > 0, {
        message: 'add or remove at least one reviewer',
        path: ['add'],
      }),
      z.refine((r) => !(r.add ?? []).some((userId) => (r.remove ?? []).includes(userId)), {
        message: 'a user cannot be both added and removed',
        path: ['remove'],
      }),
    ),
);
export type ReassignRequest = z.output<typeof reassignRequestSchema>;

/** POST /review-items/bulk: one decision for up to 25 items, each decided as if alone (SPEC 3, Bulk). */
export const MAX_BULK_ITEMS = 25;
export const bulkRequestSchema = z.lazy(() =>
  z
    .strictObject({
      action: z.enum(['approve', 'dismiss']),
      items: z.array(z.strictObject({ id: idSchema, version: z.optional(versionSchema) })).check(
        z.minLength(1),
        z.maxLength(MAX_BULK_ITEMS),
        z.refine((items) => new Set(items.map((i) => i.id)).size === items.length, 'each item at most once'),
      ),
      reason: z.optional(dismissReasonSchema),
      note: z.optional(z.string().check(z.maxLength(2000))),
    })
    .check(
      z.refine((r) => r.action === 'dismiss' || (r.reason === undefined && r.note === undefined), {
        message: 'reason and note go with dismiss',
        path: ['action'],
      }),
    ),
);
export type BulkRequest = z.output<typeof bulkRequestSchema>;

/** A page size in a query string (1-100, 25 unless given). */
const limitSchema = z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 25);
const cursorSchema = z.optional(z.string().check(z.maxLength(2048)));

export const listQuerySchema = z.strictObject({
  automationId: z.optional(idSchema),
  limit: limitSchema,
  cursor: cursorSchema,
  scope: z._default(z.enum(['mine', 'workspace']), 'mine'),
});
export type ListQuery = z.output<typeof listQuerySchema>;

export const pageQuerySchema = z.strictObject({ limit: limitSchema, cursor: cursorSchema });

/** GET /review-items/summary: how many of the latest items to include. */
export const summaryQuerySchema = z.strictObject({
  latest: z._default(z.coerce.number().check(z.int(), z.minimum(0), z.maximum(20)), 5),
});

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

/**
 * `aws.ses` delivery events as SES's EventBridge destination publishes them (SPEC 2.5): what this service reads of
 * them. The mail's tags carry the item (the mailer tags every send with `reviewItemId` and `workspaceId`).
 */
const upTo = (max: number) => z.string().check(z.maxLength(max));
const sesRecipients = () =>
  z._default(z.array(z.looseObject({ emailAddress: upTo(320) })).check(z.maxLength(100)), []);
export const sesDeliveryEventSchema = z.lazy(() =>
  z.looseObject({
    eventType: z.enum(['Delivery', 'Bounce', 'Complaint']),
    mail: z.looseObject({
      messageId: z.string().check(z.minLength(1), z.maxLength(256)),
      tags: z._default(z.record(upTo(256), z.array(upTo(256)).check(z.maxLength(10))), {}),
    }),
    delivery: z.optional(
      z.looseObject({
        timestamp: isoTimeSchema,
        recipients: z._default(z.array(upTo(320)).check(z.maxLength(100)), []),
      }),
    ),
    bounce: z.optional(
      z.looseObject({
        timestamp: isoTimeSchema,
        bounceType: upTo(64),
        bounceSubType: z.optional(upTo(64)),
        bouncedRecipients: sesRecipients(),
      }),
    ),
    complaint: z.optional(
      z.looseObject({
        timestamp: isoTimeSchema,
        complaintFeedbackType: z.optional(upTo(64)),
        complainedRecipients: sesRecipients(),
      }),
    ),
  }),
);
export type SesDeliveryEvent = z.output<typeof sesDeliveryEventSchema>;

/**
 * The Standard Webhooks headers, bounded before anything uses them: the id keys the delivery (Standard Webhooks
 * ids are short, `msg_` + a ULID or UUID), the timestamp is Unix seconds, the signature a few `v1,<base64>`.
 */
export const webhookHeadersSchema = z.lazy(() =>
  z.object({
    'webhook-id': headerSafe(256),
    'webhook-timestamp': upTo(20),
    'webhook-signature': headerSafe(4096),
  }),
);

/** zod issues as `{ path, message }` pairs for problem details and rejection logs. */
export function zodIssues(error: z.core.$ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}
