/**
 * Trust (spec 3, "Trust"): how often a step's drafts needed a human, with a bound the numbers can prove. Of n
 * decisions, k needed a human (dismissed, or approved after edits or in part); the one-sided 95% Clopper–Pearson
 * upper bound of that rate is the p at which seeing k or fewer has probability 5%: the 0.95 quantile of
 * Beta(k + 1, n − k), 1 when k = n. With k = 0 it is 1 − 0.05^(1/n) (0 of 30 → 0.0950).
 *
 * Hand-written rather than a statistics library: the maintained ones (stdlib's betaincinv pulls 200 packages and
 * 186 KB into a bundle; jStat is not tree-shakable) would weigh more than the API functions' whole code. The
 * regularized incomplete beta is the continued fraction of Numerical Recipes (modified Lentz), its inverse a
 * bisection to 1e-12; test/unit/trust.test.ts checks both against jStat over a grid of n and k.
 */

export const TRUST_CONFIDENCE = 0.95;

export type TrustRecommendation = 'apply_directly' | 'keep_reviewing';

export interface TrustSettings {
  /** The highest upper bound of the rate of drafts needing a human at which a step could apply directly. */
  maxHumanRate: number;
  /** The fewest decisions a recommendation to apply directly rests on. */
  minDecisions: number;
}

export const DEFAULT_TRUST: TrustSettings = { maxHumanRate: 0.02, minDecisions: 100 };

export interface TrustFigures {
  decisions: number;
  neededHuman: number;
  /** neededHuman / decisions; null without decisions. */
  neededHumanRate: number | null;
  /** The one-sided 95% Clopper–Pearson upper bound of that rate; 1 without decisions. */
  upperBound: number;
  recommendation: TrustRecommendation;
}

export function trustFigures(decisions: number, neededHuman: number, settings: TrustSettings): TrustFigures {
  const n = Math.max(0, Math.floor(decisions));
  const k = Math.min(n, Math.max(0, Math.floor(neededHuman)));
  const upperBound = clopperPearsonUpper(k, n);
  return {
    decisions: n,
    neededHuman: k,
    neededHumanRate: n > 0 ? round(k / n) : null,
    upperBound: round(upperBound),
    recommendation:
      n >= settings.minDecisions && upperBound <= settings.maxHumanRate ? 'apply_directly' : 'keep_reviewing',
  };
}

/** The one-sided upper confidence bound of a binomial rate after k of n (Clopper–Pearson). */
export function clopperPearsonUpper(k: number, n: number, confidence = TRUST_CONFIDENCE): number {
  if (!Number.isInteger(k) || !Number.isInteger(n) || k < 0 || n < 0 || k > n)
    throw new RangeError(`clopperPearsonUpper: k=${k}, n=${n}`);
  if (k === n) return 1;
  if (k === 0) return 1 - (1 - confidence) ** (1 / n);
  return inverseRegularizedBeta(confidence, k + 1, n - k);
}

/** x with I_x(a, b) = p, by bisection (I is increasing in x). */
export function inverseRegularizedBeta(p: number, a: number, b: number): number {
  let low = 0;
  let high = 1;
  for (let i = 0; i < 200 && high - low > 1e-12; i++) {
    const mid = (low + high) / 2;
    if (regularizedBeta(mid, a, b) < p) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

/** The regularized incomplete beta function I_x(a, b). */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // The continued fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry otherwise.
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(x, a, b)) / a;
  return 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 1000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return h;
}

/** ln Γ(z) for z > 0 (Lanczos, g = 7, 9 coefficients: about 15 significant digits). */
function logGamma(z: number): number {
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - logGamma(1 - z);
  const g = 7;
  const coefficients = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  const x = z - 1;
  let sum = coefficients[0] as number;
  for (let i = 1; i < g + 2; i++) sum += (coefficients[i] as number) / (x + i);
  const t = x + g + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(sum);
}

const round = (value: number) => Math.round(value * 10_000) / 10_000;
