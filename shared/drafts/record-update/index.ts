/**
 * The record-update kind (spec 2.3): changes to one CRM record, field by field. Routed also to the record's owner;
 * approved by any reviewer (no mailbox); applied by the CRM (the `Record Change Approved` command, spec 5). Each
 * change carries, besides what the automation proposed, the reviewer's `edit`, and its `state` against the
 * record's `current` value as the CRM's `Record Changed` events report it (record-changes use case).
 */
import * as z from 'zod/mini';
import { idSchema, noControlAtAll, once, plainText } from '../../domain/primitives.js';
import {
  type FieldValue,
  fieldNameSchema,
  labelSchema,
  recordTypeSchema,
  type Scalar,
  scalarSchema,
  valuesSchema,
  withinDraftSize,
} from '../../domain/record-fields.js';
import type { RecordRef } from '../../domain/review-item.js';
import { compareTimes } from '../../domain/time.js';
import { ValidationError } from '../../errors.js';
import { escapeKeySegment, tenant } from '../../store/key-parts.js';
import type { DraftKind } from '../kind.js';
import { approveByCommand, approvedFields, type CommandBody, settleByCommand } from '../record-command.js';
import {
  type ChangeIntent,
  classify,
  MAX_PREVIEW_BYTES,
  partsWithinPreview,
  previewValue,
  previewValues,
  sameValue,
  showValue,
  withinPreviewSize,
} from '../record-values.js';
import { fieldConflicts } from './conflicts.js';
import {
  type CurrentValue,
  classifyCurrent,
  currentValueSchema,
  keptCurrent,
  rebasedCurrent,
  showCurrent,
} from './current-value.js';

export const MAX_CHANGES = 50;

/**
 * The draft as the automation and the reviewers wrote it, without what the review adds of the CRM's reports
 * (`state`, `current`, `currentAt`): the 200 KB of spec 2.3 bound that part; the reports are bounded per change
 * (./current-value.ts), so no report can make a stored draft refuse to parse.
 */
const writtenPart = (draft: { changes: object[] }) => ({
  ...draft,
  changes: draft.changes.map((change) => {
    const { state: _s, current: _c, currentAt: _a, ...written } = change as Record<string, unknown>;
    return written;
  }),
});

