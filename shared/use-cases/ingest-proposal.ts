/**
 * A proposal comes in: route it, then create, replace in place, or ignore (spec 3, dedup and replacement).
 *
 * Requests: the routing candidates (1 BatchGetItem: members by id, members by mailbox, and the automation's entry for
 * the name it is listed under: store/entities/automation-names.ts), then an optimistic create (1
 * TransactWrite). If the key already has a head, the failed create returns it (ALL_OLD) and we replace or ignore: 3
 * requests in all; a record draft's replacement also reads the replaced item (its edits are kept field by field): 4. Races between
 * concurrent deliveries are settled by the head's conditions and retried from the head DynamoDB returned.
 */
import { compareProposals, dedupHashOf } from '../domain/dedup.js';
import { activeDelegation, coverOf, withDelegates } from '../domain/delegation.js';
import { created, type ProposedFields, replaced } from '../domain/lifecycle.js';
import { historyEntry, type Member, utcIso } from '../domain/review-item.js';
import { MAX_REVIEWERS } from '../domain/routing.js';
import { preciseTime, showTime } from '../domain/time.js';
import { kindOf } from '../drafts/index.js';
import { candidateKeysOf, dedupKeyOf, routeReviewers } from '../drafts/proposal.js';
import { WriteConflictError } from '../errors.js';
import type { DraftProposed } from '../events/in-schemas.js';
import { itemEvent } from '../events/out-events.js';
import type { Deps } from './deps.js';
import { type DedupHead, ItemConflictError, stateOfHead } from './ports.js';
import { expireItem } from './scheduled-jobs.js';

export type IngestOutcome =
  | { outcome: 'created' | 'replaced'; itemId: string; version: number }
  | { outcome: 'ignored'; itemId: string; reason: string }
  | { outcome: 'dropped'; reason: string };

const MAX_ATTEMPTS = 8;

export async function ingestProposal(deps: Deps, proposal: DraftProposed): Promise<IngestOutcome> {
  const { workspaceId, run } = proposal;
  const counterBase = {
    automationId: run.automationId,
    automationName: run.automationName,
    executedAs: run.executedAs,
  };
  const automation = { kind: 'automation' as const, runId: run.id };

  if (proposal.expiresAt && Date.parse(proposal.expiresAt) <= deps.clock().getTime()) {
    return drop(deps, proposal, 'The draft expired before it was received');
  }
  const { userIds, mailboxes } = candidateKeysOf(proposal);
  const reads = await deps.store.proposalReads(workspaceId, userIds, mailboxes, run.automationId);
  const routing = routeReviewers(proposal, reads.candidates);
  if ('dropReason' in routing) return drop(deps, proposal, routing.dropReason);
  // The name the automation is listed under: its names shard is written only when this proposal changes it.
  let listedName = reads.listedName;

  const dedupHash = dedupHashOf(dedupKeyOf(proposal));
  const fields = withDelegations(
    proposedFields(proposal, routing.reviewers, dedupHash),
    reads.candidates,
    deps.clock(),
  );
  const order = { proposedAt: fields.proposedAt, runId: run.id };
  let head: DedupHead | undefined;

  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    // One clock reading per attempt: a retry after losing a race is written after the change that won it.
    const now = deps.clock();
    if (head && compareProposals(order, head) <= 0) {
      return {
        outcome: 'ignored',
        itemId: head.itemId,
        reason: 'An equal or newer proposal was already received',
      };
    }
    // A scheduled item does not expire (it was approved in time): a newer proposal replaces it, cancelling its hold.
    if (head?.open && !head.held && head.expiresAt && Date.parse(head.expiresAt) <= now.getTime()) {
      // The open item is already expired (the job has not marked it yet): expire it, then start a new item.
      const expiring = await deps.store.getItem(workspaceId, head.itemId);
      if (expiring) await expireItem(deps, expiring, now);
      head = await deps.store.getHead(workspaceId, dedupHash);
      continue;
    }
    try {
      if (head?.open) {
        const before = stateOfHead(workspaceId, dedupHash, head);
        let replacing = fields;
        let keptEdits = false;
        const kind = kindOf(fields.draft);
        if (kind.replaceReadsPrevious) {
          // Field by field (spec 3): the replaced draft's edits and what the CRM reported are kept where they fit.
          const previous = await deps.store.getItem(workspaceId, head.itemId);
          if (!previous || previous.version !== head.version) {
            head = await deps.store.getHead(workspaceId, dedupHash);
            continue;
          }
          if (previous.draft.type === fields.draft.type) {
            replacing = { ...fields, draft: kind.replace(previous.draft, fields.draft) };
            keptEdits = kind.hasEdits(replacing.draft);
          }
        }
        const item = replaced(before, withHandChanges(replacing, head), now.toISOString(), keptEdits);
        // spec 3, Send hold and undo: replacing a scheduled item cancels its hold in the same change.
        if (before.status === 'scheduled') item.holdCancelled = { reason: 'replaced', at: item.updatedAt };
        await deps.store.changeItem({
          before,
          after: item,
          entry: historyEntry(item, 'replaced', automation, {
            withDraft: true,
            ...(item.holdCancelled ? { detail: { holdCancelled: 'replaced' } } : {}),
          }),
          counters: { ...counterBase, add: { replaced: 1 } },
          listedName,
          events: [
            itemEvent('Review Item Replaced', item, automation, {
              replacedRunId: head.runId,
              reviewers: item.reviewers,
            }),
            ...(item.holdCancelled
              ? [itemEvent('Review Item Hold Cancelled', item, automation, { reason: 'replaced' })]
              : []),
          ],
        });
        return { outcome: 'replaced', itemId: item.id, version: item.version };
      }
      const item = created(deps.newId(), fields, now.toISOString());
      await deps.store.createItem({
        item,
        entry: historyEntry(item, 'created', automation, { withDraft: true }),
        claim: head ? { kind: 'closed', head } : { kind: 'new' },
        counters: { ...counterBase, add: { proposed: 1 } },
        listedName,
        events: [itemEvent('Review Item Created', item, automation, { reviewers: item.reviewers })],
      });
      return { outcome: 'created', itemId: item.id, version: item.version };
    } catch (error) {
      if (!(error instanceof ItemConflictError)) throw error;
      // Lost a race: continue from the head and the listed name as DynamoDB returned them, or read the head.
      if (error.listedName !== undefined) listedName = error.listedName;
      head = error.head ?? (await deps.store.getHead(workspaceId, dedupHash));
    }
  }
  throw new WriteConflictError(`Proposal for run ${run.id} kept losing races after ${MAX_ATTEMPTS} attempts`);
}

