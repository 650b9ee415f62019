/**
 * Times compared at the precision they are given (spec 2): microseconds apart is later, never a tie.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareProposals } from '../../shared/domain/dedup.js';
import { compareTimes, preciseTime, showTime } from '../../shared/domain/time.js';

/** An instant as nanoseconds since the epoch, and the ISO text of it with `digits` fraction digits and an offset. */
const instant = fc.record({
  seconds: fc.integer({ min: Date.UTC(2020, 0, 1) / 1000, max: Date.UTC(2030, 0, 1) / 1000 }),
  nanos: fc.integer({ min: 0, max: 999_999_999 }),
  digits: fc.integer({ min: 0, max: 9 }),
  offsetMinutes: fc.integer({ min: -14 * 60, max: 14 * 60 }),
});

type Instant = { seconds: number; nanos: number; digits: number; offsetMinutes: number };

function iso({ seconds, nanos, digits, offsetMinutes }: Instant) {
  const local = new Date((seconds + offsetMinutes * 60) * 1000).toISOString().slice(0, 19);
  const fraction = digits === 0 ? '' : `.${String(nanos).padStart(9, '0').slice(0, digits)}`;
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return {
    text: `${local}${fraction}${offset}`,
    ns:
      BigInt(seconds) * 1_000_000_000n +
      BigInt(digits === 0 ? 0 : Number(String(nanos).padStart(9, '0').slice(0, digits).padEnd(9, '0'))),
  };
}

describe('time comparison', () => {
  it('orders any two times exactly as their nanoseconds, whatever their precision and offset', () => {
    fc.assert(
      fc.property(instant, instant, (a, b) => {
        const [x, y] = [iso(a), iso(b)];
        const expected = x.ns < y.ns ? -1 : x.ns > y.ns ? 1 : 0;
        expect(compareTimes(x.text, y.text)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('tells apart times less than a millisecond apart (which Date cannot)', () => {
    const earlier = '2026-11-20T10:00:00.000100Z';
    const later = '2026-11-20T10:00:00.000900Z';
    expect(Date.parse(earlier)).toBe(Date.parse(later));
    expect(compareTimes(earlier, later)).toBe(-1);
    expect(compareTimes('2026-11-20T11:00:00.0000001+01:00', '2026-11-20T10:00:00Z')).toBe(1);
    expect(compareTimes('2026-11-20T10:00:00.5Z', '2026-11-20T10:00:00.500000000Z')).toBe(0);
  });

  it('lets a proposal a microsecond later win, whatever its run id', () => {
    const older = { proposedAt: '2026-11-20T10:00:00.000100Z', runId: 'run_z' };
    const newer = { proposedAt: '2026-11-20T10:00:00.000900Z', runId: 'run_a' };
    expect(compareProposals(newer, older)).toBe(1);
    expect(compareProposals(older, newer)).toBe(-1);
    expect(compareProposals(older, { ...older })).toBe(0);
  });

  it('shows a time in UTC to its last significant digit, milliseconds at least', () => {
    expect(showTime(preciseTime('2026-11-20T10:00:00Z'))).toBe('2026-11-20T10:00:00.000Z');
    expect(showTime(preciseTime('2026-11-20T12:00:00.0009+02:00'))).toBe('2026-11-20T10:00:00.0009Z');
    expect(showTime(preciseTime('2026-11-20T10:00:00.123456789Z'))).toBe('2026-11-20T10:00:00.123456789Z');
  });
});
