/**
 * The record-create kind (spec 2.3): a CRM record to create, with its fields and the records that may already be
 * it (possible duplicates). Approved by any reviewer; created by the CRM (the `Record Change Approved` command),
 * which answers with the new record's id.
 */
import * as z from 'zod/mini';
import { idSchema, once, plainText } from '../../domain/primitives.js';
import {
  fieldNameSchema,
  labelSchema,
  recordTypeSchema,
  type Scalar,
  scalarSchema,
  withinDraftSize,
} from '../../domain/record-fields.js';
import { ValidationError } from '../../errors.js';
import type { DraftKind } from '../kind.js';
import { approveByCommand, approvedFields, type CommandBody, settleByCommand } from '../record-command.js';
import {
  MAX_PREVIEW_BYTES,
  partsWithinPreview,
  previewValue,
  sameValue,
  showValue,
  withinPreviewSize,
} from '../record-values.js';

export const MAX_FIELDS = 100;

/** The kind's schemas, built on first use (shared/domain/primitives.ts `once`). */
const schemas = once(() => {
  const proposedField = z.object({
    field: fieldNameSchema,
    label: z.optional(labelSchema),
    value: scalarSchema,
  });
  const storedField = z.extend(proposedField, { edit: z.optional(z.object({ value: scalarSchema })) });

  const draftOf = <F extends z.core.SomeType>(field: F) =>
    z
      .object({
        type: z.literal('record.create'),
        record: z.object({ type: recordTypeSchema, name: z.optional(plainText(500)) }),
        fields: z.array(field).check(z.minLength(1), z.maxLength(MAX_FIELDS)),
        possibleDuplicates: z.optional(
          z
            .array(z.object({ type: recordTypeSchema, id: idSchema, name: z.optional(plainText(500)) }))
            .check(z.maxLength(10)),
        ),
      })
      .check(
        z.refine(
          (d) => new Set((d.fields as { field: string }[]).map((f) => f.field)).size === d.fields.length,
          { message: 'each field may be given once', path: ['fields'] },
        ),
        z.refine(withinDraftSize, { message: 'the draft must be at most 200 KB', path: ['fields'] }),
      );

  const recordCreateProposalSchema = draftOf(proposedField);
  const recordCreateDraftSchema = draftOf(storedField);
  /**
   * A list's copy (`preview`): each value shortened, and the first fields within MAX_PREVIEW_BYTES (`fieldsLeftOut`
   * counting the rest). The same schema reads it back.
   */
  const recordCreatePreviewSchema = z
    .object({
      type: z.literal('record.create'),
      record: z.object({ type: recordTypeSchema, name: z.optional(plainText(500)) }),
      fields: z.array(storedField).check(z.minLength(1), z.maxLength(MAX_FIELDS)),
      fieldsLeftOut: z.optional(z.int().check(z.minimum(1), z.maximum(MAX_FIELDS))),
      possibleDuplicates: z.optional(
        z
          .array(z.object({ type: recordTypeSchema, id: idSchema, name: z.optional(plainText(500)) }))
          .check(z.maxLength(10)),
      ),
    })
    .check(
      z.refine(withinPreviewSize, { message: `the preview must be at most ${MAX_PREVIEW_BYTES} bytes` }),
    );

  /** PATCH a record creation (`fields`): new values for some of its fields. */
  const recordCreateEditSchema = z
    .array(z.strictObject({ field: fieldNameSchema, value: scalarSchema }))
    .check(z.minLength(1), z.maxLength(MAX_FIELDS));
  return {
    recordCreateProposalSchema,
    recordCreateDraftSchema,
    recordCreatePreviewSchema,
    recordCreateEditSchema,
  };
});

/** As an automation proposes it (spec 2.3). */
export const recordCreateProposalSchema = z.lazy(() => schemas().recordCreateProposalSchema);
/** As stored and answered: each field with its edit. */
export const recordCreateDraftSchema = z.lazy(() => schemas().recordCreateDraftSchema);
/** PATCH a record creation (`fields`): new values for some of its fields. */
export const recordCreateEditSchema = z.lazy(() => schemas().recordCreateEditSchema);
/** A list's copy: shortened, within MAX_PREVIEW_BYTES. */
const recordCreatePreviewSchema = z.lazy(() => schemas().recordCreatePreviewSchema);
export type RecordCreateDraft = z.output<typeof recordCreateDraftSchema>;
export type RecordCreatePreview = z.output<typeof recordCreatePreviewSchema>;
export type RecordField = RecordCreateDraft['fields'][number];
export type RecordCreateEdit = z.output<typeof recordCreateEditSchema>;
/** The value a field will be created with: the reviewer's edit, else the proposal. */
export const createdValueOf = (field: RecordField): Scalar => (field.edit ? field.edit.value : field.value);

const labelOf = (field: { field: string; label?: string }) => field.label ?? field.field;