/**
 * A replacement keeps the reviewers added by hand and does not bring back those removed by hand (spec 3): the
 * routed reviewers, less the removed, plus the added. The added could see the item when they were added, and a
 * replacement never changes who may see it (the dedup key is scoped by who the run executed as: dedup.ts), so no
 * request is needed; a member deactivated since sees nothing anyway (canSee on every read). Should hand removals
 * leave nobody, the routed reviewers stay: no item is left without a reviewer.
 */
function withHandChanges(fields: ProposedFields, head: DedupHead): ProposedFields {
  const changes = head.reviewerChanges;
  if (!changes || (changes.added.length === 0 && changes.removed.length === 0)) return fields;
  const kept = fields.reviewers.filter((userId) => !changes.removed.includes(userId));
  const reviewers = [...new Set([...kept, ...changes.added])].slice(0, MAX_REVIEWERS);
  const final = reviewers.length > 0 ? reviewers : fields.reviewers;
  // A delegate also added by hand reviews for that reason too: the delegation's end does not take them off.
  const delegatedFrom = Object.fromEntries(
    Object.entries(fields.delegatedFrom ?? {}).filter(
      ([delegateId]) => final.includes(delegateId) && !changes.added.includes(delegateId),
    ),
  );
  const { delegatedFrom: _routed, ...rest } = fields;
  return {
    ...rest,
    reviewers: final,
    reviewerChanges: changes,
    ...(Object.keys(delegatedFrom).length > 0 ? { delegatedFrom } : {}),
  };
}

/**
 * The delegates of the routed reviewers who are away (spec 3, Delegation), from the member and mailbox records
 * routing read, which carry each member's delegation: no request of their own. Delegates are not followed in chains.
 */
function withDelegations(fields: ProposedFields, candidates: Member[], now: Date): ProposedFields {
  const covers = candidates.flatMap((member) => {
    const delegation = activeDelegation(member, now);
    return delegation ? [coverOf(member, delegation)] : [];
  });
  if (covers.length === 0) return fields;
  const delegated = withDelegates(fields, fields.reviewers, covers);
  return {
    ...fields,
    reviewers: delegated.reviewers,
    ...(Object.keys(delegated.delegatedFrom).length > 0 ? { delegatedFrom: delegated.delegatedFrom } : {}),
    ...(delegated.away.length > 0 ? { away: delegated.away } : {}),
  };
}

async function drop(deps: Deps, proposal: DraftProposed, reason: string): Promise<IngestOutcome> {
  const { workspaceId, run } = proposal;
  await deps.store.recordDropped(
    workspaceId,
    {
      automationId: run.automationId,
      automationName: run.automationName,
      executedAs: run.executedAs,
      add: { dropped: 1 },
    },
    [
      {
        detailType: 'Review Draft Dropped',
        detail: {
          workspaceId,
          automationId: run.automationId,
          runId: run.id,
          stepId: run.stepId,
          actor: { kind: 'automation', runId: run.id },
          at: deps.clock().toISOString(),
          reason,
        },
      },
    ],
  );
  return { outcome: 'dropped', reason };
}

/** What the proposal brings to its item (the lifecycle adds identity, state and times). */
function proposedFields(proposal: DraftProposed, reviewers: string[], dedupHash: string): ProposedFields {
  const { run } = proposal;
  return {
    workspaceId: proposal.workspaceId,
    type: proposal.draft.type,
    draft: proposal.draft,
    reason: proposal.reason,
    relatedRecords: proposal.relatedRecords,
    origin: {
      automationId: run.automationId,
      ...(run.automationName ? { automationName: run.automationName } : {}),
      runId: run.id,
      stepId: run.stepId,
      ...(run.url ? { runUrl: run.url } : {}),
      executedAs: run.executedAs,
      ...(run.automationVersion ? { automationVersion: run.automationVersion } : {}),
    },
    reviewers,
    dedupHash,
    // As given, to its last digit (spec 2: a later time always wins, at whatever precision).
    proposedAt: showTime(preciseTime(proposal.proposedAt)),
    ...(proposal.expiresAt ? { expiresAt: utcIso(proposal.expiresAt) } : {}),
  };
}
