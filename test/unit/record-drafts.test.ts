/**
 * Record drafts as pure logic (spec 2.3, 3): the proposal bounds, change classification as a table (each op × what
 * the field holds now), edits, field-by-field replacement and the command a claim publishes.
 */
import { describe, expect, it } from 'vitest';
import type { FieldValue } from '../../shared/domain/record-fields.js';
import { recordCreateKind } from '../../shared/drafts/record-create/index.js';
import {
  type RecordChange,
  type RecordUpdateDraft,
  reclassified,
  recordUpdateKind,
  replaceRecordUpdate,
} from '../../shared/drafts/record-update/index.js';
import { type ChangeIntent, type ChangeState, classify } from '../../shared/drafts/record-values.js';
import { ValidationError } from '../../shared/errors.js';
import { draftProposedSchema } from '../../shared/events/in-schemas.js';
import { feedbackOfChange } from '../../shared/store/entities/automation-feedback.js';
import { rawRecordCreate, rawRecordUpdate, recordUpdateProposal } from '../support/records.js';

type Row = [string, ChangeIntent, FieldValue | undefined, ChangeState];

/** op × field now → state. `before` is what the automation saw. */
const TABLE: Row[] = [
  [
    'set: unchanged since drafting',
    { op: 'set', before: 'Negotiation', after: 'Closed Won' },
    'Negotiation',
    'clean',
  ],
  [
    'set: already the proposed value',
    { op: 'set', before: 'Negotiation', after: 'Closed Won' },
    'Closed Won',
    'moot',
  ],
  [
    'set: changed to something else',
    { op: 'set', before: 'Negotiation', after: 'Closed Won' },
    'Closed Lost',
    'drifted',
  ],
  ['set: emptied since', { op: 'set', before: 'Negotiation', after: 'Closed Won' }, null, 'drifted'],
  ['set without before: any other value', { op: 'set', after: 15000 }, 12000, 'clean'],
  ['set without before: the value', { op: 'set', after: 15000 }, 15000, 'moot'],
  ['set: numbers compare as numbers', { op: 'set', before: 12000, after: 15000 }, '12000', 'drifted'],
  ['set to null: already empty', { op: 'set', before: 'x', after: null }, null, 'moot'],
  ['set_if_empty: still empty (null)', { op: 'set_if_empty', after: 'Send the contract' }, null, 'clean'],
  [
    'set_if_empty: still empty (empty string)',
    { op: 'set_if_empty', after: 'Send the contract' },
    '',
    'clean',
  ],
  ['set_if_empty: never reported', { op: 'set_if_empty', after: 'Send the contract' }, undefined, 'clean'],
  [
    'set_if_empty: filled with the value',
    { op: 'set_if_empty', after: 'Send the contract' },
    'Send the contract',
    'moot',
  ],
  [
    'set_if_empty: filled with another',
    { op: 'set_if_empty', after: 'Send the contract' },
    'Call Carol',
    'drifted',
  ],
  ['add: none there', { op: 'add', values: ['renewal'] }, ['vip'], 'clean'],
  ['add: some there', { op: 'add', values: ['renewal', 'q4'] }, ['renewal'], 'clean'],
  ['add: all there', { op: 'add', values: ['renewal', 'q4'] }, ['q4', 'vip', 'renewal'], 'moot'],
  ['add: field empty', { op: 'add', values: ['renewal'] }, [], 'clean'],
  ['remove: still there', { op: 'remove', values: ['stale'] }, ['stale', 'vip'], 'clean'],
  ['remove: already gone', { op: 'remove', values: ['stale'] }, ['vip'], 'moot'],
  ['remove: field empty', { op: 'remove', values: ['stale'] }, null, 'moot'],
];

describe('change classification', () => {
  it.each(TABLE)('%s', (_label, intent, current, state) => {
    expect(classify(intent, current)).toBe(state);
  });
});

const update = (): RecordUpdateDraft => {
  const draft = recordUpdateProposal().draft;
  if (draft.type !== 'record.update') throw new Error('fixture');
  return draft;
};
const byField = (changes: RecordChange[]) => Object.fromEntries(changes.map((c) => [c.field, c]));

