/**
 * Named crash points (spec 8, "Crash anywhere"): every place where a function changes the world through DynamoDB,
 * SES, EventBridge or the stream has a point just before and just after that call. They sit at the adapters (the
 * table's transaction and single write, the mailer, the outbox publisher, the tallies' counting), so every use case
 * that goes through them has them too.
 *
 * In a Lambda they are inert: `crashPoint` calls the observer a test installed, and there is none. A test installs
 * one (`observeCrashPoints`) that counts the passes and throws a `Crash` at the pass it chose, as if the process died
 * there; the crash soak (scripts/soak/) enumerates CRASH_POINTS to show it fired every one.
 */

export const CRASH_POINTS = [
  /** A transaction (every item change, a member's change, a batch of tallies) about to be sent. */
  'store.transact.before',
  /** A transaction committed; its caller has not seen the answer. */
  'store.transact.after',
  /** A single conditional write (a webhook delivery's claim or answer, a dropped proposal) about to be sent. */
  'store.write.before',
  'store.write.after',
  /** An approved email about to be handed to SES. */
  'ses.send.before',
  /** SES accepted the email; the outcome is not recorded yet. */
  'ses.send.after',
  /** The outbox publisher about to put a stream batch's events on the bus (PutEvents). */
  'outbox.put.before',
  /** The bus accepted them; the stream has not moved past their records. */
  'outbox.put.after',
  /** Every event of the batch is out; the stream's checkpoint has not moved yet. */
  'outbox.batch.done',
  /** A batch of tallies counted; the stream's checkpoint has not moved yet. */
  'tallies.batch.done',
] as const;
export type CrashPointName = (typeof CRASH_POINTS)[number];

/** What a test's observer throws: the process "died" at `point`. */
export class Crash extends Error {
  constructor(readonly point: CrashPointName) {
    super(`Crash at ${point}`);
    this.name = 'Crash';
  }
}

type CrashObserver = (point: CrashPointName) => void;
let observer: CrashObserver | undefined;

/** A crash point: nothing at all unless a test observes the points, which may throw a Crash here. */
export function crashPoint(point: CrashPointName): void {
  if (observer !== undefined) observer(point);
}

/** Installs a test's observer of the crash points (undefined: none, the production state). */
export function observeCrashPoints(next: CrashObserver | undefined): void {
  observer = next;
}
