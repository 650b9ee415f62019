/**
 * zod schemas of the domain values the entities store, so that what is read is parsed, never cast. They follow
 * the domain types (shared/domain/review-item.ts) and fail to compile when the two drift apart.
 */
import * as z from 'zod/mini';
import { executedAsSchema, once, relatedRecordSchema } from '../../domain/primitives.js';
import {
  type Actor,
  type ApplyAttempt,
  type ApplyError,
  type AwayMark,
  type Decision,
  type Delegation,
  DISMISS_REASONS,
  HISTORY_ACTIONS,
  type HistoryEntry,
  HOLD_CANCEL_REASONS,
  type HoldCancelMark,
  type HoldMark,
  type Member,
  type Origin,
  REVIEW_STATUSES,
  type ReviewerChanges,
  type ReviewItem,
  type SendAttempt,
  type SendError,
  type StaleMark,
} from '../../domain/review-item.js';
import { draftSchema, draftTypeSchema } from '../../drafts/index.js';
import type { DraftDiff } from '../../drafts/kind.js';

/** The stored records' schemas, built on first use (shared/domain/primitives.ts `once`). */
export const recordSchemas = once(() => {
  const reviewStatus = z.enum(REVIEW_STATUSES);

  const originRecord = z.object({
    automationId: z.string(),
    automationName: z.optional(z.string()),
    runId: z.string(),
    stepId: z.string(),
    runUrl: z.optional(z.string()),
    executedAs: executedAsSchema,
    automationVersion: z.optional(z.string()),
  }) satisfies z.ZodMiniType<Origin>;

  const decisionRecord = z.object({
    action: z.enum(['approved', 'dismissed', 'resolved', 'expired']),
    by: z.nullable(z.string()),
    at: z.string(),
    messageId: z.optional(z.string()),
    note: z.optional(z.string()),
    reason: z.optional(z.enum(DISMISS_REASONS)),
    recordVersion: z.optional(z.string()),
    recordId: z.optional(z.string()),
    fields: z.optional(z.array(z.string())),
  }) satisfies z.ZodMiniType<Decision>;

  const staleMark = z.object({
    reason: z.string(),
    at: z.string(),
    messageId: z.optional(z.string()),
  }) satisfies z.ZodMiniType<StaleMark>;
  const reviewerChanges = z.object({
    added: z.array(z.string()),
    removed: z.array(z.string()),
  }) satisfies z.ZodMiniType<ReviewerChanges>;

  const draftDiffRecord = z.object({
    fields: z.array(z.string()),
    addressesAdded: z.optional(z.array(z.string())),
    addressesRemoved: z.optional(z.array(z.string())),
    subjectChanged: z.optional(z.boolean()),
    bodyChangeRatio: z.optional(z.number()),
    changesEdited: z.optional(z.array(z.string())),
    changesLeftOut: z.optional(z.array(z.string())),
  }) satisfies z.ZodMiniType<DraftDiff>;

  const applyAttempt = z.object({
    applyId: z.string(),
    by: z.string(),
    claimedAt: z.string(),
    fields: z.array(z.string()),
    publications: z.int(),
    nextAt: z.string(),
  }) satisfies z.ZodMiniType<ApplyAttempt>;
  const applyError = z.object({
    reason: z.enum(['conflict', 'invalid', 'not_found', 'forbidden', 'unanswered']),
    message: z.string(),
    at: z.string(),
  }) satisfies z.ZodMiniType<ApplyError>;

  const sendError = z.object({
    code: z.string(),
    message: z.string(),
    at: z.string(),
  }) satisfies z.ZodMiniType<SendError>;
  const delivery = z.object({
    status: z.enum(['delivered', 'bounced', 'complained', 'rejected', 'rendering_failed']),
    at: z.string(),
    detail: z.optional(z.string()),
  });
  const sendAttempt = z.object({
    id: z.string(),
    by: z.string(),
    claimedAt: z.string(),
  }) satisfies z.ZodMiniType<SendAttempt>;

  const holdMark = z.object({
    executeAt: z.string(),
    by: z.string(),
    confirmResend: z.optional(z.boolean()),
    acknowledgeStale: z.optional(z.boolean()),
    acknowledgeConflicts: z.optional(z.boolean()),
    fields: z.optional(z.array(z.string())),
  }) satisfies z.ZodMiniType<HoldMark>;
  const holdCancelMark = z.object({
    reason: z.enum(HOLD_CANCEL_REASONS),
    at: z.string(),
  }) satisfies z.ZodMiniType<HoldCancelMark>;

  const awayMark = z.object({ userId: z.string(), until: z.string() }) satisfies z.ZodMiniType<AwayMark>;

  const reviewItemRecord = z.object({
    id: z.string(),
    workspaceId: z.string(),
    type: draftTypeSchema,
    status: reviewStatus,
    version: z.int(),
    draft: draftSchema,
    edited: z.boolean(),
    reason: z.string(),
    relatedRecords: z.array(relatedRecordSchema),
    origin: originRecord,
    reviewers: z.array(z.string()),
    dedupHash: z.string(),
    proposedAt: z.string(),
    expiresAt: z.optional(z.string()),
    createdAt: z.string(),
    updatedAt: z.string(),
    decision: z.nullable(decisionRecord),
    lastSendError: z.optional(sendError),
    sendAttempt: z.optional(sendAttempt),
    apply: z.optional(applyAttempt),
    lastApplyError: z.optional(applyError),
    delivery: z.optional(delivery),
    stale: z.optional(staleMark),
    reviewerChanges: z.optional(reviewerChanges),
    overdue: z.optional(z.object({ since: z.string() })),
    escalated: z.optional(z.object({ at: z.string(), added: z.array(z.string()) })),
    delegatedFrom: z.optional(z.record(z.string(), z.string())),
    away: z.optional(z.array(awayMark)),
    hold: z.optional(holdMark),
    holdCancelled: z.optional(holdCancelMark),
    holdsKey: z.boolean(),
  }) satisfies z.ZodMiniType<ReviewItem>;

  const actorRecord = z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('user'), userId: z.string() }),
    z.object({ kind: z.literal('automation'), runId: z.string() }),
    z.object({ kind: z.literal('system'), reason: z.string() }),
  ]) satisfies z.ZodMiniType<Actor>;

  const historyEntryRecord = z.object({
    action: z.enum(HISTORY_ACTIONS),
    actor: actorRecord,
    at: z.string(),
    runId: z.string(),
    version: z.int(),
    status: reviewStatus,
    draft: z.optional(draftSchema),
    detail: z.optional(z.record(z.string(), z.string())),
    diff: z.optional(draftDiffRecord),
  }) satisfies z.ZodMiniType<HistoryEntry>;

  const delegationRecord = z.object({
    delegateTo: z.string(),
    delegateRole: z.enum(['admin', 'member']),
    until: z.string(),
    note: z.optional(z.string()),
    createdAt: z.string(),
  }) satisfies z.ZodMiniType<Delegation>;

  const memberRecord = z.object({
    workspaceId: z.string(),
    userId: z.string(),
    role: z.enum(['admin', 'member']),
    mailboxes: z.array(z.string()),
    active: z.boolean(),
    changedAt: z.string(),
    delegation: z.optional(delegationRecord),
  }) satisfies z.ZodMiniType<Member>;
  return { reviewItemRecord, historyEntryRecord, memberRecord, delegationRecord };
});

export const reviewItemRecord = z.lazy(() => recordSchemas().reviewItemRecord);
export const historyEntryRecord = z.lazy(() => recordSchemas().historyEntryRecord);
export const memberRecord = z.lazy(() => recordSchemas().memberRecord);
export const delegationRecord = z.lazy(() => recordSchemas().delegationRecord);

/** Parses a stored record; a record that does not parse is a bug or corruption, never the caller's input. */
export function parseRecord<S extends z.ZodMiniType>(schema: S, record: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(record);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`A stored ${what} does not parse: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  return parsed.data;
}

/** Compile-time proof that a record schema and its domain type are the same type (no field forgotten). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;
/** @public A compile-time check: exported so that nothing flags it unused. */
export type RecordSchemasMatchTheDomain = [
  Assert<Same<z.output<typeof reviewItemRecord>, ReviewItem>>,
  Assert<Same<z.output<typeof historyEntryRecord>, HistoryEntry>>,
  Assert<Same<z.output<typeof memberRecord>, Member>>,
];
