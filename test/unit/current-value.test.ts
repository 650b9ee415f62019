/**
 * The bounded form of a CRM report's value (spec 2.4; shared/drafts/record-update/current-value.ts): what is kept
 * always parses with the stored schema, and classifies a change as the whole value would.
 */
import { describe, expect, it } from 'vitest';
import type { FieldValue } from '../../shared/domain/record-fields.js';
import {
  classifyCurrent,
  currentValueSchema,
  keptCurrent,
  MAX_KEPT_BYTES,
  rebasedCurrent,
} from '../../shared/drafts/record-update/current-value.js';
import { type ChangeIntent, classify } from '../../shared/drafts/record-values.js';

const large = (tag: string) => tag.padEnd(5_000, 'x');
const tags = Array.from({ length: 600 }, (_, i) => `tag${i}`);

describe('a value too large to keep whole', () => {
  it('is kept whole up to MAX_KEPT_BYTES, bounded above; either way the stored schema takes it', () => {
    const small = 'x'.repeat(MAX_KEPT_BYTES - 2);
    expect(keptCurrent(small, { op: 'set', after: 'a' })).toBe(small);
    for (const value of [large('a'), '😀'.repeat(2_000), '\u0001'.repeat(1_500), tags] as FieldValue[]) {
      const kept = keptCurrent(value, { op: 'add', values: ['tag1', 'nope'] });
      expect(kept).toMatchObject({ notKept: true });
      expect(currentValueSchema.safeParse(kept).success).toBe(true);
    }
  });

  it.each<[string, ChangeIntent, FieldValue]>([
    ['set: moot', { op: 'set', before: large('b'), after: large('a') }, large('a')],
    ['set: clean', { op: 'set', before: large('b'), after: large('a') }, large('b')],
    ['set: drifted', { op: 'set', before: large('b'), after: large('a') }, large('c')],
    ['set without before: clean', { op: 'set', after: 'a' }, large('c')],
    ['set of a set, in another order: moot', { op: 'set', after: 'x' }, tags],
    ['set_if_empty: moot', { op: 'set_if_empty', after: large('a') }, large('a')],
    ['set_if_empty: drifted', { op: 'set_if_empty', after: large('a') }, large('c')],
    ['add: moot', { op: 'add', values: ['tag1', 'tag2'] }, tags],
    ['add: clean', { op: 'add', values: ['tag1', 'new'] }, tags],
    ['remove: moot', { op: 'remove', values: ['gone'] }, tags],
    ['remove: clean', { op: 'remove', values: ['tag1', 'gone'] }, tags],
    ['remove from a large scalar: moot', { op: 'remove', values: ['a'] }, large('a')],
  ])('%s, as the whole value classifies it', (_name, intent, value) => {
    expect(classifyCurrent(intent, keptCurrent(value, intent))).toBe(classify(intent, value));
  });

  it('an edit naming other values: membership carried where known, clean where unknown', () => {
    const from: ChangeIntent = { op: 'add', values: ['tag1', 'tag2'] };
    const kept = keptCurrent(tags, from);
    const same = rebasedCurrent(kept, from, { op: 'add', values: ['tag2'] });
    expect(classifyCurrent({ op: 'add', values: ['tag2'] }, same)).toBe('moot');
    const other = rebasedCurrent(kept, from, { op: 'add', values: ['tag2', 'tag3'] });
    expect(other).toMatchObject({ held: [0], unknown: [1] });
    expect(classifyCurrent({ op: 'add', values: ['tag2', 'tag3'] }, other)).toBe('clean');
    expect(currentValueSchema.safeParse(other).success).toBe(true);
  });
});
