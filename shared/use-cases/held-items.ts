/**
 * The send hold (spec 3, Send hold and undo; docs/approval-state-machine.md): a held approval is executed when its
 * time comes, undone by a person before that, or cancelled on its own.
 *
 * The due index is the only state: a scheduled item carries `DUE#HOLD` keyed by its `hold.executeAt`, and the
 * `execute-held-items` job reads what is due (one Query a pass) and executes each item exactly as an immediate
 * approval would, the draft's kind's executor claiming it from `scheduled` conditional on the version it read. Undo,
 * cancellation and execution are each one conditional change of the scheduled item at that version, so exactly one
 * of them wins: an item is executed once or not at all.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { undone } from '../domain/lifecycle.js';
import type { Member, ReviewItem } from '../domain/review-item.js';
import { canSee } from '../domain/routing.js';
import { kindOf } from '../drafts/index.js';
import type { ApproveOptions } from '../drafts/kind.js';
import { ConflictError, DomainError, ForbiddenError } from '../errors.js';
import type { Caller } from '../http/request.js';
import type { UndoRequest } from '../http/requests.js';
import { logger } from '../logger.js';
import { commit, requireVersion } from './commit.js';
import { executeApproval } from './decide.js';
import type { Deps, SendDeps } from './deps.js';
import { cancelHold } from './hold-cancel.js';
import { presentItem, visibleItem } from './read-items.js';

/** Due items read per pass (one Query); the rest wait for the next pass, ~2 s later. */
const BATCH = 100;
/** Executions at once: a bulk of 100 held emails is a few SES sends in flight, not 100. */
const IN_FLIGHT = 10;
/** How often the looping job reads what is due: well inside the 5 s the spec allows after executeAt. */
export const PASS_EVERY_MS = 2_000;
/** The looping job stops this long before its invocation's timeout, so a pass never runs into it. */
const STOP_BEFORE_END_MS = 5_000;
/**
 * An invocation passes until this long after its schedule's time: the next minute's run then takes over, ~2 s later,
 * so no due item waits more than ~2 s plus a pass.
 */
export const LOOP_FOR_MS = 58_000;

export interface HeldItemsPass {
  executed: number;
  cancelled: number;
  /** Due items another change took first (undone, cancelled, replaced): nothing done. */
  skipped: number;
}

/** One pass: every held approval due by now (deps.clock) executed, or its hold cancelled when it cannot be. */
export async function executeHeldItems(deps: SendDeps): Promise<HeldItemsPass> {
  const now = deps.clock();
  const due = await deps.store.due('HOLD', now.toISOString(), BATCH);
  const pass: HeldItemsPass = { executed: 0, cancelled: 0, skipped: 0 };
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < due.length; index = next++) {
      pass[await executeHeld(deps, due[index] as ReviewItem, now)] += 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, due.length) }, worker));
  return pass;
}

/**
 * The scheduled job's invocation: a pass every PASS_EVERY_MS until `until` (its schedule's time + LOOP_FOR_MS), or
 * until its remaining time (the Lambda context's) runs low, so one invocation a minute covers the minute.
 * `remainingMs` undefined: one pass.
 */
export async function executeHeldItemsFor(
  deps: SendDeps,
  remainingMs?: () => number,
  until?: Date,
): Promise<HeldItemsPass & { passes: number }> {
  const total = { executed: 0, cancelled: 0, skipped: 0, passes: 0 };
  for (;;) {
    const started = Date.now();
    const pass = await executeHeldItems(deps);
    total.passes += 1;
    total.executed += pass.executed;
    total.cancelled += pass.cancelled;
    total.skipped += pass.skipped;
    if (!remainingMs) return total;
    const wait = Math.max(0, PASS_EVERY_MS - (Date.now() - started));
    if (remainingMs() - wait < STOP_BEFORE_END_MS + PASS_EVERY_MS) return total;
    if (until && Date.now() + wait >= until.getTime()) return total;
    await sleep(wait);
  }
}

const holdOptions = (item: ReviewItem): ApproveOptions => {
  const { executeAt: _at, by: _by, ...options } = item.hold ?? { executeAt: '', by: '' };
  return options;
};

async function executeHeld(deps: SendDeps, item: ReviewItem, now: Date): Promise<keyof HeldItemsPass> {
  const hold = item.hold;
  if (item.status !== 'scheduled' || !hold || Date.parse(hold.executeAt) > now.getTime()) return 'skipped';
  const approver = await deps.store.getMember(item.workspaceId, hold.by);
  const kind = kindOf(item.draft);
  if (!mayStillApprove(approver, item)) {
    return (await cancelHold(deps, item, 'approver_removed', now)) ? 'cancelled' : 'skipped';
  }
  try {
    kind.approveCheck(item, holdOptions(item));
  } catch (refusal) {
    if (!(refusal instanceof DomainError)) throw refusal;
    // The draft no longer passes its approval's checks (the conversation or the record moved on, and its own
    // cancellation lost a race to this read): the hold is cancelled, as that change would have.
    const reason = item.stale ? 'reply' : 'drift';
    return (await cancelHold(deps, item, reason, now)) ? 'cancelled' : 'skipped';
  }
  const caller: Caller = { workspaceId: item.workspaceId, userId: hold.by };
  try {
    await executeApproval(deps, caller, item, approver, holdOptions(item));
    return 'executed';
  } catch (error) {
    // Lost the claim: an undo, a cancellation or a replacement came first (the index read may also be behind).
    if (error instanceof ConflictError && error.current.version !== item.version) return 'skipped';
    // The send was rejected or its outcome is unknown: the executor recorded it on the item, as for an immediate
    // approval (pending again, or send_unknown); the job does not retry it.
    if (error instanceof DomainError) {
      logger.warn('A held approval was executed and failed', { itemId: item.id, error: error as Error });
      return 'executed';
    }
    throw error;
  }
}

/** The approver is still an active member who may see the item and act on it (a reviewer or an admin). */
function mayStillApprove(member: Member | undefined, item: ReviewItem): member is Member {
  if (!canSee(member, item)) return false;
  if (!item.reviewers.includes(member.userId) && member.role !== 'admin') return false;
  return kindOf(item.draft).approveRefusal(member, item.draft) === null;
}

// ---------------------------------------------------------------- undo

/**
 * POST /review-items/{id}/undo: the approver or an admin returns a scheduled item to `pending` with its edits, one
 * conditional change (3 requests). Not scheduled (executed, or never held) answers 409 with its status and version.
 */
export async function undoItem(deps: Deps, caller: Caller, itemId: string, request: UndoRequest) {
  const now = deps.clock();
  const { item, member } = await visibleItem(deps, caller, itemId);
  if (item.status !== 'scheduled' || !item.hold) {
    throw new ConflictError(`Only a scheduled item can be undone; this one is ${item.status}`, {
      status: item.status,
      version: item.version,
    });
  }
  if (item.hold.by !== caller.userId && member.role !== 'admin') {
    throw new ForbiddenError('Only the approver or a workspace admin can undo this approval');
  }
  // After executeAt the approval is due: it executes, whether or not the job has taken it yet.
  if (Date.parse(item.hold.executeAt) <= now.getTime()) {
    throw new ConflictError(`The approval was due at ${item.hold.executeAt}: too late to undo it`, {
      status: item.status,
      version: item.version,
    });
  }
  requireVersion(item, request.version);
  const after = undone(item, now.toISOString());
  await commit(deps, item, after, 'undone', caller, { event: { type: 'Review Item Undone' } });
  return presentItem(after, member, deps.clock());
}
