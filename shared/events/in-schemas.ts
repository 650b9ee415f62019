/**
 * zod schemas of the details of the events in (spec 2): what each event function validates with (functions/<name>.ts),
 * and what the event catalog (catalog.ts) publishes as their JSON Schemas. The CRM's events are domain/crm-events.ts.
 */
import * as z from 'zod/mini';
import {
  executedAsSchema,
  idSchema,
  isoTimeSchema,
  MAX_MAILBOXES,
  MAX_RELATED_RECORDS,
  mailboxSchema,
  plainText,
  relatedRecordSchema,
  workspaceIdSchema,
} from '../domain/primitives.js';
import { proposalDraftSchema } from '../drafts/index.js';

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

/** The directory deleted a workspace (spec 3 "Data lifecycle"): everything of it is deleted. */
export const workspaceDeletedSchema = z.lazy(() =>
  z.object({
    workspaceId: workspaceIdSchema,
    deletedAt: isoTimeSchema,
  }),
);
export type WorkspaceDeleted = z.output<typeof workspaceDeletedSchema>;

/**
 * `aws.ses` delivery events as SES's EventBridge destination publishes them (spec 2.5): what this service reads of
 * them. The mail's tags carry the item (the mailer tags every send with `reviewItemId` and `workspaceId`).
 */
const upTo = (max: number) => z.string().check(z.maxLength(max));
const sesRecipients = () =>
  z._default(z.array(z.looseObject({ emailAddress: upTo(320) })).check(z.maxLength(100)), []);
export const sesDeliveryEventSchema = z.lazy(() =>
  z.looseObject({
    eventType: z.enum(['Delivery', 'Bounce', 'Complaint', 'Reject', 'Rendering Failure']),
    mail: z.looseObject({
      /** When SES accepted the send: the time of a reject or rendering failure, which carry none of their own. */
      timestamp: z.optional(isoTimeSchema),
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
    reject: z.optional(z.looseObject({ reason: z.optional(upTo(256)) })),
    failure: z.optional(
      z.looseObject({ errorMessage: z.optional(upTo(1024)), templateName: z.optional(upTo(256)) }),
    ),
  }),
);
export type SesDeliveryEvent = z.output<typeof sesDeliveryEventSchema>;
