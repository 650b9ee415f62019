/**
 * Actions on an item: edit, approve, dismiss. See docs/approval-state-machine.md.
 *
 * Each action goes through the commit kernel (commit.ts): it reads the caller's membership and the item (2
 * requests), checks who may act, then writes one conditional change (the version and status it read). An approval
 * is the draft's kind's: its executor claims the item and carries the draft out (an email: one SES call and one final
 * write, 4 requests in all; a record change: the command written with the claim, 3).
 */
import { dismissed, edited, scheduled } from '../domain/lifecycle.js';
import type { Member, ReviewItem } from '../domain/review-item.js';
import type { WorkspaceSettings } from '../domain/settings.js';
import { kindOf } from '../drafts/index.js';
import type { ApproveContext, ApproveOptions, ChangeOptions } from '../drafts/kind.js';
import { ConflictError, ForbiddenError, ValidationError } from '../errors.js';
import { type Caller, validate } from '../http/request.js';
import type { ApproveRequest, DismissRequest, EditRequest } from '../http/requests.js';
import {
  type CommitOptions,
  commit,
  commitOutcome,
  decisionCounters,
  loadForAction,
  requireStatus,
  requireVersion,
} from './commit.js';
import type { Deps, SendDeps } from './deps.js';
import { conflictMarks, presentItem } from './read-items.js';

// ---------------------------------------------------------------- edit

export async function editItem(deps: Deps, caller: Caller, itemId: string, request: EditRequest) {
  const now = deps.clock();
  const { item, member } = await loadForAction(deps, caller, itemId);
  requireStatus(item, now, 'edit', 'edit');
  requireVersion(item, request.version);
  const kind = kindOf(item.draft);
  const edit = request[kind.editKey];
  if (edit === undefined) {
    throw new ValidationError(`A ${item.type} draft is edited with "${kind.editKey}"`, [
      { path: kind.editKey, message: `required for a ${item.type} draft` },
    ]);
  }
  const draft = validate(kind.schema, kind.merge(item.draft, edit), 'The edited draft is invalid');
  const after = edited(item, draft, now.toISOString());
  await commit(deps, item, after, 'edited', caller, {
    withDraft: true,
    // What the edit changed, as the draft's kind measures it (spec 3, Feedback).
    ...(kind.diff ? { diff: kind.diff(item.draft, draft) } : {}),
    event: { type: 'Review Item Edited' },
  });
  return presentItem(after, member, now);
}

// ---------------------------------------------------------------- dismiss

export async function dismissItem(deps: Deps, caller: Caller, itemId: string, request: DismissRequest) {
  const now = deps.clock();
  const at = now.toISOString();
  const { item, member } = await loadForAction(deps, caller, itemId);
  requireStatus(item, now, 'dismiss', 'dismiss');
  requireVersion(item, request.version);
  const after = dismissed(item, caller.userId, at, request.note, request.reason);
  const said = {
    ...(request.reason ? { reason: request.reason } : {}),
    ...(request.note ? { note: request.note } : {}),
  };
  await commit(deps, item, after, 'dismissed', caller, {
    counters: decisionCounters(item, { dismissed: 1 }, after.updatedAt),
    ...(Object.keys(said).length > 0 ? { detail: said } : {}),
    event: { type: 'Review Item Dismissed', extra: said },
  });
  return presentItem(after, member, now);
}

// ---------------------------------------------------------------- approve

/**
 * spec 3 "Conflicts between drafts": a plain approval of a change another open draft proposes a different result for
 * answers 409 naming the fields (whoever may see the other draft: the fields, never its content), unless the
 * approval leaves those fields out (`fields`) or acknowledges them (`acknowledgeConflicts`).
 */
