/**
 * Drafts whose approval waits for an answer (the record kinds: their kind's `settle`), and the CRM's side of them
 * (spec 3, "Record drafts: drift, moot, apply"; docs/record-apply.md):
 * - `settleRecordChange`: a `Record Change Applied` / `Record Change Rejected` answer settles the item whose command
 *   carried that applyId, as the item's kind says; an unknown, superseded or repeated answer changes nothing;
 * - `republishRecordChanges` (scheduled): a command the CRM has not answered is published again with the same
 *   applyId, at most 3 times, 5 minutes apart; then the item shows `apply_unknown`;
 * - `applyRecordChanged`: a `Record Changed` re-classifies the record's pending drafts (their kind's
 *   `recordChanged`: a record update's changes, clean, moot or drifted); an item whose changes all already hold is
 *   resolved.
 *
 * Every write is conditional on the item as read; a lost race re-reads the item and decides again, so an answer
 * racing an approval, a replacement or another answer ends in the state the last valid answer says.
 */
import type { RecordChangeAnswer, RecordChanged } from '../domain/crm-events.js';
import {
  applied,
  applyRejected,
  applyUnknown,
  canTransition,
  heldRecordChanged,
  recordChanged,
  republished,
  resolved,
  type Transition,
} from '../domain/lifecycle.js';
import { type ApplyError, historyEntry, type ReviewItem } from '../domain/review-item.js';
import { preciseTime, showTime } from '../domain/time.js';
import { kindOf } from '../drafts/index.js';
import { REPUBLISH_AFTER_MS } from '../drafts/record-command.js';
import { DomainError } from '../errors.js';
import { itemEvent } from '../events/out-events.js';
import { logger } from '../logger.js';
import { decisionCounters } from './commit.js';
import type { Deps } from './deps.js';
import { cancelHold } from './hold-cancel.js';

/** Publications of one command: the first and 3 more (spec 3). */
export const MAX_PUBLICATIONS = 4;
const ATTEMPTS = 5;
const BATCH = 100;

export type SettleOutcome =
  | { outcome: 'applied' | 'rejected'; itemId: string; version: number }
  | { outcome: 'ignored'; itemId: string; reason: string };

const crm = { kind: 'system' as const, reason: 'crm' };

/** Settles the item with the CRM's answer to its command. */
export async function settleRecordChange(deps: Deps, answer: RecordChangeAnswer): Promise<SettleOutcome> {
  const { workspaceId, itemId, applyId } = answer;
  const ignored = (reason: string): SettleOutcome => ({ outcome: 'ignored', itemId, reason });
  let item = await deps.store.getItem(workspaceId, itemId);
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    if (!item) return ignored('No such item in the workspace');
    if (!kindOf(item.draft).settle) return ignored(`The item is ${item.type}, not a record change`);
    if (item.apply?.applyId !== applyId)
      return ignored('The applyId is unknown or was superseded by another approval');
    const transition: Transition = answer.outcome === 'applied' ? 'applied' : 'applyRejected';
    if (!canTransition(transition, item.status)) return ignored(`The item is already ${item.status}`);
    const changed =
      answer.outcome === 'applied'
        ? await markApplied(deps, item, answer)
        : await markRejected(deps, item, answer);
    if (changed) return { outcome: answer.outcome, itemId, version: changed.version };
    item = await deps.store.getItem(workspaceId, itemId);
  }
  throw new Error(`Answer ${applyId} for item ${itemId} kept losing races after ${ATTEMPTS} attempts`);
}

async function markApplied(
  deps: Deps,
  item: ReviewItem,
  answer: Extract<RecordChangeAnswer, { outcome: 'applied' }>,
): Promise<ReviewItem | undefined> {
  const kind = kindOf(item.draft);
  const result = kind.settle?.appliedResult(answer) ?? {};
  const all = kind.fieldsOf(item.draft);
  const after = applied(item, deps.clock().toISOString(), result, all);
  const asProposed = !kind.hasEdits(item.draft) && !after.decision?.fields;
  const leftOut = all.filter((field) => !item.apply?.fields.includes(field));
  const written = await deps.store.changeItemIfCurrent({
    before: item,
    after,
    entry: historyEntry(after, 'applied', crm, {
      ...(leftOut.length > 0 ? { diff: { fields: [], changesLeftOut: leftOut } } : {}),
      detail: {
        applyId: answer.applyId,
        appliedAt: answer.appliedAt,
        ...(result.recordId ? { recordId: result.recordId } : {}),
        ...(result.recordVersion ? { recordVersion: result.recordVersion } : {}),
      },
    }),
    counters: decisionCounters(
      item,
      asProposed ? { approvedAsProposed: 1 } : { approvedAfterEdits: 1 },
      after.updatedAt,
    ),
    events: [
      itemEvent('Review Item Applied', after, crm, { applyId: answer.applyId, record: answer.record }),
    ],
  });
  return written ? after : undefined;
}

async function markRejected(
  deps: Deps,
  item: ReviewItem,
  answer: Extract<RecordChangeAnswer, { outcome: 'rejected' }>,
): Promise<ReviewItem | undefined> {
  const error: ApplyError = {
    reason: answer.reason,
    message: answer.message,
    at: deps.clock().toISOString(),
  };
  const currentAt = showTime(preciseTime(answer.rejectedAt));
  const draft = kindOf(item.draft).settle?.rejectedDraft(item.draft, answer, currentAt) ?? item.draft;
  const detail = {
    applyId: answer.applyId,
    reason: answer.reason,
    message: answer.message.slice(0, 500),
    rejectedAt: answer.rejectedAt,
  };
  for (const holdsKey of [true, false]) {
    // Pending again, re-taking its dedup key if nobody took it since (else pending without it).
    const after = applyRejected(item, error, holdsKey, draft);
    const written = await deps.store.changeItemIfCurrent({
      before: item,
      after,
      entry: historyEntry(after, 'apply_failed', crm, { withDraft: draft !== item.draft, detail }),
      events: [itemEvent('Review Item Apply Failed', after, crm, { ...detail, outcome: 'rejected' })],
    });
    if (written) return after;
    const now = await deps.store.getItem(item.workspaceId, item.id);
    if (!now || now.version !== item.version) return undefined;
  }
  return undefined;
}