/** The kind's schemas, built on first use (shared/domain/primitives.ts `once`). */
const schemas = once(() => {
  const recordRefSchema = z.object({
    type: recordTypeSchema,
    id: idSchema,
    name: z.optional(plainText(500)),
    ownerId: z.optional(idSchema),
    /** The CRM's record version the automation read (opaque). */
    version: z.optional(
      z
        .string()
        .check(
          z.minLength(1),
          z.maxLength(128),
          z.regex(noControlAtAll, 'must not contain control characters'),
        ),
    ),
  });

  const named = { field: fieldNameSchema, label: z.optional(labelSchema) };
  const proposedChange = {
    set: z.object({ ...named, op: z.literal('set'), before: z.optional(scalarSchema), after: scalarSchema }),
    set_if_empty: z.object({ ...named, op: z.literal('set_if_empty'), after: scalarSchema }),
    add: z.object({ ...named, op: z.literal('add'), values: valuesSchema }),
    remove: z.object({ ...named, op: z.literal('remove'), values: valuesSchema }),
  };

  /** What the review adds to a change: the reviewer's edit, and how it stands against the record now. */
  const reviewed = {
    edit: z.optional(z.object({ after: z.optional(scalarSchema), values: z.optional(valuesSchema) })),
    state: z._default(z.enum(['clean', 'moot', 'drifted']), 'clean'),
    /** What the CRM last reported the field holds: whole, or bounded when too large (./current-value.ts). */
    current: z.optional(currentValueSchema),
    /** When the CRM reported `current` (Record Changed `changedAt`): an older report changes nothing. */
    currentAt: z.optional(z.string().check(z.maxLength(64))),
  };

  const uniqueFields = (changes: { field: string }[]) =>
    new Set(changes.map((c) => c.field)).size === changes.length;

  const draftOf = <C extends z.core.SomeType>(change: C) =>
    z
      .object({
        type: z.literal('record.update'),
        record: recordRefSchema,
        changes: z.array(change).check(z.minLength(1), z.maxLength(MAX_CHANGES)),
      })
      .check(
        z.refine((d) => uniqueFields(d.changes as { field: string }[]), {
          message: 'each field may be changed once',
          path: ['changes'],
        }),
        z.refine((d) => withinDraftSize(writtenPart(d as { changes: object[] })), {
          message: 'the draft must be at most 200 KB',
          path: ['changes'],
        }),
      );

  /** As an automation proposes it (spec 2.3). */
  const recordUpdateProposalSchema = draftOf(
    z.discriminatedUnion('op', [
      proposedChange.set,
      proposedChange.set_if_empty,
      proposedChange.add,
      proposedChange.remove,
    ]),
  );

  /** As stored and answered: each change with its edit and state. */
  const storedChange = z.discriminatedUnion('op', [
    z.extend(proposedChange.set, reviewed),
    z.extend(proposedChange.set_if_empty, reviewed),
    z.extend(proposedChange.add, reviewed),
    z.extend(proposedChange.remove, reviewed),
  ]);
  const recordUpdateDraftSchema = draftOf(storedChange);

  /**
   * A list's copy (`preview`): each change shortened (its first values, `valuesLeftOut` counting the rest) and the
   * first changes within MAX_PREVIEW_BYTES (`changesLeftOut` counting the rest). The same schema reads it back.
   */
  // A change names at most 100 values (valuesSchema).
  const leftOut = z.optional(z.int().check(z.minimum(1), z.maximum(100)));
  const shortened = {
    valuesLeftOut: leftOut,
    edit: z.optional(
      z.object({ after: z.optional(scalarSchema), values: z.optional(valuesSchema), valuesLeftOut: leftOut }),
    ),
  };
  const previewChange = z.discriminatedUnion('op', [
    z.extend(z.extend(proposedChange.set, reviewed), shortened),
    z.extend(z.extend(proposedChange.set_if_empty, reviewed), shortened),
    z.extend(z.extend(proposedChange.add, reviewed), shortened),
    z.extend(z.extend(proposedChange.remove, reviewed), shortened),
  ]);
  const recordUpdatePreviewSchema = z
    .object({
      type: z.literal('record.update'),
      record: recordRefSchema,
      changes: z.array(previewChange).check(z.minLength(1), z.maxLength(MAX_CHANGES)),
      changesLeftOut: z.optional(z.int().check(z.minimum(1), z.maximum(MAX_CHANGES))),
    })
    .check(
      z.refine(withinPreviewSize, { message: `the preview must be at most ${MAX_PREVIEW_BYTES} bytes` }),
    );

  /** PATCH a record update (`changes`): new values for some of its changes. */
  const recordUpdateEditSchema = z
    .array(
      z.strictObject({
        field: fieldNameSchema,
        after: z.optional(scalarSchema),
        values: z.optional(valuesSchema),
      }),
    )
    .check(z.minLength(1), z.maxLength(MAX_CHANGES));
  return {
    recordUpdateProposalSchema,
    recordUpdateDraftSchema,
    recordUpdatePreviewSchema,
    recordUpdateEditSchema,
  };
});

/** As an automation proposes it (spec 2.3). */
export const recordUpdateProposalSchema = z.lazy(() => schemas().recordUpdateProposalSchema);
/** As stored and answered: each change with its edit and state. */
export const recordUpdateDraftSchema = z.lazy(() => schemas().recordUpdateDraftSchema);
/** PATCH a record update (`changes`): new values for some of its changes. */
export const recordUpdateEditSchema = z.lazy(() => schemas().recordUpdateEditSchema);
/** A list's copy: shortened, within MAX_PREVIEW_BYTES. */
const recordUpdatePreviewSchema = z.lazy(() => schemas().recordUpdatePreviewSchema);
export type RecordUpdateDraft = z.output<typeof recordUpdateDraftSchema>;
export type RecordUpdatePreview = z.output<typeof recordUpdatePreviewSchema>;
export type RecordChange = RecordUpdateDraft['changes'][number];
export type RecordUpdateEdit = z.output<typeof recordUpdateEditSchema>;
/** What a change will do once applied: the reviewer's edit, else the proposal. */
export function intentOf(change: RecordChange): ChangeIntent {
  return {
    op: change.op,
    ...('before' in change && change.before !== undefined ? { before: change.before } : {}),
    ...('after' in change
      ? { after: change.edit?.after !== undefined ? change.edit.after : change.after }
      : {}),
    ...('values' in change ? { values: change.edit?.values ?? change.values } : {}),
  };
}

