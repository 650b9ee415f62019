/**
 * Times at the precision they are given (spec 2: "a later time always wins, at whatever precision it is given";
 * producers send microseconds). `Date` keeps milliseconds only, so two times 0.8 µs apart would compare equal
 * (and the later one would lose). Times that order anything are normalized instead to UTC with nine fractional
 * digits, a fixed-width string whose lexical order is time order.
 */

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i;

/** `2026-11-20T10:00:00.000900Z` → `2026-11-20T10:00:00.000900000Z` (the offset applied, nanoseconds kept). */
export function preciseTime(iso: string): string {
  const match = ISO.exec(iso);
  if (!match) throw new RangeError(`Not an ISO 8601 time with an offset: ${iso}`);
  const [, y, mo, d, h, mi, s, fraction = '', offset = 'Z'] = match;
  const whole = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const offsetMinutes =
    offset.toUpperCase() === 'Z'
      ? 0
      : (offset.startsWith('-') ? -1 : 1) * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
  const utc = new Date(whole - offsetMinutes * 60_000).toISOString().slice(0, 19);
  return `${utc}.${fraction.padEnd(9, '0')}Z`;
}

/** The precise time as shown: trailing zeros beyond the milliseconds dropped (`…00.000900Z`, `…00.120Z`). */
export function showTime(precise: string): string {
  const [seconds, fraction = '000000000Z'] = precise.split('.');
  const digits = fraction.slice(0, -1).replace(/0+$/, '').padEnd(3, '0');
  return `${seconds}.${digits}Z`;
}

/** Compares two times at full precision: negative, zero or positive. */
export const compareTimes = (a: string, b: string): number => {
  const [x, y] = [preciseTime(a), preciseTime(b)];
  return x < y ? -1 : x > y ? 1 : 0;
};
