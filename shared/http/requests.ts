/**
 * zod schemas of the HTTP requests: bodies, queries and the webhook's headers, as the route specs (routes/) declare
 * them. The bounds are spec section 2: 1–50 recipients, subject 1–998 characters, no CR/LF/NUL in header fields,
 * bodies up to 100 KB each, valid mailbox addresses.
 */
import * as z from 'zod/mini';
import { MAX_DELEGATION_NOTE_LENGTH } from '../domain/delegation.js';
import { idSchema, isoTimeSchema, MAX_REVIEWERS, mailboxSchema } from '../domain/primitives.js';
import { fieldNameSchema } from '../domain/record-fields.js';
import { DISMISS_REASONS } from '../domain/review-item.js';
import { draftEdits } from '../drafts/index.js';

/** A version number: a positive integer. */
const versionSchema = z.number().check(z.int(), z.minimum(1));

/**
 * PATCH /review-items/{id}: every editable field validated like the event schema; an email's `from` and a record
 * draft's `record` are not editable. One of `draft` (an email), `changes` (a record update) or `fields` (a record
 * creation), as the item's kind says (shared/drafts/<kind> editKey).
 */
export const editRequestSchema = z.lazy(() => {
  const edits = draftEdits();
  return z.strictObject({ version: versionSchema, ...edits.shape }).check(edits.exactlyOne);
});
/** The version, and the edit under the item's kind's `editKey`. */
export type EditRequest = { version: number } & Partial<Record<string, unknown>>;

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
    /** Required to approve a change another open draft proposes a different result for (409 otherwise). */
    acknowledgeConflicts: z.optional(z.boolean()),
  }),
);
export type ApproveRequest = z.output<typeof approveRequestSchema>;

export const dismissReasonSchema = z.enum(DISMISS_REASONS).register(z.globalRegistry, {
  description: 'Why the draft was not useful (spec 3, Feedback): counted per automation version',
});

export const dismissRequestSchema = z.lazy(() =>
  z.strictObject({
    version: z.optional(versionSchema),
    reason: z.optional(dismissReasonSchema),
    note: z.optional(z.string().check(z.maxLength(2000))),
  }),
);
export type DismissRequest = z.output<typeof dismissRequestSchema>;

/** POST /review-items/{id}/undo: a scheduled approval returned to pending (spec 3, Send hold and undo). */
export const undoRequestSchema = z.lazy(() => z.strictObject({ version: z.optional(versionSchema) }));
export type UndoRequest = z.output<typeof undoRequestSchema>;

/** POST /review-items/{id}/reviewers: reviewers added and removed by hand (spec 3, Reassign). */
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

/** POST /review-items/bulk: one decision for up to 25 items, each decided as if alone (spec 3, Bulk). */
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

/** PUT /settings (spec 3, Workspace settings): the schema lives with the settings (shared/domain/settings.ts). */
export { settingsRequestSchema } from '../domain/settings.js';

/** PUT /me/delegation (spec 3, Delegation): who covers, until when (at most 90 days ahead), and a note. */
export const delegationRequestSchema = z.lazy(() =>
  z.strictObject({
    delegateTo: idSchema,
    until: isoTimeSchema,
    note: z.optional(z.string().check(z.maxLength(MAX_DELEGATION_NOTE_LENGTH))),
  }),
);
export type DelegationRequest = z.output<typeof delegationRequestSchema>;

/** POST /privacy/erasures (spec 3, Data lifecycle): an email address, or a CRM record, to erase everything about. */
export const erasureRequestSchema = z.lazy(() =>
  z.union([
    z.strictObject({ email: mailboxSchema }),
    z.strictObject({ record: z.strictObject({ type: idSchema, id: idSchema }) }),
  ]),
);
export type ErasureRequest = z.output<typeof erasureRequestSchema>;