/** What the automation proposed for the change (edits aside). */
const proposedOf = (change: RecordChange): ChangeIntent => ({
  op: change.op,
  ...('after' in change ? { after: change.after } : {}),
  ...('values' in change ? { values: change.values } : {}),
});

const withoutEdit = ({ edit: _edit, ...change }: RecordChange): RecordChange => change as RecordChange;

const sameEdit = (a: RecordChange['edit'], b: RecordChange['edit']): boolean =>
  a === undefined || b === undefined ? a === b : sameValue(a.after, b.after) && sameValue(a.values, b.values);

export const sameIntent = (a: ChangeIntent, b: ChangeIntent): boolean =>
  a.op === b.op && sameValue(a.after, b.after) && sameValue(a.values, b.values);

/** The changes re-classified against the record's values now (only the fields `current` names). */
export function reclassified(
  changes: RecordChange[],
  current: Record<string, FieldValue>,
  at: string,
): RecordChange[] {
  return changes.map((change) => {
    if (!Object.hasOwn(current, change.field)) return change;
    // An older report than the one the change holds changes nothing (times compared at full precision).
    if (change.currentAt !== undefined && compareTimes(change.currentAt, at) > 0) return change;
    const value = current[change.field] as FieldValue;
    const intent = intentOf(change);
    return { ...change, state: classify(intent, value), current: keptCurrent(value, intent), currentAt: at };
  });
}

const previewCurrent = (current: CurrentValue): CurrentValue =>
  Array.isArray(current) || typeof current === 'string' ? previewValue(current) : current;

/** A change as a list shows it: values shortened, a multi-value change's first values (the rest counted). */
function previewChange(change: RecordChange): RecordUpdatePreview['changes'][number] {
  const shown = { ...change } as Record<string, unknown>;
  for (const name of ['before', 'after'] as const)
    if (name in shown) shown[name] = previewValue(shown[name] as FieldValue);
  if ('values' in change) {
    const { values, leftOut } = previewValues(change.values);
    shown.values = values;
    if (leftOut > 0) shown.valuesLeftOut = leftOut;
  }
  // A value not kept whole is its own preview.
  if (change.current !== undefined) shown.current = previewCurrent(change.current);
  if (change.edit) {
    const edit: Record<string, unknown> = {};
    if (change.edit.after !== undefined) edit.after = previewValue(change.edit.after);
    if (change.edit.values !== undefined) {
      const { values, leftOut } = previewValues(change.edit.values);
      edit.values = values;
      if (leftOut > 0) edit.valuesLeftOut = leftOut;
    }
    shown.edit = edit;
  }
  return shown as RecordUpdatePreview['changes'][number];
}

/** The values a previewed change leaves out of those it will apply (none for a whole change). */
const valuesLeftOut = (change: RecordChange | RecordUpdatePreview['changes'][number]) => {
  const shown = change as RecordUpdatePreview['changes'][number];
  return shown.edit?.values !== undefined ? shown.edit.valuesLeftOut : shown.valuesLeftOut;
};
const moreValues = (count: number | undefined) => (count ? ` and ${count} more` : '');
const moreChanges = (draft: RecordUpdateDraft | RecordUpdatePreview) =>
  'changesLeftOut' in draft && draft.changesLeftOut ? draft.changesLeftOut : 0;

const matchKey = (workspaceId: string, record: RecordRef) =>
  `${tenant(workspaceId)}#RECUPD#${escapeKeySegment(record.type)}#${escapeKeySegment(record.id)}`;

const labelOf = (change: { field: string; label?: string }) => change.label ?? change.field;

