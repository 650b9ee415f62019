/**
 * What the CRM tells For review about records (spec 2.4, `source: "crm"`): a record changed, and the answers to a
 * `Record Change Approved` command (applied, rejected). docs/record-apply.md is the CRM's side of the protocol.
 */
import * as z from 'zod/mini';
import { idSchema, isoTimeSchema, noControlAtAll, workspaceIdSchema } from './primitives.js';
import { fieldNameSchema, fieldValueSchema, isInheritedName, recordTypeSchema } from './record-fields.js';

/** The CRM's record version (opaque). */
const versionSchema = z.lazy(() =>
  z
    .string()
    .check(z.minLength(1), z.maxLength(128), z.regex(noControlAtAll, 'must not contain control characters')),
);
/** Fields one event may name (spec 2.4). */
export const MAX_REPORTED_FIELDS = 100;
const fieldsSchema = z.lazy(() =>
  z
    .record(fieldNameSchema, fieldValueSchema)
    .check(
      z.refine(
        (fields) => Object.keys(fields).length <= MAX_REPORTED_FIELDS,
        `at most ${MAX_REPORTED_FIELDS} fields`,
      ),
    ),
);
/**
 * zod's record leaves a `__proto__` key out of what it parses rather than refusing it, so the names of the fields
 * at `path` are checked on the raw detail first: an inherited name makes the event invalid, never a no-op. (At the
 * top of the detail, so the JSON Schema of the event is the object's.)
 */
const refusingInheritedNames = (path: string[]) =>
  z.transform((input: unknown, ctx) => {
    let node: unknown = input;
    for (const key of path)
      node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined;
    if (typeof node === 'object' && node !== null)
      for (const name of Object.keys(node).filter(isInheritedName))
        ctx.issues.push({
          code: 'custom',
          input: name,
          path: [...path, name],
          message: 'must not be a name every object inherits',
        });
    return input;
  });
const recordSchema = z.lazy(() =>
  z.object({ type: recordTypeSchema, id: idSchema, version: z.optional(versionSchema) }),
);
const itemIdSchema = idSchema;
const applyIdSchema = idSchema;

export const recordChangedSchema = z.lazy(() =>
  z.pipe(
    refusingInheritedNames(['fields']),
    z.object({
      workspaceId: workspaceIdSchema,
      record: recordSchema,
      /** The new values of what changed. */
      fields: fieldsSchema,
      changedBy: z.optional(idSchema),
      changedAt: isoTimeSchema,
    }),
  ),
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
  z.pipe(
    refusingInheritedNames(['current', 'fields']),
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
  ),
);
export type RecordChangeRejected = z.output<typeof recordChangeRejectedSchema>;

/** An answer to a command: which one it is follows from the event's detail-type. */
export type RecordChangeAnswer =
  | ({ outcome: 'applied' } & RecordChangeApplied)
  | ({ outcome: 'rejected' } & RecordChangeRejected);
