/**
 * Crash points (spec 8, "Crash anywhere"): inert unless a test observes them; every name of the registry is placed
 * at exactly one call in shared/, so the soak's "every point fired" covers every call that changes the world.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CRASH_POINTS, Crash, crashPoint, observeCrashPoints } from '../../shared/crash-points.js';

const SHARED = new URL('../../shared/', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [readFileSync(join(dir, entry.name), 'utf8')]
        : [],
  );
}

afterEach(() => observeCrashPoints(undefined));

describe('crash points', () => {
  it('do nothing when no test observes them (the state of every Lambda)', () => {
    for (const point of CRASH_POINTS) expect(() => crashPoint(point)).not.toThrow();
  });

  it('throw the Crash an observer chooses, at the point it names', () => {
    let passes = 0;
    observeCrashPoints((point) => {
      passes += 1;
      if (point === 'ses.send.after') throw new Crash(point);
    });
    crashPoint('ses.send.before');
    expect(() => crashPoint('ses.send.after')).toThrow(Crash);
    expect(passes).toBe(2);
  });

  it('are each placed exactly once in shared/', () => {
    const calls = sources(SHARED).flatMap((text) =>
      [...text.matchAll(/crashPoint\('([a-z.-]+)'\)/g)].map((match) => match[1]),
    );
    expect([...calls].sort()).toEqual([...CRASH_POINTS].sort());
  });
});
