/** The one median helper (shared/domain/median.ts): review stats and the bundle report both take it. */
import { describe, expect, it } from 'vitest';
import { median } from '../../shared/domain/median.js';

describe('median', () => {
  it('is null for no values', () => expect(median([])).toBeNull());
  it('is the middle value of an odd count, in any order', () => expect(median([9, 1, 5])).toBe(5));
  it('is the mean of the two middle values of an even count', () => expect(median([4, 1, 3, 2])).toBe(2.5));
  it('sorts numerically, not as text', () => expect(median([10, 9, 100])).toBe(10));
});
