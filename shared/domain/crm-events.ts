/**
 * What the CRM tells For review about records (SPEC 2.4, `source: "crm"`): a record changed, and the answers to a
 * `Record Change Approved` command (applied, rejected). docs/record-apply.md is the CRM's side of the protocol.
 */
import * as z from 'zod/mini';
import { idSchema, isoTimeSchema, noControl, workspaceIdSchema } from './primitives.js';
import { fieldNameSchema, fieldValueSchema, recordTypeSchema } from './record-fields.js';

/** The CRM's record version (opaque). */
const versionSchema = z.lazy(() =>
  z.string().check(z.minLength(1), z.maxLength(128), z.regex(noControl, 'must not contain CR, LF or NUL')),
);
const fieldsSchema = z.lazy(() =>
  z
    .record(fieldNameSchema, fieldValueSchema)
    .check(z.refine((fields) => Object.keys(fields).length <= 200, 'at most 200 fields')),
);
const recordSchema = z.lazy(() =>
  z.object({ type: recordTypeSchema, id: idSchema, version: z.optional(versionSchema) }),
);
const itemIdSchema = idSchema;
const applyIdSchema = idSchema;

export const recordChangedSchema = z.lazy(() =>
  z.object({
    workspaceId: workspaceIdSchema,
    record: recordSchema,
    /** The new values of what changed. */
    fields: fieldsSchema,
    changedBy: z.optional(idSchema),
    changedAt: isoTimeSchema,
  }),
);
export type RecordChanged = z.output<typeof recordChangedSchema>;

export const recordChangeAppliedSchema = z.lazy(() =>
  z.object({
    workspaceId: workspaceIdSchema,
    itemId: itemIdSchema,
    applyId: applyIdSchema,
    /** The record after the change: its new version (update), or the new record's id (create). */
    record: recordSchema,
    appliedAt: isoTimeSchema,
  }),
);
export type RecordChangeApplied = z.output<typeof recordChangeAppliedSchema>;

export const recordChangeRejectedSchema = z.lazy(() =>
  z.object({
    workspaceId: workspaceIdSchema,
    itemId: itemIdSchema,
    applyId: applyIdSchema,
    reason: z.enum(['conflict', 'invalid', 'not_found', 'forbidden']),
    message: z._default(z.string().check(z.maxLength(2000)), ''),
    /** What the record holds now, when the CRM says (a conflict). */
    current: z.optional(
      z.object({ version: z.optional(versionSchema), fields: z._default(fieldsSchema, {}) }),
    ),
    rejectedAt: isoTimeSchema,
  }),
);
export type RecordChangeRejected = z.output<typeof recordChangeRejectedSchema>;

/** An answer to a command: which one it is follows from the event's detail-type. */
export type RecordChangeAnswer =
  | ({ outcome: 'applied' } & RecordChangeApplied)
  | ({ outcome: 'rejected' } & RecordChangeRejected);