function describeChange(change: RecordChange | RecordUpdatePreview['changes'][number]): string {
  const intent = intentOf(change);
  const what =
    change.op === 'set'
      ? `${showValue(change.before)} → ${showValue(intent.after)}`
      : change.op === 'set_if_empty'
        ? `${showValue(intent.after)} (only if empty)`
        : `${change.op} ${showValue(intent.values)}${moreValues(valuesLeftOut(change))}`;
  const edited = change.edit ? ' (edited by a reviewer)' : '';
  const state =
    change.state === 'drifted'
      ? ` [drifted: the record now holds ${showCurrent(change.current, showValue)}]`
      : change.state === 'moot'
        ? ' [moot: the record already holds it]'
        : '';
  return `- ${labelOf(change)}: ${what}${edited}${state}`;
}

/** The changes the record no longer holds as the draft saw it: a plain approval answers 409 naming them. */
const driftedOf = (draft: RecordUpdateDraft): string[] =>
  draft.changes.filter((c) => c.state === 'drifted').map((c) => c.field);

/** The update's part of the `Record Change Approved` command: each approved change with the value to write. */
const commandBody: CommandBody<RecordUpdateDraft> = (draft, approved) => ({
  operation: 'update',
  record: {
    type: draft.record.type,
    id: draft.record.id,
    ...(draft.record.version ? { baseVersion: draft.record.version } : {}),
  },
  changes: draft.changes
    .filter((change) => approved.has(change.field))
    .map((change) => ({ field: change.field, ...intentOf(change), edited: change.edit !== undefined })),
});

const fieldsOf = (draft: RecordUpdateDraft) => draft.changes.map((change) => change.field);
const intentsOf = (draft: RecordUpdateDraft) =>
  draft.changes.map((change) => ({ field: change.field, intent: intentOf(change) }));

