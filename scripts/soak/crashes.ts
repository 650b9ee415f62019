/**
 * The soak's side of the crash points (shared/crash-points.ts): it counts every pass per operation and point, arms
 * one point for the next operation (fire at its n-th pass), and once that point fired keeps the "process" dead: every
 * later point of the same operation throws too, so nothing more of it reaches the world, even past a catch that would
 * swallow the first Crash (a bulk decision answers each item's failure and goes on).
 */
import { CRASH_POINTS, Crash, type CrashPointName, observeCrashPoints } from '../../shared/crash-points.js';

export type Coverage = Map<string, { passes: number; fired: number }>;

const pairId = (operation: string, point: CrashPointName) => `${operation} × ${point}`;

export class CrashPlan {
  readonly coverage: Coverage = new Map();
  /** The most passes of each (operation, point) seen in one run of the operation. */
  private readonly maxPasses = new Map<string, number>();
  private operation: string | undefined;
  private armed: { point: CrashPointName; nth: number } | undefined;
  private passes = new Map<CrashPointName, number>();
  private dead = false;
  private firedAt: CrashPointName | undefined;

  constructor(private readonly random: () => number) {
    observeCrashPoints((point) => this.pass(point));
  }

  stop(): void {
    observeCrashPoints(undefined);
  }

  /** Starts an operation; with `crash`, arms a point it is known to pass (preferring one never fired in it). */
  begin(operation: string | undefined, crash: boolean): void {
    this.operation = operation;
    this.passes = new Map();
    this.dead = false;
    this.firedAt = undefined;
    this.armed = operation !== undefined && crash ? this.choose(operation) : undefined;
  }

  /** Whether the running operation's process has crashed (its later failures are the crash's). */
  get crashed(): boolean {
    return this.dead;
  }

  /** Ends the operation: the point it crashed at, if it did. */
  end(): CrashPointName | undefined {
    const operation = this.operation;
    if (operation !== undefined)
      for (const [point, count] of this.passes) {
        const id = pairId(operation, point);
        this.maxPasses.set(id, Math.max(this.maxPasses.get(id) ?? 0, count));
      }
    this.operation = undefined;
    this.armed = undefined;
    // The next operation runs in a new process.
    this.dead = false;
    return this.firedAt;
  }

  private choose(operation: string): { point: CrashPointName; nth: number } {
    const known = CRASH_POINTS.filter((point) => (this.maxPasses.get(pairId(operation, point)) ?? 0) > 0);
    if (known.length === 0) return { point: pick(this.random, CRASH_POINTS), nth: 1 };
    const unfired = known.filter((point) => (this.coverage.get(pairId(operation, point))?.fired ?? 0) === 0);
    const point = pick(this.random, unfired.length > 0 && this.random() < 0.85 ? unfired : known);
    // Half the time the first pass: an operation passes a point a varying number of times (a bulk decision once per
    // item), and an n-th pass it does not reach fires nothing.
    const most = this.maxPasses.get(pairId(operation, point)) ?? 1;
    return { point, nth: this.random() < 0.5 ? 1 : 1 + Math.floor(this.random() * most) };
  }

  private pass(point: CrashPointName): void {
    if (this.dead) throw new Crash(point);
    const operation = this.operation;
    if (operation === undefined) return;
    const count = (this.passes.get(point) ?? 0) + 1;
    this.passes.set(point, count);
    const id = pairId(operation, point);
    const entry = this.coverage.get(id) ?? { passes: 0, fired: 0 };
    entry.passes += 1;
    this.coverage.set(id, entry);
    if (this.armed?.point === point && this.armed.nth === count) {
      entry.fired += 1;
      this.dead = true;
      this.firedAt = point;
      throw new Crash(point);
    }
  }
}

export function pick<T>(random: () => number, from: readonly T[]): T {
  return from[Math.floor(random() * from.length)] as T;
}
