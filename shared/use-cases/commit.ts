/**
 * The commit kernel every action on an item shares (edit, approve, dismiss, reassign, bulk): read the caller's
 * membership and the item (2 requests), check who may act, its status and version, then write one conditional change
 * (the version and status it read) with its history entry, counters and events. Of two concurrent actions exactly
 * one wins; the other gets 409 with the item's current status and version. See docs/approval-state-machine.md.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { canTransition, statusAt, type Transition } from '../domain/lifecycle.js';
import { type HistoryAction, historyEntry, type ReviewItem } from '../domain/review-item.js';
import type { DraftDiff } from '../drafts/kind.js';
import { ConflictError, ForbiddenError, WriteConflictError } from '../errors.js';
import { itemEvent, type OutDetailType } from '../events/out-events.js';
import type { Caller } from '../http/request.js';
import { logger } from '../logger.js';
import type { Deps } from './deps.js';
import { type CounterChange, ItemConflictError, type ItemState } from './ports.js';
import { visibleItem } from './read-items.js';

export const actorOf = (caller: Caller) => ({ kind: 'user' as const, userId: caller.userId });

/** Loads the item for an action: visible (else 404), and the caller a reviewer or an admin (else 403). */
export async function loadForAction(deps: Deps, caller: Caller, itemId: string) {
  const { item, member } = await visibleItem(deps, caller, itemId);
  if (!item.reviewers.includes(caller.userId) && member.role !== 'admin') {
    throw new ForbiddenError('Only the reviewers of this item or a workspace admin can act on it');
  }
  return { item, member };
}

export function requireVersion(item: ReviewItem, version: number | undefined) {
  if (version !== undefined && version !== item.version) {
    throw new ConflictError(`The item is at version ${item.version}, not ${version}`, {
      status: item.status,
      version: item.version,
    });
  }
}

/** The transition must leave the item's status now (an item past expiresAt is expired, marked or not). */
export function requireStatus(item: ReviewItem, now: Date, transition: Transition, action: string) {
  const status = statusAt(item, now);
  if (!canTransition(transition, status)) {
    throw new ConflictError(`Cannot ${action} an item that is ${status}`, { status, version: item.version });
  }
}

export interface CommitOptions {
  counters?: CounterChange;
  detail?: Record<string, string>;
  diff?: DraftDiff;
  withDraft?: boolean;
  /** The event the change publishes (written with it: the outbox) and what its detail adds; none for a claim. */
  event?: { type: OutDetailType; extra?: Record<string, unknown> };
}

/** Writes a change with its event; a lost race becomes 409 with the item's current status and version. */
export async function commit(
  deps: Deps,
  before: ItemState | ReviewItem,
  after: ReviewItem,
  action: HistoryAction,
  caller: Caller,
  options: CommitOptions,
) {
  const actor = actorOf(caller);
  try {
    await deps.store.changeItem({
      before,
      after,
      entry: historyEntry(after, action, actor, options),
      counters: options.counters,
      events: options.event ? [itemEvent(options.event.type, after, actor, options.event.extra)] : [],
    });
  } catch (error) {
    if (!(error instanceof ItemConflictError)) throw error;
    const current = error.current ?? (await winnersItem(deps, after, before.version, error));
    throw new ConflictError(
      current
        ? `Another action changed this item first: it is ${current.status}`
        : 'The item changed meanwhile',
      { status: current?.status ?? 'unknown', version: current?.version ?? 0 },
      { cause: error },
    );
  }
}

/** How long a loser waits for the winner's change to show before answering with what it reads. */
const WINNER_WAIT = { attempts: 20, delayMs: 100 };

/**
 * The item as the race's winner left it. A loss to a commit still in flight (TransactionConflict, no condition
 * failed: the table already retried) reads the item before the winner's change lands; the 409 would then say the
 * item is as the caller saw it. So the loser waits, bounded, for the version to move on.
 */
async function winnersItem(
  deps: Deps,
  after: ReviewItem,
  seenVersion: number,
  error: WriteConflictError,
): Promise<ReviewItem | undefined> {
  let current = await deps.store.getItem(after.workspaceId, after.id);
  for (let attempt = 1; error.inFlightOnly && current?.version === seenVersion; attempt++) {
    if (attempt > WINNER_WAIT.attempts) break;
    await sleep(WINNER_WAIT.delayMs);
    current = await deps.store.getItem(after.workspaceId, after.id);
  }
  return current;
}

/** Writes of an execution's outcome: each is a transaction with its own retries of conflicts (store/table.ts). */
const OUTCOME_ATTEMPTS = 5;

/**
 * Records what happened after an execution (a send). It already happened, so this write must not be lost to a
 * passing fault: it is retried; if it still fails the item stays where the claim left it and the recovery job
 * surfaces it. Only a failed condition is a lost race (the recovery job took the item first); a transaction
 * cancelled only because others were committing on the item (other callers' claims, each refused) is written again.
 */
export async function commitOutcome(
  deps: Deps,
  before: ReviewItem,
  after: ReviewItem,
  action: HistoryAction,
  caller: Caller,
  options: CommitOptions,
) {
  for (let attempt = 1; ; attempt++) {
    try {
      await commit(deps, before, after, action, caller, options);
      return;
    } catch (error) {
      const lostRace =
        error instanceof ConflictError &&
        !(error.cause instanceof WriteConflictError && error.cause.inFlightOnly);
      if (lostRace || attempt >= OUTCOME_ATTEMPTS) throw error;
      logger.warn('Retrying the write of a send outcome', {
        itemId: after.id,
        attempt,
        error: error as Error,
      });
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

/** Counters for a decided item: the decision and the time from creation to decision. */
export function decisionCounters(item: ReviewItem, add: CounterChange['add'], at: string): CounterChange {
  return {
    automationId: item.origin.automationId,
    automationName: item.origin.automationName,
    executedAs: item.origin.executedAs,
    add,
    decision: {
      itemId: item.id,
      seconds: (Date.parse(at) - Date.parse(item.createdAt)) / 1000,
      executedAsUserId: item.origin.executedAs.kind === 'user' ? item.origin.executedAs.userId : null,
    },
  };
}
