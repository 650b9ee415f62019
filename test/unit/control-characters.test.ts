/**
 * Names, labels, ids and field names (spec 2.3, 2.4; issue 20, 2 and 3): no control character at all (U+0000–U+001F,
 * U+007F) in any name, label or id of any event; a field name follows [A-Za-z][A-Za-z0-9_.]{0,99} and is none of the
 * names an object inherits (`__proto__`, `constructor`, ...), in every event; a CRM event names at most 100 fields.
 * Header fields (an email's subject, `inReplyTo`) keep their own rule: no CR, LF or NUL.
 */
import { describe, expect, it } from 'vitest';
import {
  recordChangeAppliedSchema,
  recordChangedSchema,
  recordChangeRejectedSchema,
} from '../../shared/domain/crm-events.js';
import { draftProposedSchema, memberChangedSchema } from '../../shared/events/in-schemas.js';
import { editRequestSchema } from '../../shared/http/requests.js';
import { rawMemberChange, rawProposal } from '../fixtures/index.js';
import { rawRecordCreate, rawRecordUpdate } from '../support/records.js';

type Json = Record<string, unknown>;
const rawChanged = (): Json => ({
  workspaceId: 'ws_acme',
  record: { type: 'opportunity', id: 'opp_9', version: '18' },
  fields: { stage: 'Closed Lost' },
  changedBy: 'u_carol',
  changedAt: '2026-11-20T11:00:00.000Z',
});
const rawRejected = (): Json => ({
  workspaceId: 'ws_acme',
  itemId: 'ri_1',
  applyId: 'ap_1',
  reason: 'conflict',
  current: { version: '18', fields: { stage: 'Closed Lost' } },
  rejectedAt: '2026-11-20T11:05:00.000Z',
});
const rawApplied = (): Json => ({
  workspaceId: 'ws_acme',
  itemId: 'ri_1',
  applyId: 'ap_1',
  record: { type: 'opportunity', id: 'opp_9', version: '19' },
  appliedAt: '2026-11-20T11:05:00.000Z',
});

/** Sets a value at a path (objects and array indexes), on a copy. */
function withValue(raw: Json, path: (string | number)[], value: unknown): Json {
  const copy = structuredClone(raw);
  let node = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path.at(-1) as string | number] = value;
  return copy;
}

const CONTROLS = ['\u0001', '\u0007', '\u001b[31m', '\t', '\u001f', '\u007f'];
const accepts = (schema: { safeParse(input: unknown): { success: boolean } }, input: unknown) =>
  schema.safeParse(input).success;

/** Every name, label and id of every event in, with a valid value to prefix. */
const PLACES: [
  string,
  { safeParse(input: unknown): { success: boolean } },
  () => Json,
  (string | number)[],
][] = [
  ['a proposal: run.id', draftProposedSchema, rawProposal, ['run', 'id']],
  ['a proposal: run.stepId', draftProposedSchema, rawProposal, ['run', 'stepId']],
  ['a proposal: run.automationId', draftProposedSchema, rawProposal, ['run', 'automationId']],
  ['a proposal: run.automationName', draftProposedSchema, rawProposal, ['run', 'automationName']],
  [
    'a proposal: run.automationVersion',
    draftProposedSchema,
    () => withValue(rawProposal(), ['run', 'automationVersion'], '7'),
    ['run', 'automationVersion'],
  ],
  ['a proposal: a related record id', draftProposedSchema, rawProposal, ['relatedRecords', 0, 'id']],
  ['a proposal: a related record name', draftProposedSchema, rawProposal, ['relatedRecords', 0, 'name']],
  ['a proposal: a related record owner', draftProposedSchema, rawProposal, ['relatedRecords', 0, 'ownerId']],
  ['an email: threadId', draftProposedSchema, rawProposal, ['draft', 'threadId']],
  ['an update: the record id', draftProposedSchema, rawRecordUpdate, ['draft', 'record', 'id']],
  ['an update: the record name', draftProposedSchema, rawRecordUpdate, ['draft', 'record', 'name']],
  ['an update: the record version', draftProposedSchema, rawRecordUpdate, ['draft', 'record', 'version']],
  ['an update: a change label', draftProposedSchema, rawRecordUpdate, ['draft', 'changes', 0, 'label']],
  ['a creation: the record name', draftProposedSchema, rawRecordCreate, ['draft', 'record', 'name']],
  ['a creation: a field label', draftProposedSchema, rawRecordCreate, ['draft', 'fields', 0, 'label']],
  [
    'a creation: a duplicate id',
    draftProposedSchema,
    rawRecordCreate,
    ['draft', 'possibleDuplicates', 0, 'id'],
  ],
  [
    'a creation: a duplicate name',
    draftProposedSchema,
    rawRecordCreate,
    ['draft', 'possibleDuplicates', 0, 'name'],
  ],
  ['a member change: userId', memberChangedSchema, rawMemberChange, ['userId']],
  ['Record Changed: the record id', recordChangedSchema, rawChanged, ['record', 'id']],
  ['Record Changed: the record version', recordChangedSchema, rawChanged, ['record', 'version']],
  ['Record Changed: changedBy', recordChangedSchema, rawChanged, ['changedBy']],
  ['Record Change Applied: itemId', recordChangeAppliedSchema, rawApplied, ['itemId']],
  ['Record Change Applied: applyId', recordChangeAppliedSchema, rawApplied, ['applyId']],
  ['Record Change Applied: the record id', recordChangeAppliedSchema, rawApplied, ['record', 'id']],
  [
    'Record Change Rejected: the current version',
    recordChangeRejectedSchema,
    rawRejected,
    ['current', 'version'],
  ],
];