describe('proposal bounds (spec 2.3)', () => {
  const withDraft = (draft: Record<string, unknown>, raw = rawRecordUpdate()) =>
    draftProposedSchema.safeParse({ ...raw, draft: { ...(raw.draft as object), ...draft } });

  it('accepts the fixtures, starting every change clean', () => {
    expect(update().changes.every((c) => c.state === 'clean')).toBe(true);
    expect(withDraft({}, rawRecordCreate()).success).toBe(true);
  });

  it.each([
    ['no changes', { changes: [] }],
    [
      '51 changes',
      { changes: Array.from({ length: 51 }, (_, i) => ({ field: `f${i}`, op: 'set', after: i })) },
    ],
    [
      'a field twice',
      {
        changes: [
          { field: 'a', op: 'set', after: 1 },
          { field: 'a', op: 'set', after: 2 },
        ],
      },
    ],
    ['a bad field name', { changes: [{ field: '1stage', op: 'set', after: 1 }] }],
    ['an unknown op', { changes: [{ field: 'a', op: 'merge', after: 1 }] }],
    ['add without values', { changes: [{ field: 'tags', op: 'add' }] }],
    ['an object value', { changes: [{ field: 'a', op: 'set', after: { x: 1 } }] }],
    ['a value over 10 KB', { changes: [{ field: 'a', op: 'set', after: 'x'.repeat(10 * 1024 + 1) }] }],
    ['a control character in a label', { changes: [{ field: 'a', label: 'A\nB', op: 'set', after: 1 }] }],
    ['a record without id', { record: { type: 'opportunity' } }],
    [
      'review state given by the automation',
      { changes: [{ field: 'a', op: 'set', after: 1, edit: { after: 2 } }] },
    ],
  ])('rejects %s', (_label, draft) => {
    const parsed = withDraft(draft as Record<string, unknown>);
    if (_label === 'review state given by the automation') {
      // Unknown members are stripped: the automation cannot set a reviewer's edit or a state.
      expect(parsed.success).toBe(true);
      const change =
        parsed.success && parsed.data.draft.type === 'record.update'
          ? parsed.data.draft.changes[0]
          : undefined;
      expect(change && 'edit' in change ? change.edit : undefined).toBeUndefined();
      return;
    }
    expect(parsed.success).toBe(false);
  });

  it('rejects a draft over 200 KB as a whole', () => {
    const changes = Array.from({ length: 25 }, (_, i) => ({
      field: `f${i}`,
      op: 'set',
      after: 'x'.repeat(9000),
    }));
    expect(withDraft({ changes }).success).toBe(false);
  });

  it('rejects a record.create with 101 fields or a field twice', () => {
    const raw = rawRecordCreate();
    const fields = Array.from({ length: 101 }, (_, i) => ({ field: `f${i}`, value: i }));
    expect(withDraft({ fields }, raw).success).toBe(false);
    expect(
      withDraft(
        {
          fields: [
            { field: 'a', value: 1 },
            { field: 'a', value: 2 },
          ],
        },
        raw,
      ).success,
    ).toBe(false);
  });
});

describe('edits', () => {
  it('sets a change edit, drops an edit back to the proposal, and re-classifies against current', () => {
    const draft = reclassifiedDraft(update(), { amount: 13000 });
    const edited = recordUpdateKind.merge(draft, [{ field: 'amount', after: 13000 }]) as RecordUpdateDraft;
    expect(byField(edited.changes).amount).toMatchObject({ edit: { after: 13000 }, state: 'moot' });
    const back = recordUpdateKind.merge(edited, [{ field: 'amount', after: 15000 }]) as RecordUpdateDraft;
    expect(byField(back.changes).amount?.edit).toBeUndefined();
  });

  it('refuses unknown fields and values of the wrong shape', () => {
    expect(() => recordUpdateKind.merge(update(), [{ field: 'nope', after: 1 }])).toThrow(ValidationError);
    expect(() => recordUpdateKind.merge(update(), [{ field: 'tags', after: 'x' }])).toThrow(ValidationError);
    expect(() => recordUpdateKind.merge(update(), [{ field: 'stage', values: ['x'] }])).toThrow(
      ValidationError,
    );
    const create = recordCreateKind.schema.parse(rawRecordCreate().draft);
    expect(() => recordCreateKind.merge(create, [{ field: 'nope', value: 1 }])).toThrow(ValidationError);
  });
});

function reclassifiedDraft(
  draft: RecordUpdateDraft,
  current: Record<string, FieldValue>,
  at = '2026-11-20T11:00:00Z',
) {
  return { ...draft, changes: reclassified(draft.changes, current, at) };
}

describe('reports of what the record holds', () => {
  it('an older report than the one kept changes nothing; a microsecond later one wins', () => {
    const first = reclassifiedDraft(update(), { stage: 'Closed Lost' }, '2026-11-20T11:00:00.000001Z');
    const older = reclassifiedDraft(first, { stage: 'Negotiation' }, '2026-11-20T11:00:00.000000Z');
    expect(byField(older.changes).stage).toMatchObject({ state: 'drifted', current: 'Closed Lost' });
    const later = reclassifiedDraft(first, { stage: 'Negotiation' }, '2026-11-20T11:00:00.000002Z');
    expect(byField(later.changes).stage).toMatchObject({ state: 'clean', current: 'Negotiation' });
  });
});

