/**
 * spec 3 "Trust": the one-sided 95% Clopper–Pearson upper bound, checked against the known values and
 * against jStat's beta quantile (a maintained implementation, test-only) over a grid of n and k.
 */
// @ts-expect-error jStat ships no types; only `beta.inv` is used.
import jStatModule from 'jstat';
import { describe, expect, it } from 'vitest';
import {
  clopperPearsonUpper,
  DEFAULT_TRUST,
  regularizedBeta,
  trustFigures,
} from '../../shared/domain/trust.js';

const jStat = (jStatModule as { jStat?: unknown }).jStat ?? jStatModule;
const betaInv = (p: number, a: number, b: number): number =>
  (jStat as { beta: { inv: (p: number, a: number, b: number) => number } }).beta.inv(p, a, b);

describe('Clopper–Pearson upper bound', () => {
  it.each([
    [0, 30, 0.095],
    [0, 150, 0.0198],
    [3, 300, 0.0256],
  ])('%i of %i → %f (the issue’s values)', (k, n, expected) => {
    expect(Math.round(clopperPearsonUpper(k, n) * 10_000) / 10_000).toBe(expected);
  });

  it('agrees with jStat’s beta quantile over a grid of n and k', () => {
    const ns = [1, 2, 5, 10, 29, 30, 99, 100, 101, 500, 1_000, 10_000, 100_000];
    for (const n of ns) {
      for (const k of new Set([
        0,
        1,
        2,
        3,
        Math.floor(n / 100),
        Math.floor(n / 10),
        Math.floor(n / 2),
        n - 1,
      ])) {
        if (k < 0 || k >= n) continue;
        const ours = clopperPearsonUpper(k, n);
        const reference = betaInv(0.95, k + 1, n - k);
        expect(Math.abs(ours - reference), `k=${k} n=${n}: ${ours} vs ${reference}`).toBeLessThan(1e-7);
      }
    }
  });

  it('is 1 when every decision needed a human, and refuses impossible counts', () => {
    expect(clopperPearsonUpper(7, 7)).toBe(1);
    expect(() => clopperPearsonUpper(3, 2)).toThrow(RangeError);
    expect(() => clopperPearsonUpper(-1, 2)).toThrow(RangeError);
    expect(() => clopperPearsonUpper(0.5, 2)).toThrow(RangeError);
  });

  it('regularizedBeta is a distribution function: 0 at 0, 1 at 1, increasing', () => {
    expect(regularizedBeta(0, 2, 3)).toBe(0);
    expect(regularizedBeta(1, 2, 3)).toBe(1);
    let last = 0;
    for (let x = 0.05; x < 1; x += 0.05) {
      const value = regularizedBeta(x, 4, 297);
      expect(value).toBeGreaterThanOrEqual(last);
      last = value;
    }
  });
});

describe('trustFigures', () => {
  it('recommends applying directly only with enough decisions and a bound at most the limit', () => {
    // 0 of 150: bound 0.0198 ≤ 0.02 with ≥ 100 decisions.
    expect(trustFigures(150, 0, DEFAULT_TRUST)).toEqual({
      decisions: 150,
      neededHuman: 0,
      neededHumanRate: 0,
      upperBound: 0.0198,
      recommendation: 'apply_directly',
    });
    // 0 of 99: too few decisions, whatever the bound.
    expect(trustFigures(99, 0, { maxHumanRate: 0.2, minDecisions: 100 }).recommendation).toBe(
      'keep_reviewing',
    );
    // 3 of 300: bound 0.0256 > 0.02.
    expect(trustFigures(300, 3, DEFAULT_TRUST).recommendation).toBe('keep_reviewing');
    expect(trustFigures(300, 3, { maxHumanRate: 0.03, minDecisions: 100 }).recommendation).toBe(
      'apply_directly',
    );
  });

  it('without decisions: no rate, bound 1, keep reviewing', () => {
    expect(trustFigures(0, 0, DEFAULT_TRUST)).toEqual({
      decisions: 0,
      neededHuman: 0,
      neededHumanRate: null,
      upperBound: 1,
      recommendation: 'keep_reviewing',
    });
  });
});
