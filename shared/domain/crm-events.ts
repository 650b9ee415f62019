/**
 * What the CRM tells For review about records (SPEC 2.4, `source: "crm"`): a record changed, and the answers to a
 * `Record Change Approved` command (applied, rejected). docs/record-apply.md is the CRM's side of the protocol.
 */
import * as z from 'zod';
import { fieldNameSchema, fieldValueSchema, recordTypeSchema } from '../drafts/record-values.js';
import { idSchema, isoTimeSchema, noControl, workspaceIdSchema } from './primitives.js';

/** The CRM's record version (opaque). */
const versionSchema = z.string().min(1).max(128).regex(noControl, 'must not contain CR, LF or NUL');
const fieldsSchema = z
  .record(fieldNameSchema, fieldValueSchema)
  .refine((fields) => Object.keys(fields).length <= 200, 'at most 200 fields');
const itemIdSchema = idSchema;
const applyIdSchema = idSchema;

export const CRM_SOURCE = 'crm';

export const recordChangedSchema = z.object({
  workspaceId: workspaceIdSchema,
  record: z.object({ type: recordTypeSchema, id: idSchema, version: versionSchema.optional() }),
  /** The new values of what changed. */
  fields: fieldsSchema,
  changedBy: idSchema.optional(),
  changedAt: isoTimeSchema,
});
export type RecordChanged = z.output<typeof recordChangedSchema>;

export const recordChangeAppliedSchema = z.object({
  workspaceId: workspaceIdSchema,
  itemId: itemIdSchema,
  applyId: applyIdSchema,
  /** The record after the change: its new version (update), or the new record's id (create). */
  record: z.object({ type: recordTypeSchema, id: idSchema, version: versionSchema.optional() }),
  appliedAt: isoTimeSchema,
});
export type RecordChangeApplied = z.output<typeof recordChangeAppliedSchema>;

export const recordChangeRejectedSchema = z.object({
  workspaceId: workspaceIdSchema,
  itemId: itemIdSchema,
  applyId: applyIdSchema,
  reason: z.enum(['conflict', 'invalid', 'not_found', 'forbidden']),
  message: z.string().max(2000).default(''),
  /** What the record holds now, when the CRM says (a conflict). */
  current: z.object({ version: versionSchema.optional(), fields: fieldsSchema.default({}) }).optional(),
  rejectedAt: isoTimeSchema,
});
export type RecordChangeRejected = z.output<typeof recordChangeRejectedSchema>;

/** An answer to a command: which one it is follows from the event's detail-type. */
export type RecordChangeAnswer =
  | ({ outcome: 'applied' } & RecordChangeApplied)
  | ({ outcome: 'rejected' } & RecordChangeRejected);

/** The answers' detail, by detail-type (one function handles both: shared/use-cases/record-apply.ts). */
export const recordChangeAnswerSchema = z.union([recordChangeAppliedSchema, recordChangeRejectedSchema]);