// ---------------------------------------------------------------- the unanswered command

const command = (item: ReviewItem) => kindOf(item.draft).settle?.command(item) ?? {};

export async function republishRecordChanges(deps: Deps): Promise<{ republished: number; unknown: number }> {
  const now = deps.clock();
  const at = now.toISOString();
  let republishedCount = 0;
  let unknownCount = 0;
  for (const item of await deps.store.due('APPLY', at, BATCH)) {
    if (item.status !== 'applying' || !item.apply || item.apply.nextAt > at) continue;
    const actor = { kind: 'system' as const, reason: 'unanswered record change' };
    if (item.apply.publications < MAX_PUBLICATIONS) {
      const after = republished(item, at, new Date(now.getTime() + REPUBLISH_AFTER_MS).toISOString());
      const written = await deps.store.changeItemIfCurrent({
        before: item,
        after,
        entry: historyEntry(after, 'apply_republished', actor, {
          detail: { applyId: item.apply.applyId, publication: String(after.apply?.publications) },
        }),
        events: [itemEvent('Record Change Approved', after, actor, command(after))],
      });
      if (written) republishedCount += 1;
    } else {
      const after = applyUnknown(item, {
        reason: 'unanswered',
        message: `The CRM did not answer the command ${item.apply.applyId} after ${item.apply.publications} publications; it may or may not have applied it`,
        at,
      });
      const written = await deps.store.changeItemIfCurrent({
        before: item,
        after,
        entry: historyEntry(after, 'apply_unknown', actor, { detail: { applyId: item.apply.applyId } }),
        events: [
          itemEvent('Review Item Apply Failed', after, actor, {
            applyId: item.apply.applyId,
            outcome: 'unknown',
          }),
        ],
      });
      if (written) unknownCount += 1;
    }
  }
  return { republished: republishedCount, unknown: unknownCount };
}

// ---------------------------------------------------------------- Record Changed

/** Whether the check refuses (a 400 or 409 of the approval). */
function refuses(check: () => void): boolean {
  try {
    check();
    return false;
  } catch (error) {
    if (error instanceof DomainError) return true;
    throw error;
  }
}

export async function applyRecordChanged(
  deps: Deps,
  event: RecordChanged,
): Promise<{ reclassified: number; resolved: number }> {
  const at = showTime(preciseTime(event.changedAt));
  const counts = { reclassified: 0, resolved: 0 };
  for (const found of await deps.store.openRecordUpdates(event.workspaceId, event.record)) {
    let item: ReviewItem | undefined = found;
    for (let attempt = 1; item && attempt <= ATTEMPTS; attempt++) {
      const outcome = await reclassify(deps, item, event, at);
      if (outcome !== 'lost') {
        if (outcome !== 'unchanged') counts[outcome] += 1;
        break;
      }
      item = await deps.store.getItem(event.workspaceId, found.id);
    }
  }
  return counts;
}

async function reclassify(
  deps: Deps,
  item: ReviewItem,
  event: RecordChanged,
  at: string,
): Promise<'reclassified' | 'resolved' | 'unchanged' | 'lost'> {
  if (item.status !== 'pending' && item.status !== 'scheduled') return 'unchanged';
  const kind = kindOf(item.draft);
  const changed = kind.recordChanged?.(item.draft, event.fields, at);
  if (!changed) return 'unchanged';
  const { draft } = changed;
  const actor = { kind: 'system' as const, reason: 'record changed' };
  const detail = {
    ...(event.changedBy ? { changedBy: event.changedBy } : {}),
    ...(event.record.version ? { recordVersion: event.record.version } : {}),
    changedAt: at,
  };
  const now = deps.clock().toISOString();
  if (changed.alreadyHolds) {
    const after = { ...resolved({ ...item, draft }, now), draft };
    const written = await deps.store.changeItemIfCurrent({
      before: item,
      after,
      entry: historyEntry(after, 'resolved', actor, { withDraft: true, detail }),
      counters: decisionCounters(item, { resolvedElsewhere: 1 }, after.updatedAt),
      events: [itemEvent('Review Item Resolved', after, actor, { reason: 'every change already holds' })],
    });
    return written ? 'resolved' : 'lost';
  }
  if (item.status === 'scheduled' && item.hold) {
    // The send hold (spec 3): a change the held approval would now refuse (a drift it did not name) cancels it.
    const { executeAt: _at, by: _by, ...options } = item.hold;
    if (refuses(() => kind.approveCheck({ ...item, draft }, options))) {
      const cancelled = await cancelHold(deps, item, 'drift', new Date(now), { draft }, detail);
      return cancelled ? 'reclassified' : 'lost';
    }
  }
  const after =
    item.status === 'scheduled' ? heldRecordChanged(item, draft, now) : recordChanged(item, draft, now);
  const written = await deps.store.changeItemIfCurrent({
    before: item,
    after,
    entry: historyEntry(after, 'record_changed', actor, { withDraft: true, detail }),
    events: [],
  });
  if (!written) logger.debug('Record Changed lost a race; re-reading the item', { itemId: item.id });
  return written ? 'reclassified' : 'lost';
}