describe('replacement field by field', () => {
  it('keeps an edit where the newer proposal proposes the same, drops it where it changed, keeps current', () => {
    const old = recordUpdateKind.merge(reclassifiedDraft(update(), { stage: 'Closed Lost' }), [
      { field: 'stage', after: 'Closed Won (signed)' },
      { field: 'amount', after: 16000 },
    ]) as RecordUpdateDraft;
    const newer = update();
    const amount = newer.changes.find((c) => c.field === 'amount');
    if (amount && 'after' in amount) amount.after = 17000;
    const replaced = replaceRecordUpdate(old, newer);
    const fields = byField(replaced.changes);
    expect(fields.stage).toMatchObject({
      edit: { after: 'Closed Won (signed)' },
      current: 'Closed Lost',
      state: 'drifted',
    });
    expect(fields.amount?.edit).toBeUndefined();
    expect(fields.tags?.state).toBe('clean');
  });

  it('record.create keeps an edit of a field the newer proposal gives the same value', () => {
    const old = recordCreateKind.merge(recordCreateKind.schema.parse(rawRecordCreate().draft), [
      { field: 'email', value: 'dave.lee@globex.com' },
      { field: 'accountId', value: 'acc_2' },
    ]) as ReturnType<typeof recordCreateKind.schema.parse>;
    const newer = recordCreateKind.schema.parse({
      ...(rawRecordCreate().draft as object),
      fields: [
        { field: 'email', value: 'dave@globex.com' },
        { field: 'accountId', value: 'acc_3' },
      ],
    });
    const replaced = recordCreateKind.replace(old, newer);
    expect(replaced.fields.map((f) => f.edit)).toEqual([{ value: 'dave.lee@globex.com' }, undefined]);
  });
});

describe('the command', () => {
  it('carries the approved changes with the edited values and the base version', () => {
    const draft = recordUpdateKind.merge(update(), [{ field: 'amount', after: 16000 }]) as RecordUpdateDraft;
    const command = recordUpdateKind.settle?.command({
      id: 'ri_1',
      draft,
      apply: {
        applyId: 'ap_1',
        by: 'u_bob',
        claimedAt: '2026-11-20T10:00:00.000Z',
        fields: ['amount', 'tags'],
        publications: 2,
        nextAt: '',
      },
    } as never);
    expect(command).toEqual({
      applyId: 'ap_1',
      approvedBy: 'u_bob',
      approvedAt: '2026-11-20T10:00:00.000Z',
      publication: 2,
      operation: 'update',
      record: { type: 'opportunity', id: 'opp_9', baseVersion: '17' },
      changes: [
        { field: 'amount', op: 'set', before: 12000, after: 16000, edited: true },
        { field: 'tags', op: 'add', values: ['renewal'], edited: false },
      ],
    });
  });
});

describe('what the agent reads', () => {
  it('says what the update proposes and that a field changed since', () => {
    const draft = reclassifiedDraft(update(), { stage: 'Closed Lost', amount: 15000 });
    const text = recordUpdateKind.describe(draft);
    expect(text).toContain('Update opportunity opp_9 (Globex renewal), as of version 17:');
    expect(text).toContain('- Stage: Negotiation → Closed Won [drifted: the record now holds Closed Lost]');
    expect(text).toContain('- Amount: 12000 → 15000 [moot: the record already holds it]');
    expect(recordUpdateKind.headline(draft)).toBe(
      'update opportunity Globex renewal: Stage, Amount, nextStep, tags',
    );
  });
});

describe('feedback of record drafts (spec 3, Feedback)', () => {
  it('an edit says which changes the reviewer edited; an edit back is an edit of that change too', () => {
    const before = update();
    const once = recordUpdateKind.merge(before, [{ field: 'amount', after: 16000 }]) as RecordUpdateDraft;
    expect(recordUpdateKind.diff?.(before, once)).toEqual({ fields: ['amount'], changesEdited: ['amount'] });
    const twice = recordUpdateKind.merge(once, [
      { field: 'amount', after: 16000 },
      { field: 'tags', values: ['renewal', 'q4'] },
    ]) as RecordUpdateDraft;
    expect(recordUpdateKind.diff?.(once, twice)).toEqual({ fields: ['tags'], changesEdited: ['tags'] });
    const create = recordCreateKind.schema.parse(rawRecordCreate().draft);
    const editedCreate = recordCreateKind.merge(create, [
      { field: 'email', value: 'x@globex.com' },
    ]) as typeof create;
    expect(recordCreateKind.diff?.(create, editedCreate)).toEqual({
      fields: ['email'],
      changesEdited: ['email'],
    });
  });

  it('a partial approval, once applied, counts the changes left out', () => {
    const entry = {
      action: 'applied',
      diff: { fields: [], changesLeftOut: ['stage', 'tags'] },
      at: '2026-11-20T10:00:00.000Z',
    } as unknown as Parameters<typeof feedbackOfChange>[1];
    const after = {
      id: 'ri_1',
      origin: { automationId: 'auto_pipeline', executedAs: { kind: 'workspace' } },
      decision: { action: 'approved', by: 'u_bob', at: '2026-11-20T10:00:00.000Z', fields: ['amount'] },
    } as unknown as Parameters<typeof feedbackOfChange>[0];
    expect(feedbackOfChange(after, entry, { approvedAfterEdits: 1 })?.add).toMatchObject({
      changesLeftOut: 2,
    });
  });
});
