/**
 * zod schemas of the details of the events out (SPEC 5), as `itemEvent()` (out-events.ts) and the use cases write
 * them. Nothing validates with these at run time: the catalog (catalog.ts) turns them into the published JSON
 * Schemas (docs/events/, `GET /schemas` locally, the EventBridge schema registry), and the tests check every event
 * the system publishes against those. No Lambda imports this module (bundle size, SPEC 8).
 *
 * The objects are strict: a field the code adds to a detail without adding it here fails the tests, so the
 * published schemas stay what the system really sends. A change to a detail is a change here, then
 * `npm run event-schemas`.
 */
import * as z from 'zod';
import { actorSchema, deliverySchema, reviewStatusSchema } from '../domain/responses.js';
import { emailWebhookSchema } from '../domain/schemas.js';

const time = z.iso.datetime({ offset: true });
const userIds = z.array(z.string().min(1));

/** What every event out names besides its workspace (SPEC 5): the automation, run and step, the actor, the time. */
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
export const itemEventSchema = z.strictObject({
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

export const itemResolvedSchema = itemEventWith({
  webhookId: z.string().describe('The `webhook-id` of the email provider delivery that resolved it'),
  type: emailWebhookSchema.shape.type.describe('What the email provider reported'),
});

export const itemExpiredSchema = itemEventWith({
  expiresAt: time.describe("The draft's expiresAt, which passed"),
});

/** A proposal that made no item (SPEC 3): no item, so no item id, status or version. */
export const draftDroppedSchema = z.strictObject({
  workspaceId,
  ...origin,
  reason: z.string().describe('Why the proposal was dropped'),
});
