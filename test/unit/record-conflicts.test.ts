/** spec 3 "Conflicts between drafts": when two changes of one field lead to different results (pure rule). */
import { describe, expect, it } from 'vitest';
import { changesConflict, fieldConflicts } from '../../shared/drafts/record-update/conflicts.js';
import type { ChangeIntent } from '../../shared/drafts/record-values.js';

const set = (after: string | number | null): ChangeIntent => ({ op: 'set', after });
const ifEmpty = (after: string): ChangeIntent => ({ op: 'set_if_empty', after });
const add = (...values: string[]): ChangeIntent => ({ op: 'add', values });
const remove = (...values: string[]): ChangeIntent => ({ op: 'remove', values });

describe('changesConflict', () => {
  it.each([
    ['set vs set, same value', set('Won'), set('Won'), false],
    ['set vs set, other value', set('Won'), set('Lost'), true],
    ['set vs set, 15000 vs "15000"', set(15000), set('15000'), true],
    ['set vs set_if_empty, same value', set('Call'), ifEmpty('Call'), false],
    ['set vs set_if_empty, other value', set('Call'), ifEmpty('Email'), true],
    ['set_if_empty vs set_if_empty, other value', ifEmpty('Call'), ifEmpty('Email'), true],
    ['add vs add', add('a', 'b'), add('c'), false],
    ['remove vs remove', remove('a'), remove('a', 'b'), false],
    ['add vs remove, disjoint', add('a'), remove('b'), false],
    ['add vs remove, a value in common', add('a', 'b'), remove('b'), true],
    ['set vs add (scalar against multi-value)', set('a'), add('a'), true],
    ['set_if_empty vs remove', ifEmpty('a'), remove('a'), true],
    ['add with values in another order', add('a', 'b'), add('b', 'a'), false],
  ])('%s → %s', (_name, a, b, expected) => {
    expect(changesConflict(a, b)).toBe(expected);
    expect(changesConflict(b, a)).toBe(expected);
  });
});

describe('fieldConflicts', () => {
  it('names the fields both change with different results, with what the other proposes (long values shortened)', () => {
    const long = 'x'.repeat(1_000);
    expect(
      fieldConflicts(
        [
          { field: 'stage', intent: set('Won') },
          { field: 'amount', intent: set(15000) },
          { field: 'notes', intent: set('short') },
          { field: 'tags', intent: add('renewal') },
        ],
        [
          { field: 'stage', intent: set('Lost') },
          { field: 'amount', intent: set(15000) },
          { field: 'notes', intent: set(long) },
          { field: 'owner', intent: set('u_1') },
          { field: 'tags', intent: remove('renewal', 'old') },
        ],
      ),
    ).toEqual([
      { field: 'stage', proposed: { op: 'set', after: 'Lost' } },
      { field: 'notes', proposed: { op: 'set', after: `${'x'.repeat(280)}…` } },
      { field: 'tags', proposed: { op: 'remove', values: ['renewal', 'old'] } },
    ]);
  });
});