/** The creation's part of the `Record Change Approved` command: the approved fields with their values. */
const commandBody: CommandBody<RecordCreateDraft> = (draft, approved) => ({
  operation: 'create',
  record: { type: draft.record.type, ...(draft.record.name ? { name: draft.record.name } : {}) },
  fields: draft.fields
    .filter((field) => approved.has(field.field))
    .map((field) => ({ field: field.field, value: createdValueOf(field), edited: field.edit !== undefined })),
});

const fieldsOf = (draft: RecordCreateDraft) => draft.fields.map((field) => field.field);

const fieldsLeftOut = (draft: RecordCreateDraft | RecordCreatePreview) =>
  'fieldsLeftOut' in draft && draft.fieldsLeftOut ? draft.fieldsLeftOut : 0;

export const recordCreateKind: DraftKind<RecordCreateDraft, RecordCreatePreview, RecordCreateEdit> = {
  type: 'record.create',
  schema: recordCreateDraftSchema,
  proposalSchema: recordCreateProposalSchema,
  previewSchema: recordCreatePreviewSchema,
  preview: (draft) => {
    const shown = {
      ...draft,
      fields: draft.fields.map((field) => ({
        ...field,
        value: previewValue(field.value),
        ...(field.edit ? { edit: { value: previewValue(field.edit.value) } } : {}),
      })),
    };
    const fields = partsWithinPreview(shown, 'fields', shown.fields);
    const leftOut = draft.fields.length - fields.length;
    return { ...shown, fields, ...(leftOut > 0 ? { fieldsLeftOut: leftOut } : {}) };
  },
  editKey: 'fields',
  noun: 'a record creation',
  replaceReadsPrevious: true,
  // What an edit changed (spec 3, Feedback): the fields whose reviewer value moved.
  diff(before, after) {
    const edited = after.fields
      .filter((field) => {
        const old = before.fields.find((f) => f.field === field.field)?.edit;
        return old === undefined || field.edit === undefined
          ? old !== field.edit
          : !sameValue(old.value, field.edit.value);
      })
      .map((field) => field.field);
    return { fields: edited, changesEdited: edited };
  },
  editSchema: recordCreateEditSchema,
  // Field by field (spec 3): a reviewer's edit survives when the newer proposal gives the field the same value.
  replace: (previous, proposal) => ({
    ...proposal,
    fields: proposal.fields.map((field) => {
      const old = previous.fields.find((f) => f.field === field.field);
      return old?.edit && sameValue(old.value, field.value) ? { ...field, edit: old.edit } : field;
    }),
  }),
  merge(draft, edit) {
    const byField = new Map(edit.map((f) => [f.field, f.value]));
    const unknown = [...byField.keys()].filter((name) => !draft.fields.some((f) => f.field === name));
    if (unknown.length > 0)
      throw new ValidationError(
        'The draft has no such fields',
        unknown.map((name) => ({ path: `fields.${name}`, message: 'no such field' })),
      );
    return {
      ...draft,
      fields: draft.fields.map((field) => {
        if (!byField.has(field.field)) return field;
        const value = byField.get(field.field) as Scalar;
        const { edit: _edit, ...proposed } = field;
        return sameValue(value, field.value) ? proposed : { ...proposed, edit: { value } };
      }),
    };
  },
  candidates: () => ({ userIds: [], mailboxes: [] }),
  dedupParts: (draft, relatedRecords) => [
    `type:${draft.record.type}`,
    [...new Set(relatedRecords.map((r) => `${r.type}:${r.id}`))].sort().join(','),
  ],
  records: () => [],
  indexKeys: () => ({}),
  fieldsOf,
  approveRefusal: () => null,
  approveTransition: 'applyClaim',
  approveCheck: (item, options) => {
    approvedFields(item, options, { fieldsOf, drifted: () => [] });
  },
  approve: (context) => approveByCommand(context, { fieldsOf, drifted: () => [], body: commandBody }),
  settle: settleByCommand(commandBody, {
    appliedResult: (answer) => ({ recordId: answer.record.id }),
    rejectedDraft: (draft) => draft,
  }),
  hasEdits: (draft) => draft.fields.some((field) => field.edit !== undefined),
  headline: (draft) => `create ${draft.record.type}${draft.record.name ? ` "${draft.record.name}"` : ''}`,
  describe: (draft) =>
    [
      `Create ${draft.record.type}${draft.record.name ? ` "${draft.record.name}"` : ''}:`,
      ...draft.fields.map(
        (f) => `- ${labelOf(f)} = ${showValue(createdValueOf(f))}${f.edit ? ' (edited by a reviewer)' : ''}`,
      ),
      ...(fieldsLeftOut(draft) ? [`- and ${fieldsLeftOut(draft)} more fields`] : []),
      ...(draft.possibleDuplicates?.length
        ? [
            `Possible duplicates: ${draft.possibleDuplicates.map((d) => `${d.type} ${d.id}${d.name ? ` (${d.name})` : ''}`).join(', ')}`,
          ]
        : []),
    ].join('\n'),
};