async function refuseConflicts(
  deps: SendDeps,
  item: ReviewItem,
  member: Member,
  fields: string[] | undefined,
) {
  const marks = await conflictMarks(deps.store, item, member);
  if (!marks) return;
  const conflicting = [...new Set(marks.all.map((mark) => mark.field))]
    .filter((field) => fields === undefined || fields.includes(field))
    .sort();
  if (conflicting.length === 0) return;
  throw new ConflictError(
    `Other open drafts propose different results for ${conflicting.join(', ')}. Approve with ` +
      '"acknowledgeConflicts": true to apply this draft\'s values anyway, or with "fields" leaving them out.',
    { status: item.status, version: item.version },
    { conflicts: conflicting },
  );
}

/**
 * An approval: the checks every kind shares, then the draft's kind's executor (shared/drafts/<kind>), or, under the
 * workspace's send hold, the item scheduled (spec 3, Send hold and undo; the settings read with the item: 3
 * requests before the write). `settings` is the bulk's single read of them.
 */
export async function approveItem(
  deps: SendDeps,
  caller: Caller,
  itemId: string,
  request: ApproveRequest,
  settings?: Pick<WorkspaceSettings, 'sendHoldSeconds'>,
) {
  const now = deps.clock();
  const [{ item, member }, { sendHoldSeconds }] = await Promise.all([
    loadForAction(deps, caller, itemId),
    settings ?? deps.store.getSettings(caller.workspaceId),
  ]);
  const kind = kindOf(item.draft);
  if (item.status === 'scheduled') {
    throw new ConflictError(
      `The item is already approved and scheduled to execute at ${item.hold?.executeAt}; undo it first to change it`,
      { status: item.status, version: item.version },
    );
  }
  requireStatus(item, now, kind.approveTransition, 'approve');
  requireVersion(item, request.version);
  const refusal = kind.approveRefusal(member, item.draft);
  if (refusal) throw new ForbiddenError(refusal);
  const { version: _version, ...options } = request;
  if (options.acknowledgeConflicts !== true) await refuseConflicts(deps, item, member, options.fields);
  // A hold delays a first approval; settling an unknown outcome (send_unknown, apply_unknown) is not held.
  if (sendHoldSeconds > 0 && item.status === 'pending') {
    kind.approveCheck(item, options);
    const executeAt = new Date(now.getTime() + sendHoldSeconds * 1000).toISOString();
    const after = scheduled(item, { executeAt, by: caller.userId, ...options }, now.toISOString());
    await commit(deps, item, after, 'scheduled', caller, {
      detail: { executeAt },
      event: { type: 'Review Item Scheduled', extra: { executeAt } },
    });
    return presentItem(after, member, deps.clock());
  }
  const after = await executeApproval(deps, caller, item, member, options);
  return presentItem(after, member, deps.clock());
}

/**
 * The draft's kind's executor, as `caller` approving with `options`: at once, or when a held approval's time comes
 * (held-items.ts), from `scheduled`. The decision is counted here, when the draft is carried out.
 */
export function executeApproval(
  deps: SendDeps,
  caller: Caller,
  item: ReviewItem,
  member: Member,
  options: ApproveOptions,
): Promise<ReviewItem> {
  const kind = kindOf(item.draft);
  const now = deps.clock();
  const kernel = (before: ReviewItem, after: ReviewItem, change: ChangeOptions): CommitOptions => {
    const { countsApproval, ...rest } = change;
    if (!countsApproval) return rest;
    const add = before.edited ? { approvedAfterEdits: 1 } : { approvedAsProposed: 1 };
    return { ...rest, counters: decisionCounters(before, add, after.updatedAt) };
  };
  const context: ApproveContext<ReviewItem['draft']> = {
    item,
    member,
    userId: caller.userId,
    options,
    now,
    ports: { mailer: deps.mailer },
    clock: deps.clock,
    newId: deps.newId,
    commit: (before, after, action, change) =>
      commit(deps, before, after, action, caller, kernel(before, after, change)),
    commitOutcome: (before, after, action, change) =>
      commitOutcome(deps, before, after, action, caller, kernel(before, after, change)),
    present: (changed) => presentItem(changed, member, deps.clock()),
  };
  return kind.approve(context);
}
