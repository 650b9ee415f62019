/**
 * What a record.update keeps of the CRM's reports (spec 2.4): the field's value now, as `Record Changed` or a
 * `Record Change Rejected`'s `current` named it. A value of at most `MAX_KEPT_BYTES` is kept whole; a larger one
 * (up to the 10 KB a report may carry, for each of up to 50 changes) is kept in a bounded form, marked `notKept`:
 * - its size and a preview, for people;
 * - a SHA-256 digest of its canonical form (a multi-value field as its sorted set of values), which answers the
 *   equality that classifies `set` and `set_if_empty` exactly;
 * - for `add` / `remove`, which of the values the change names the field holds (`held`, indexes into the change's
 *   values), the membership that classifies them. Membership of a value the change did not name when the report
 *   came (a later edit or replacement names other values) is unknown until the next report (`unknown`): such a
 *   change shows `clean`, never `moot`, so it is never resolved or left out on a guess (approving applies an add
 *   or remove that may already hold, which the CRM treats as a no-op).
 * docs/table-design.md ("Item size") gives what this bounds.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { type FieldValue, fieldValueSchema, MAX_VALUE_BYTES } from '../../domain/record-fields.js';
import { type ChangeIntent, type ChangeState, classify, sameValue } from '../record-values.js';

/** A current value up to this size (as JSON, in UTF-8 bytes) is kept whole. */
export const MAX_KEPT_BYTES = 512;
/** Characters of a value not kept whole that its preview shows. */
export const PREVIEW_CHARS = 120;
/** The values an add / remove names (valuesSchema): what `held` and `unknown` index. */
const MAX_NAMED_VALUES = 100;

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');

/** A value too large to keep whole, kept in a bounded form. */
export interface ValueNotKept {
  notKept: true;
  /** The value's size as JSON, in UTF-8 bytes. */
  bytes: number;
  /** SHA-256 (hex) of the value's canonical form. */
  sha256: string;
  /** Its first characters (a multi-value field: its first values, joined by ", "). */
  preview: string;
  /** A multi-value field: how many values it holds. */
  count?: number;
  /** add / remove: the indexes of the change's values (as it names them now) that the field holds. */
  held?: number[];
  /** add / remove: the indexes of the change's values whose membership is unknown (named after the report). */
  unknown?: number[];
}
export type CurrentValue = FieldValue | ValueNotKept;

const indexes = () =>
  z.array(z.int().check(z.minimum(0), z.maximum(MAX_NAMED_VALUES - 1))).check(z.maxLength(MAX_NAMED_VALUES));

/** The stored form: whole up to MAX_KEPT_BYTES, else bounded; the same schema checks the writer and the reader. */
export const currentValueSchema = z.lazy(() =>
  z.union([
    fieldValueSchema.check(
      z.refine(
        (value) => bytes(value) <= MAX_KEPT_BYTES,
        `must be at most ${MAX_KEPT_BYTES} bytes kept whole`,
      ),
    ),
    z.object({
      notKept: z.literal(true),
      bytes: z.int().check(z.minimum(0), z.maximum(MAX_VALUE_BYTES)),
      sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 in hex')),
      preview: z.string().check(z.maxLength(PREVIEW_CHARS)),
      count: z.optional(z.int().check(z.minimum(0), z.maximum(MAX_VALUE_BYTES))),
      held: z.optional(indexes()),
      unknown: z.optional(indexes()),
    }),
  ]),
);