describe('no control characters in names, labels and ids (issue 20, 2)', () => {
  it.each(PLACES)('%s', (_place, schema, raw, path) => {
    const valid = raw();
    expect(accepts(schema, valid)).toBe(true);
    for (const control of CONTROLS)
      expect(accepts(schema, withValue(valid, path, `ok${control}`)), JSON.stringify(control)).toBe(false);
  });

  it("the issue's cases: a change label, a record id, a create field label", () => {
    expect(
      accepts(
        draftProposedSchema,
        withValue(rawRecordUpdate(), ['draft', 'changes', 0, 'label'], 'Sta\u0007ge'),
      ),
    ).toBe(false);
    expect(
      accepts(draftProposedSchema, withValue(rawRecordUpdate(), ['draft', 'record', 'id'], 'opp_\u001b[31m')),
    ).toBe(false);
    expect(
      accepts(
        draftProposedSchema,
        withValue(rawRecordCreate(), ['draft', 'fields', 0, 'label'], 'E\u0001mail'),
      ),
    ).toBe(false);
  });

  it('header fields keep their rule: no CR, LF or NUL, other characters taken as they are', () => {
    expect(accepts(draftProposedSchema, withValue(rawProposal(), ['draft', 'subject'], 'Re:\tRenewal'))).toBe(
      true,
    );
    expect(accepts(draftProposedSchema, withValue(rawProposal(), ['draft', 'subject'], 'Re:\nBcc: x'))).toBe(
      false,
    );
    // Not names: the reason and the bodies are free text.
    expect(accepts(draftProposedSchema, withValue(rawProposal(), ['reason'], 'Line one\nLine two'))).toBe(
      true,
    );
  });

  it('a PATCH of a record change names its field by the same rule', () => {
    for (const field of ['__proto__', 'constructor', 'stage\u0007'])
      expect(accepts(editRequestSchema, { version: 1, changes: [{ field, after: 'x' }] })).toBe(false);
  });
});

describe('field names in every event (issue 20, 3)', () => {
  const INVALID = [
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    'valueOf',
    'stage-name',
    '1stage',
    '',
  ];
  const fieldsWith = (name: string) => JSON.parse(`{${JSON.stringify(name)}: "x", "stage": "y"}`) as Json;

  it.each(INVALID)('Record Changed naming %j is invalid', (name) => {
    const result = recordChangedSchema.safeParse(withValue(rawChanged(), ['fields'], fieldsWith(name)));
    expect(result.success).toBe(false);
  });

  it.each(INVALID)('Record Change Rejected with current naming %j is invalid', (name) => {
    const result = recordChangeRejectedSchema.safeParse(
      withValue(rawRejected(), ['current', 'fields'], fieldsWith(name)),
    );
    expect(result.success).toBe(false);
  });

  it.each(INVALID)('a record draft changing or creating %j is invalid', (name) => {
    expect(
      accepts(draftProposedSchema, withValue(rawRecordUpdate(), ['draft', 'changes', 0, 'field'], name)),
    ).toBe(false);
    expect(
      accepts(draftProposedSchema, withValue(rawRecordCreate(), ['draft', 'fields', 0, 'field'], name)),
    ).toBe(false);
  });

  it('names that merely look alike are fields like any other', () => {
    for (const name of ['Constructor', 'proto', 'toStringValue', 'stage.name', 'a_b'])
      expect(accepts(recordChangedSchema, withValue(rawChanged(), ['fields'], { [name]: 1 })), name).toBe(
        true,
      );
  });

  it('a CRM event names at most 100 fields', () => {
    const fields = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}`, i]));
    expect(accepts(recordChangedSchema, withValue(rawChanged(), ['fields'], fields(100)))).toBe(true);
    expect(accepts(recordChangedSchema, withValue(rawChanged(), ['fields'], fields(101)))).toBe(false);
    expect(
      accepts(recordChangeRejectedSchema, withValue(rawRejected(), ['current', 'fields'], fields(101))),
    ).toBe(false);
  });
});
