/**
 * zod schemas of the domain values the entities store, so that what is read is parsed, never cast. They follow
 * the domain types (shared/domain/review-item.ts) and fail to compile when the two drift apart.
 */
import * as z from 'zod';
import {
  type Actor,
  type ApplyAttempt,
  type ApplyError,
  type Decision,
  DISMISS_REASONS,
  HISTORY_ACTIONS,
  type HistoryEntry,
  type Member,
  type Origin,
  type ReviewerChanges,
  type ReviewItem,
  type SendAttempt,
  type SendError,
  type StaleMark,
} from '../../domain/review-item.js';
import { executedAsSchema, relatedRecordSchema } from '../../domain/schemas.js';
import { draftSchema, draftTypeSchema } from '../../drafts/index.js';
import type { DraftDiff } from '../../drafts/kind.js';

export const reviewStatus = z.enum([
  'pending',
  'sending',
  'sent',
  'send_unknown',
  'applying',
  'applied',
  'apply_unknown',
  'dismissed',
  'resolved',
  'expired',
]);

export const originRecord = z.object({
  automationId: z.string(),
  automationName: z.string().optional(),
  runId: z.string(),
  stepId: z.string(),
  runUrl: z.string().optional(),
  executedAs: executedAsSchema,
  automationVersion: z.string().optional(),
}) satisfies z.ZodType<Origin>;

export const decisionRecord = z.object({
  action: z.enum(['approved', 'dismissed', 'resolved', 'expired']),
  by: z.string().nullable(),
  at: z.string(),
  messageId: z.string().optional(),
  note: z.string().optional(),
  reason: z.enum(DISMISS_REASONS).optional(),
  recordVersion: z.string().optional(),
  recordId: z.string().optional(),
  fields: z.array(z.string()).optional(),
}) satisfies z.ZodType<Decision>;

const staleMark = z.object({
  reason: z.string(),
  at: z.string(),
  messageId: z.string().optional(),
}) satisfies z.ZodType<StaleMark>;
const reviewerChanges = z.object({
  added: z.array(z.string()),
  removed: z.array(z.string()),
}) satisfies z.ZodType<ReviewerChanges>;

export const draftDiffRecord = z.object({
  fields: z.array(z.string()),
  addressesAdded: z.array(z.string()).optional(),
  addressesRemoved: z.array(z.string()).optional(),
  subjectChanged: z.boolean().optional(),
  bodyChangeRatio: z.number().optional(),
  changesEdited: z.array(z.string()).optional(),
  changesLeftOut: z.array(z.string()).optional(),
}) satisfies z.ZodType<DraftDiff>;

const applyAttempt = z.object({
  applyId: z.string(),
  by: z.string(),
  claimedAt: z.string(),
  fields: z.array(z.string()),
  publications: z.number().int(),
  nextAt: z.string(),
}) satisfies z.ZodType<ApplyAttempt>;
const applyError = z.object({
  reason: z.enum(['conflict', 'invalid', 'not_found', 'forbidden', 'unanswered']),
  message: z.string(),
  at: z.string(),
}) satisfies z.ZodType<ApplyError>;

const sendError = z.object({
  code: z.string(),
  message: z.string(),
  at: z.string(),
}) satisfies z.ZodType<SendError>;
const delivery = z.object({
  status: z.enum(['delivered', 'bounced', 'complained']),
  at: z.string(),
  detail: z.string().optional(),
});
const sendAttempt = z.object({
  id: z.string(),
  by: z.string(),
  claimedAt: z.string(),
}) satisfies z.ZodType<SendAttempt>;

export const reviewItemRecord = z.object({
  id: z.string(),
  workspaceId: z.string(),
  type: draftTypeSchema,
  status: reviewStatus,
  version: z.number().int(),
  draft: draftSchema,
  edited: z.boolean(),
  reason: z.string(),
  relatedRecords: z.array(relatedRecordSchema),
  origin: originRecord,
  reviewers: z.array(z.string()),
  dedupHash: z.string(),
  proposedAt: z.string(),
  expiresAt: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  decision: decisionRecord.nullable(),
  lastSendError: sendError.optional(),
  sendAttempt: sendAttempt.optional(),
  apply: applyAttempt.optional(),
  lastApplyError: applyError.optional(),
  delivery: delivery.optional(),
  stale: staleMark.optional(),
  reviewerChanges: reviewerChanges.optional(),
  holdsKey: z.boolean(),
}) satisfies z.ZodType<ReviewItem>;

export const actorRecord = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('user'), userId: z.string() }),
  z.object({ kind: z.literal('automation'), runId: z.string() }),
  z.object({ kind: z.literal('system'), reason: z.string() }),
]) satisfies z.ZodType<Actor>;

export const historyEntryRecord = z.object({
  action: z.enum(HISTORY_ACTIONS),
  actor: actorRecord,
  at: z.string(),
  runId: z.string(),
  version: z.number().int(),
  status: reviewStatus,
  draft: draftSchema.optional(),
  detail: z.record(z.string(), z.string()).optional(),
  diff: draftDiffRecord.optional(),
}) satisfies z.ZodType<HistoryEntry>;

export const memberRecord = z.object({
  workspaceId: z.string(),
  userId: z.string(),
  role: z.enum(['admin', 'member']),
  mailboxes: z.array(z.string()),
  active: z.boolean(),
  changedAt: z.string(),
}) satisfies z.ZodType<Member>;

/** Parses a stored record; a record that does not parse is a bug or corruption, never the caller's input. */
export function parseRecord<S extends z.ZodType>(schema: S, record: unknown, what: string): z.output<S> {
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
export type RecordSchemasMatchTheDomain = [
  Assert<Same<z.output<typeof reviewItemRecord>, ReviewItem>>,
  Assert<Same<z.output<typeof historyEntryRecord>, HistoryEntry>>,
  Assert<Same<z.output<typeof memberRecord>, Member>>,
];
