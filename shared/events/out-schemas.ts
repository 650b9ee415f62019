/**
 * zod schemas of the details of the events out (spec 5), as `itemEvent()` (out-events.ts) and the use cases write
 * them. Nothing validates with these at run time: the catalog (catalog.ts) turns them into the published JSON
 * Schemas (docs/events/, `GET /schemas` locally, the EventBridge schema registry), and the tests check every event
 * the system publishes against those. No Lambda imports this module (bundle size, spec 8).
 *
 * The objects are strict: a field the code adds to a detail without adding it here fails the tests, so the
 * published schemas stay what the system really sends. A change to a detail is a change here, then
 * `npm run event-schemas`.
 */
import * as z from 'zod';
import { emailWebhookTypeSchema } from '../domain/email-webhook.js';
import { fieldValueSchema, scalarSchema } from '../domain/record-fields.js';
import { actorSchema, deliverySchema, reviewStatusSchema } from '../http/responses.js';

const time = z.iso.datetime({ offset: true });
const userIds = z.array(z.string().min(1));

/** What every event out names besides its workspace (spec 5): the automation, run and step, the actor, the time. */
const workspaceId = z.string().describe('The workspace');
const origin = {
  automationId: z.string().describe('The automation whose run proposed the draft'),
  runId: z.string().describe('The run that proposed the draft (for an item: its current proposal)'),
  stepId: z.string().describe('The step of that run'),
  actor: actorSchema.describe('Who made the change: a reviewer, the automation run, or the system and why'),
  at: time.describe('When the change was made'),
  eventId: z
    .string()
    .min(1)
    .describe(
      'Stays the same when the event is delivered again: `<itemId>.v<version>` for an item change; subscribers ' +
        'de-duplicate by it',
    ),
};

/** The detail of every item event (`itemEvent()`): the origin, the item, its status and version after the change. */
const itemEventSchema = z.strictObject({
  workspaceId,
  itemId: z.string().describe('The review item'),
  status: reviewStatusSchema.describe("The item's status after the change"),
  version: z
    .number()
    .int()
    .min(1)
    .describe("The item's version after the change; an item's events carry increasing versions"),
  ...origin,
});

const itemEventWith = <S extends z.ZodRawShape>(shape: S) => itemEventSchema.extend(shape);

export const itemCreatedSchema = itemEventWith({
  reviewers: userIds.describe('Who the item was routed to'),
});

export const itemReplacedSchema = itemEventWith({
  replacedRunId: z.string().describe('The run whose proposal this one replaced'),
  reviewers: userIds.describe('Who the item is routed to now'),
});

export const itemEditedSchema = itemEventSchema;

export const itemDismissedSchema = itemEventWith({
  note: z.string().optional().describe("The reviewer's note, when one was given"),
  reason: z
    .string()
    .optional()
    .describe("The dismissal's reason code, when one was given (spec 3, Feedback)"),
});

export const itemReassignedSchema = itemEventWith({
  added: z.array(z.string()).describe('Reviewers added (by hand, or by a delegation)'),
  removed: z.array(z.string()).describe('Reviewers removed (by hand, or as a delegation ended)'),
  reviewers: z.array(z.string()).describe('The reviewers after the change'),
  reason: z
    .literal('delegation')
    .optional()
    .describe(
      'Set when an out-of-office delegation made the change (spec 3, Delegation); absent for a change by hand',
    ),
  delegatedBy: z.string().optional().describe('With reason delegation: the member whose delegation it is'),
});

export const itemStaleSchema = itemEventWith({
  webhookId: z.string().describe('The webhook delivery that reported the message'),
  reason: z.string(),
  messageId: z.string().optional().describe("The provider's id of the message that arrived"),
});

export const itemSentSchema = itemEventWith({
  messageId: z.string().describe('The SES message id of the email sent'),
});

export const itemSendFailedSchema = itemEventWith({
  outcome: z
    .enum(['rejected', 'unknown'])
    .describe(
      'rejected: SES refused it, the item is pending again; unknown: it may or may not have gone out, the item ' +
        'is send_unknown and is never resent automatically',
    ),
  code: z.string().describe('The error code (SES, or Interrupted for a send that stopped midway)'),
});

export const itemDeliveryUpdatedSchema = itemEventWith({
  delivery: deliverySchema,
  messageId: z.string().describe('The SES message id of the email the report is about'),
});

export const itemResolvedSchema = z.union([
  itemEventWith({
    webhookId: z.string().describe('The `webhook-id` of the email provider delivery that resolved it'),
    type: emailWebhookTypeSchema.check(z.describe('What the email provider reported')),
  }),
  itemEventWith({
    reason: z.string().describe('Why it resolved itself: a record update whose every change already holds'),
  }),
]);

// ---------------------------------------------------------------- record drafts (spec 2.3, 2.4, 5)

const applyId = z
  .string()
  .describe(
    'Identifies the approved command; the CRM applies each applyId at most once, and answers with it',
  );
const recordType = z.string().describe('The CRM record type');

/**
 * The command (shared/drafts/record-command.ts `commandOf()`) besides the item event's fields: who approved
 * what, and how many times it was published (a command published again keeps its applyId).
 */
const command = {
  applyId,
  approvedBy: z.string().describe('The reviewer who approved it'),
  approvedAt: time.describe('When it was approved'),
  publication: z
    .number()
    .int()
    .min(1)
    .describe('1 for the first publication, then 2, 3, ... for republications'),
};