export const recordUpdateKind: DraftKind<RecordUpdateDraft, RecordUpdatePreview, RecordUpdateEdit> = {
  type: 'record.update',
  schema: recordUpdateDraftSchema,
  proposalSchema: recordUpdateProposalSchema,
  // Its changes start `clean`: nothing is known yet of what the record holds now.
  started: (proposal) => {
    const draft = proposal as Omit<RecordUpdateDraft, 'changes'> & { changes: Omit<RecordChange, 'state'>[] };
    return {
      ...draft,
      changes: draft.changes.map((change) => ({ ...change, state: 'clean' })),
    } as RecordUpdateDraft;
  },
  previewSchema: recordUpdatePreviewSchema,
  preview: (draft) => {
    const shown = { ...draft, changes: draft.changes.map(previewChange) };
    const changes = partsWithinPreview(shown, 'changes', shown.changes);
    const leftOut = draft.changes.length - changes.length;
    return { ...shown, changes, ...(leftOut > 0 ? { changesLeftOut: leftOut } : {}) };
  },
  editKey: 'changes',
  noun: 'a record update',
  editSchema: recordUpdateEditSchema,
  replace: (previous, proposal) => replaceRecordUpdate(previous, proposal),
  // What an edit changed (spec 3, Feedback): the changes whose reviewer value moved.
  diff(before, after) {
    const edited = after.changes
      .filter((change) => !sameEdit(before.changes.find((c) => c.field === change.field)?.edit, change.edit))
      .map((change) => change.field);
    return { fields: edited, changesEdited: edited };
  },
  replaceReadsPrevious: true,
  merge(draft, edit) {
    const byField = new Map(edit.map((c) => [c.field, c]));
    const unknown = [...byField.keys()].filter((field) => !draft.changes.some((c) => c.field === field));
    if (unknown.length > 0)
      throw new ValidationError(
        'The draft proposes no change to these fields',
        unknown.map((field) => ({ path: `changes.${field}`, message: 'no such change' })),
      );
    return {
      ...draft,
      changes: draft.changes.map((change) => {
        const given = byField.get(change.field);
        if (!given) return change;
        const wantsValues = change.op === 'add' || change.op === 'remove';
        if (
          wantsValues
            ? given.values === undefined || given.after !== undefined
            : given.after === undefined || given.values !== undefined
        )
          throw new ValidationError('An edit must give the value its change sets', [
            {
              path: `changes.${change.field}`,
              message: wantsValues ? 'give values (and no after)' : 'give after (and no values)',
            },
          ]);
        const editValue = wantsValues ? { values: given.values } : { after: given.after as Scalar };
        const edited = { ...change, edit: editValue } as RecordChange;
        // An edit back to what the automation proposed is no edit.
        const next = sameIntent(intentOf(edited), proposedOf(change)) ? withoutEdit(change) : edited;
        if (next.current === undefined) return next;
        const current = rebasedCurrent(next.current, intentOf(change), intentOf(next));
        return { ...next, current, state: classifyCurrent(intentOf(next), current) };
      }),
    };
  },
  candidates: (draft) => ({ userIds: draft.record.ownerId ? [draft.record.ownerId] : [], mailboxes: [] }),
  dedupParts: (draft) => [
    `record:${draft.record.type}:${draft.record.id}`,
    [...new Set(draft.changes.map((c) => c.field))].sort().join(','),
  ],
  records: (draft) => [{ type: draft.record.type, id: draft.record.id }],
  indexKeys: (workspaceId, draft) => ({ matchPk: matchKey(workspaceId, draft.record) }),
  conflicts: {
    recordOf: (draft) => draft.record,
    between: (draft, other) =>
      draft.record.type === other.record.type && draft.record.id === other.record.id
        ? fieldConflicts(intentsOf(draft), intentsOf(other))
        : [],
  },
  fieldsOf,
  approveRefusal: () => null,
  approveTransition: 'applyClaim',
  approveCheck: (item, options) => {
    approvedFields(item, options, { fieldsOf, drifted: driftedOf });
  },
  approve: (context) => approveByCommand(context, { fieldsOf, drifted: driftedOf, body: commandBody }),
  settle: settleByCommand(commandBody, {
    appliedResult: (answer) => (answer.record.version ? { recordVersion: answer.record.version } : {}),
    // A conflict names what the record holds now: the changes are classified against it.
    rejectedDraft: (draft, answer, at) =>
      answer.current ? { ...draft, changes: reclassified(draft.changes, answer.current.fields, at) } : draft,
  }),
  recordChanged(draft, fields, at) {
    const changes = reclassified(draft.changes, fields, at);
    if (JSON.stringify(changes) === JSON.stringify(draft.changes)) return undefined;
    return { draft: { ...draft, changes }, alreadyHolds: changes.every((change) => change.state === 'moot') };
  },
  hasEdits: (draft) => draft.changes.some((change) => change.edit !== undefined),
  headline: (draft) =>
    `update ${draft.record.type} ${draft.record.name ?? draft.record.id}: ${draft.changes.map(labelOf).join(', ')}${moreValues(moreChanges(draft))}`,
  describe: (draft) =>
    [
      `Update ${draft.record.type} ${draft.record.id}${draft.record.name ? ` (${draft.record.name})` : ''}${draft.record.version ? `, as of version ${draft.record.version}` : ''}:`,
      ...draft.changes.map(describeChange),
      ...(moreChanges(draft) ? [`- and ${moreChanges(draft)} more changes`] : []),
    ].join('\n'),
};

/**
 * A newer proposal replacing this draft, field by field (spec 3): a reviewer's edit of a field survives when the
 * newer proposal proposes for that field what the replaced one did; otherwise the newer proposal wins for it. What
 * the CRM last reported the record holds (`current`) stays known, and each change is classified against it again.
 */
export function replaceRecordUpdate(
  previous: RecordUpdateDraft,
  proposal: RecordUpdateDraft,
): RecordUpdateDraft {
  return {
    ...proposal,
    changes: proposal.changes.map((change) => {
      const old = previous.changes.find((c) => c.field === change.field);
      const { current: _c, currentAt: _a, ...fresh } = withoutEdit(change);
      let next = { ...fresh, state: 'clean' } as RecordChange;
      if (old?.edit && sameIntent(proposedOf(old), proposedOf(change)))
        next = { ...next, edit: old.edit } as RecordChange;
      if (old?.current !== undefined) {
        const current = rebasedCurrent(old.current, intentOf(old), intentOf(next));
        next = {
          ...next,
          current,
          ...(old.currentAt !== undefined ? { currentAt: old.currentAt } : {}),
          state: classifyCurrent(intentOf(next), current),
        };
      }
      return next;
    }),
  };
}

export { matchKey as recordUpdateMatchKey };
