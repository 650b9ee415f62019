/**
 * CRM field values in record drafts (spec 2.3; their schemas: shared/domain/record-fields.ts): how a proposed change
 * compares with what the record holds now, `clean` (the field did not change since drafting), `moot` (it already
 * holds the proposed result) or `drifted` (it changed to something else), and how values show.
 */
import type { FieldValue, Scalar } from '../domain/record-fields.js';

const isEmpty = (value: FieldValue | undefined) =>
  value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);

/** Equal values: the same scalar, or the same set of strings. */
export function sameValue(a: FieldValue | undefined, b: FieldValue | undefined): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b)) return false;
    const left = new Set(a);
    const right = new Set(b);
    return left.size === right.size && [...left].every((value) => right.has(value));
  }
  return (a ?? null) === (b ?? null);
}

export type ChangeOp = 'set' | 'set_if_empty' | 'add' | 'remove';
export type ChangeState = 'clean' | 'moot' | 'drifted';

/** What a change does, as far as classifying it goes. */
export interface ChangeIntent {
  op: ChangeOp;
  /** What the automation saw (set). */
  before?: Scalar;
  /** The value it sets (set, set_if_empty). */
  after?: Scalar;
  /** The values it adds or removes (add, remove). */
  values?: string[];
}

/**
 * A change against the field's value now:
 * - set: moot if the field holds the value already; clean if it still holds what the automation saw (or the
 *   automation said nothing of it); drifted otherwise;
 * - set_if_empty: clean while the field is empty; moot if it holds the value; drifted if it holds another value
 *   (the change would not apply);
 * - add / remove: moot when every value is already there (add) or gone (remove); clean otherwise (adding or removing
 *   a value stays meaningful whatever else the field holds).
 */
export function classify(change: ChangeIntent, current: FieldValue | undefined): ChangeState {
  switch (change.op) {
    case 'set':
      if (sameValue(current, change.after)) return 'moot';
      if (!('before' in change) || change.before === undefined || sameValue(current, change.before))
        return 'clean';
      return 'drifted';
    case 'set_if_empty':
      if (isEmpty(current)) return 'clean';
      return sameValue(current, change.after) ? 'moot' : 'drifted';
    case 'add': {
      const held = new Set(Array.isArray(current) ? current : []);
      return (change.values ?? []).every((value) => held.has(value)) ? 'moot' : 'clean';
    }
    case 'remove': {
      const held = new Set(Array.isArray(current) ? current : []);
      return (change.values ?? []).every((value) => !held.has(value)) ? 'moot' : 'clean';
    }
  }
}

/** Text for people: a value as shown in a description. */
export function showValue(value: FieldValue | undefined): string {
  if (value === undefined) return '(unknown)';
  if (value === null || value === '') return '(empty)';
  if (Array.isArray(value)) return value.join(', ');
  const text = String(value);
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}

/** The values of a multi-value change a list preview shows; the rest are counted (`valuesLeftOut`). */
export const PREVIEW_VALUES = 5;
/**
 * A record draft's list preview as a whole, in UTF-8 bytes of its JSON (docs/table-design.md, "Item size"): the
 * item stores it besides the whole draft, and every queue entry and record entry carries it.
 */
export const MAX_PREVIEW_BYTES = 24 * 1024;

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');

/** A preview within MAX_PREVIEW_BYTES: the schema every stored preview is read back with checks it. */
export const withinPreviewSize = (preview: unknown) => jsonBytes(preview) <= MAX_PREVIEW_BYTES;

/** A multi-value field's first values for a list preview (each shortened), and how many it leaves out. */
export function previewValues(values: string[]): { values: string[]; leftOut: number } {
  return {
    values: previewValue(values.slice(0, PREVIEW_VALUES)),
    leftOut: Math.max(0, values.length - PREVIEW_VALUES),
  };
}

/**
 * The first parts of a preview (a record draft's changes or fields, each already shortened) that keep it within
 * MAX_PREVIEW_BYTES, at least one: `preview` is the rest of it, the parts going under `key`. The parts left out are
 * counted by the caller.
 */
export function partsWithinPreview<P>(preview: object, key: string, parts: P[]): P[] {
  // Room for the count of the parts left out (`,"changesLeftOut":100`).
  let total = jsonBytes({ ...preview, [key]: [] }) + 32;
  const kept: P[] = [];
  for (const part of parts) {
    total += jsonBytes(part) + 1;
    if (kept.length > 0 && total > MAX_PREVIEW_BYTES) break;
    kept.push(part);
  }
  return kept;
}

/** A value shortened for a list preview (each string at most `max` characters). */
export function previewValue<V extends FieldValue | undefined>(value: V, max = 280): V {
  if (typeof value === 'string' && value.length > max) return `${value.slice(0, max)}…` as V;
  if (Array.isArray(value)) return value.map((v) => (v.length > max ? `${v.slice(0, max)}…` : v)) as V;
  return value;
}