export const recordChangeApprovedSchema = z.discriminatedUnion('operation', [
  itemEventWith({
    ...command,
    operation: z.literal('update'),
    record: z.strictObject({
      type: recordType,
      id: z.string(),
      baseVersion: z.string().optional().describe('The record version the automation read, when it gave one'),
    }),
    changes: z
      .array(
        z.strictObject({
          field: z.string(),
          op: z.enum(['set', 'set_if_empty', 'add', 'remove']),
          before: z.optional(scalarSchema).describe('set: what the automation saw'),
          after: z
            .optional(scalarSchema)
            .describe("set, set_if_empty: the value to write (the reviewer's edit, else the proposal)"),
          values: z.array(z.string()).optional().describe('add, remove: the values'),
          edited: z.boolean().describe('Whether a reviewer edited this change'),
        }),
      )
      .describe('The approved changes'),
  }),
  itemEventWith({
    ...command,
    operation: z.literal('create'),
    record: z.strictObject({ type: recordType, name: z.string().optional() }),
    fields: z
      .array(z.strictObject({ field: z.string(), value: fieldValueSchema, edited: z.boolean() }))
      .describe('The approved fields of the new record, with their values'),
  }),
]);

export const itemAppliedSchema = itemEventWith({
  applyId,
  record: z
    .strictObject({ type: recordType, id: z.string(), version: z.string().optional() })
    .describe("The record after the change, as the CRM's Record Change Applied named it"),
});

export const itemApplyFailedSchema = z.discriminatedUnion('outcome', [
  itemEventWith({
    outcome: z
      .literal('rejected')
      .describe('The CRM refused it (Record Change Rejected): the item is pending again'),
    applyId,
    reason: z.enum(['conflict', 'invalid', 'not_found', 'forbidden']),
    message: z.string().describe("The CRM's message (at most 500 characters)"),
    rejectedAt: time,
  }),
  itemEventWith({
    outcome: z
      .literal('unknown')
      .describe('The CRM never answered any publication: the item is apply_unknown, a reviewer settles it'),
    applyId,
  }),
]);

export const itemExpiredSchema = itemEventWith({
  expiresAt: time.describe("The draft's expiresAt, which passed"),
});

export const itemOverdueSchema = itemEventWith({
  overdueSince: time.describe("When it became overdue: createdAt + the workspace's overdueAfterMinutes"),
  reviewers: z.array(z.string()).describe('The reviewers it waits for'),
});

export const itemEscalatedSchema = itemEventWith({
  added: z
    .array(z.string())
    .describe(
      'The escalation reviewers added: those who can see the item and did not review it yet (maybe none)',
    ),
  reviewers: z.array(z.string()).describe('The reviewers after the change'),
});

export const itemScheduledSchema = itemEventWith({
  executeAt: time.describe(
    "When the held approval executes (the workspace's sendHoldSeconds after the approval), unless undone or cancelled first",
  ),
});

export const itemUndoneSchema = itemEventSchema;

export const itemHoldCancelledSchema = itemEventWith({
  reason: z
    .enum(['reply', 'drift', 'replaced', 'approver_removed'])
    .describe(
      'Why the hold was cancelled before executeAt: a reply on the thread, a drift of the record draft, a newer ' +
        'proposal of the same change, or the approver no longer an active member who may see the item',
    ),
});

/** A proposal that made no item (spec 3): no item, so no item id, status or version. */
export const draftDroppedSchema = z.strictObject({
  workspaceId,
  ...origin,
  reason: z.string().describe('Why the proposal was dropped'),
});

/** An erasure finished (spec 3, "Data lifecycle"): what it removed, counts only, never the address or record. */
export const erasureCompletedSchema = z.strictObject({
  workspaceId,
  erasureId: z.string().describe('The erasure, as POST /privacy/erasures answered it'),
  scope: z.enum(['email', 'record']).describe('What it erased by: an email address or a CRM record'),
  requestedBy: z.string().describe('The admin who asked for it'),
  itemsChecked: z.number().int().min(0).describe("The workspace's items it read"),
  itemsErased: z.number().int().min(0).describe('Items erased, each with its history, entries and notes'),
  recordsDeleted: z.number().int().min(0).describe('Table records deleted in all'),
  at: time.describe('When it finished'),
  eventId: z.string().min(1).describe('Stays the same when the event is delivered again'),
});

/** A step's trust recommendation changed (spec 3, "Trust"): workspace-wide figures, no item. */
export const stepTrustChangedSchema = z.strictObject({
  workspaceId,
  automationId: z.string().describe('The automation'),
  automationVersion: z.string().nullable().describe('Its version (null: runs that gave none)'),
  stepId: z.string().describe('The step of its runs'),
  draftType: z.string().describe('The draft type the step proposes'),
  recommendation: z
    .enum(['apply_directly', 'keep_reviewing'])
    .describe('The new recommendation: advice for the automation owner and the agent, never acted on'),
  previous: z.enum(['apply_directly', 'keep_reviewing']).describe('The recommendation published before'),
  decisions: z.number().int().min(0).describe('Approved or dismissed, every scope of the workspace'),
  neededHuman: z.number().int().min(0).describe('Dismissed, or approved after edits or in part'),
  neededHumanRate: z.number().min(0).max(1).nullable(),
  upperBound: z.number().min(0).max(1).describe('One-sided 95% Clopper–Pearson upper bound of that rate'),
  maxHumanRate: z.number().describe("The workspace's trust.maxHumanRate the bound was held against"),
  minDecisions: z.number().int().describe("The workspace's trust.minDecisions"),
  at: time.describe('When the change was counted'),
  eventId: z.string().min(1).describe('Stays the same when the event is delivered again'),
});
