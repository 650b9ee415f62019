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

/** A value shortened for a list preview (each string at most `max` characters). */
export function previewValue<V extends FieldValue | undefined>(value: V, max = 280): V {
  if (typeof value === 'string' && value.length > max) return `${value.slice(0, max)}…` as V;
  if (Array.isArray(value)) return value.map((v) => (v.length > max ? `${v.slice(0, max)}…` : v)) as V;
  return value;
}