export const isNotKept = (value: CurrentValue | undefined): value is ValueNotKept =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The canonical form equality is decided on: a multi-value field as its sorted set (sameValue's sets). */
const canonical = (value: FieldValue | undefined): string =>
  Array.isArray(value) ? JSON.stringify([...new Set(value)].sort()) : JSON.stringify(value ?? null);
const digest = (value: FieldValue | undefined) => createHash('sha256').update(canonical(value)).digest('hex');

/** The first `max` UTF-16 units of a string (what zod's maxLength counts), never half a surrogate pair. */
function cut(text: string, max: number): string {
  let out = '';
  for (const char of text) {
    if (out.length + char.length > max) break;
    out += char;
  }
  return out;
}

/** What is kept of the value a report names, for the change as it stands. */
export function keptCurrent(value: FieldValue, intent: ChangeIntent): CurrentValue {
  const size = bytes(value);
  if (size <= MAX_KEPT_BYTES) return value;
  const kept: ValueNotKept = {
    notKept: true,
    bytes: size,
    sha256: digest(value),
    preview: cut(Array.isArray(value) ? value.join(', ') : String(value), PREVIEW_CHARS),
  };
  if (Array.isArray(value)) {
    kept.count = value.length;
    if (intent.values) {
      const holds = new Set(value);
      kept.held = intent.values.flatMap((v, i) => (holds.has(v) ? [i] : []));
    }
  }
  return kept;
}

/** Equal to what the field holds now (sameValue's equality, on the digest when the value is not kept whole). */
export function sameAsCurrent(current: CurrentValue | undefined, value: FieldValue | undefined): boolean {
  if (!isNotKept(current)) return sameValue(current, value);
  if (value === undefined || value === null || Array.isArray(value) !== (current.count !== undefined))
    return false;
  return digest(value) === current.sha256;
}

/** `classify` against what is kept: exact, except add / remove naming values of unknown membership (clean). */
export function classifyCurrent(intent: ChangeIntent, current: CurrentValue | undefined): ChangeState {
  if (!isNotKept(current)) return classify(intent, current);
  switch (intent.op) {
    case 'set':
      if (sameAsCurrent(current, intent.after)) return 'moot';
      return intent.before === undefined || sameAsCurrent(current, intent.before) ? 'clean' : 'drifted';
    case 'set_if_empty':
      // A value too large to keep whole is never empty.
      return sameAsCurrent(current, intent.after) ? 'moot' : 'drifted';
    case 'add':
    case 'remove': {
      const named = intent.values?.length ?? 0;
      if (current.count === undefined) return intent.op === 'remove' ? 'moot' : 'clean';
      if ((current.unknown?.length ?? 0) > 0 || current.held === undefined) return 'clean';
      const held = current.held.length;
      return (intent.op === 'add' ? held === named : held === 0) ? 'moot' : 'clean';
    }
  }
}

/**
 * What is kept, for the change now naming `to` instead of `from` (an edit, a replacement): the membership of each
 * value `to` names is carried over where `from` named it, unknown otherwise.
 */
export function rebasedCurrent(current: CurrentValue, from: ChangeIntent, to: ChangeIntent): CurrentValue {
  if (!isNotKept(current) || current.count === undefined) return current;
  const { held: _held, unknown: _unknown, ...value } = current;
  if (!to.values) return value;
  const known = new Map<string, boolean>();
  const wasUnknown = new Set(current.unknown ?? []);
  const wasHeld = new Set(current.held ?? []);
  if (current.held !== undefined)
    from.values?.forEach((v, i) => {
      if (!wasUnknown.has(i)) known.set(v, wasHeld.has(i));
    });
  const held: number[] = [];
  const unknown: number[] = [];
  to.values.forEach((v, i) => {
    const holds = known.get(v);
    if (holds === undefined) unknown.push(i);
    else if (holds) held.push(i);
  });
  return { ...value, held, ...(unknown.length > 0 ? { unknown } : {}) };
}

/** Text for people: a value not kept whole says so, with its size and preview. */
export function showCurrent(
  current: CurrentValue | undefined,
  show: (value: FieldValue | undefined) => string,
) {
  if (!isNotKept(current)) return show(current);
  const what =
    current.count !== undefined
      ? `${current.count} values, ${current.bytes} bytes`
      : `${current.bytes} bytes`;
  return `a value of ${what}, not kept whole: ${current.preview}…`;
}
