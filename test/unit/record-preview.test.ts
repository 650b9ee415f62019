/**
 * A record draft's list preview is bounded as a whole (issue 20, 1; docs/table-design.md, "Item size"): each value
 * shortened, a multi-value change's first values with the rest counted, and the first changes or fields within
 * MAX_PREVIEW_BYTES with the rest counted. And a writer never stores an item, summary or history entry its reader
 * refuses: the schema that reads each back checks it before it is written.
 */
import { describe, expect, it } from 'vitest';
import { created } from '../../shared/domain/lifecycle.js';
import { historyEntry, type ReviewItem } from '../../shared/domain/review-item.js';
import {
  type Draft,
  describeDraft,
  draftPreviewSchema,
  headlineOf,
  previewOf,
} from '../../shared/drafts/index.js';
import { MAX_PREVIEW_BYTES, PREVIEW_VALUES } from '../../shared/drafts/record-values.js';
import { historyRecord } from '../../shared/store/entities/history.js';
import { itemRecord } from '../../shared/store/entities/review-item.js';
import { recordCreateProposal, recordUpdateProposal } from '../support/records.js';

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
/** Three bytes per character in UTF-8: the most a character zod counts can take. */
const wide = (n: number, tag: string) => `${tag}${'語'.repeat(n - tag.length)}`;

const updateDraft = (changes: object[]) =>
  recordUpdateProposal({ draft: { record: { type: 'opportunity', id: 'opp_9' }, changes } }).draft as Draft;

describe('a record.update preview', () => {
  it('shows a multi-value change’s first values and counts the rest, for the proposal and the edit', () => {
    const draft = updateDraft([
      { field: 'tags', op: 'add', values: range(12).map((i) => `t${i}`) },
    ]) as Draft & {
      changes: object[];
    };
    const edited = {
      ...draft,
      changes: [{ ...draft.changes[0], edit: { values: range(8).map((i) => `e${i}`) } }],
    };
    const preview = previewOf(edited as Draft) as unknown as {
      changes: {
        values: string[];
        valuesLeftOut?: number;
        edit: { values: string[]; valuesLeftOut?: number };
      }[];
    };
    expect(preview.changes[0]?.values).toEqual(range(PREVIEW_VALUES).map((i) => `t${i}`));
    expect(preview.changes[0]?.valuesLeftOut).toBe(12 - PREVIEW_VALUES);
    expect(preview.changes[0]?.edit).toEqual({
      values: range(PREVIEW_VALUES).map((i) => `e${i}`),
      valuesLeftOut: 3,
    });
    expect(describeDraft(preview as never)).toContain('add e0, e1, e2, e3, e4 and 3 more');
    expect(draftPreviewSchema.safeParse(preview).success).toBe(true);
  });

  it('of the widest changes stays within MAX_PREVIEW_BYTES, the changes left out counted', () => {
    // 30 changes, each with a 200-character label and 6 values of 280 characters, 3 bytes each: ~170 KB.
    const draft = updateDraft(
      range(30).map((i) => ({
        field: `f${i}`,
        label: wide(200, `L${i}`),
        op: 'add',
        values: range(6).map((j) => wide(280, `v${i}.${j}`)),
      })),
    );
    expect(bytes(draft)).toBeGreaterThan(150_000);
    const preview = previewOf(draft) as unknown as { changes: object[]; changesLeftOut?: number };
    expect(bytes(preview)).toBeLessThanOrEqual(MAX_PREVIEW_BYTES);
    expect(preview.changes.length).toBeGreaterThan(0);
    expect(preview.changesLeftOut).toBe(30 - preview.changes.length);
    expect(draftPreviewSchema.safeParse(preview).success).toBe(true);
    expect(headlineOf(preview as never)).toMatch(new RegExp(` and ${preview.changesLeftOut} more$`));
    expect(describeDraft(preview as never)).toContain(`- and ${preview.changesLeftOut} more changes`);
  });

  it('of a small draft is the whole draft, nothing counted', () => {
    const draft = updateDraft([{ field: 'stage', op: 'set', before: 'a', after: 'b' }]);
    expect(previewOf(draft)).toEqual(draft);
  });
});

describe('a record.create preview', () => {
  it('of the widest fields and duplicates stays within MAX_PREVIEW_BYTES, the fields left out counted', () => {
    const draft = recordCreateProposal({
      draft: {
        record: { type: 'contact', name: wide(500, 'n') },
        fields: range(100).map((i) => ({
          field: `g${i}`,
          label: wide(200, `L${i}`),
          value: wide(300, `v${i}`),
        })),
        possibleDuplicates: range(10).map((i) => ({
          type: 'contact',
          id: `c_${i}`,
          name: wide(500, `d${i}`),
        })),
      },
    }).draft as Draft;
    const preview = previewOf(draft) as unknown as { fields: object[]; fieldsLeftOut?: number };
    expect(bytes(preview)).toBeLessThanOrEqual(MAX_PREVIEW_BYTES);
    expect(preview.fields.length).toBeGreaterThan(0);
    expect(preview.fieldsLeftOut).toBe(100 - preview.fields.length);
    expect(draftPreviewSchema.safeParse(preview).success).toBe(true);
    expect(describeDraft(preview as never)).toContain(`- and ${preview.fieldsLeftOut} more fields`);
  });
});

describe('a writer stores nothing its reader refuses', () => {
  const T0 = '2026-11-20T10:00:00.000Z';
  const itemOf = (draft: Draft): ReviewItem =>
    created(
      'ri_1',
      {
        workspaceId: 'ws_acme',
        type: draft.type,
        draft,
        reason: 'r',
        relatedRecords: [],
        origin: { automationId: 'a', runId: 'run_1', stepId: 's', executedAs: { kind: 'workspace' } },
        reviewers: ['u_bob'],
        dedupHash: 'h',
        proposedAt: T0,
      },
      T0,
    );
  // A draft the stored schema refuses (a label with a control character): built by hand, never by a use case.
  const refused = updateDraft([{ field: 'stage', op: 'set', after: 'b' }]) as Draft & { changes: object[] };
  const bad = { ...refused, changes: [{ ...refused.changes[0], label: 'Sta\u0007ge' }] } as Draft;

  it('an item, and its summary, are checked before they are written', () => {
    expect(() => itemRecord(itemOf(refused))).not.toThrow();
    expect(() => itemRecord(itemOf(bad))).toThrow(/review item about to be written does not parse/);
  });

  it('a history entry is checked before it is written', () => {
    const entry = historyEntry(
      itemOf(bad),
      'created',
      { kind: 'system', reason: 'test' },
      { withDraft: true },
    );
    expect(() => historyRecord('ws_acme', 'ri_1', entry, [])).toThrow(/history entry about to be written/);
  });
});
