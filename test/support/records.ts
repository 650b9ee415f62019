/**
 * Record drafts for tests (spec 2.3, 2.4): proposals from the fixtures with their own dedup key, and the CRM's
 * events (Record Changed, Record Change Applied / Rejected) as the handlers receive them.
 */
import { readFileSync } from 'node:fs';
import { ulid } from 'ulid';
import {
  type RecordChangeAnswer,
  type RecordChanged,
  recordChangeAppliedSchema,
  recordChangedSchema,
  recordChangeRejectedSchema,
} from '../../shared/domain/crm-events.js';
import type { ReviewItem } from '../../shared/domain/review-item.js';
import type { RecordCreateDraft } from '../../shared/drafts/record-create/index.js';
import type { RecordUpdateDraft } from '../../shared/drafts/record-update/index.js';
import { type DraftProposed, draftProposedSchema } from '../../shared/events/in-schemas.js';
import { member } from '../fixtures/index.js';

const load = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8'));

export const rawRecordUpdate = (): Record<string, unknown> => load('record-update-proposed.json');
export const rawRecordCreate = (): Record<string, unknown> => load('record-create-proposed.json');

/** The record owner of the fixtures: a member without a mailbox (record drafts need none). */
export const RECORD_OWNER = member({ userId: 'u_bob', role: 'member', mailboxes: [] });

type Overrides = Record<string, unknown> & { draft?: Record<string, unknown>; run?: Record<string, unknown> };

function build(raw: Record<string, unknown>, overrides: Overrides): DraftProposed {
  const { run, draft, ...rest } = overrides;
  return draftProposedSchema.parse({
    ...raw,
    dedupKey: `key-${ulid()}`,
    proposedAt: new Date().toISOString(),
    ...rest,
    run: { ...(raw.run as object), ...run },
    draft: { ...(raw.draft as object), ...draft },
  });
}

/** A record.update proposal (its own dedup key unless given; `dedupKey: undefined` derives it). */
export const recordUpdateProposal = (overrides: Overrides = {}): DraftProposed =>
  build(rawRecordUpdate(), overrides);
export const recordCreateProposal = (overrides: Overrides = {}): DraftProposed =>
  build(rawRecordCreate(), overrides);

/** A record update's draft (of an item or an answer; a list's preview has the same shape). */
export const updateOf = (item: { draft: { type: string } }): RecordUpdateDraft => {
  if (item.draft.type !== 'record.update')
    throw new Error(`Expected a record update, got ${item.draft.type}`);
  return item.draft as RecordUpdateDraft;
};
export const createOf = (item: { draft: { type: string } }): RecordCreateDraft => {
  if (item.draft.type !== 'record.create')
    throw new Error(`Expected a record creation, got ${item.draft.type}`);
  return item.draft as RecordCreateDraft;
};

export function recordChanged(
  fields: Record<string, unknown>,
  overrides: Partial<Record<keyof RecordChanged, unknown>> = {},
): RecordChanged {
  return recordChangedSchema.parse({
    workspaceId: 'ws_acme',
    record: { type: 'opportunity', id: 'opp_9', version: '18' },
    fields,
    changedBy: 'u_carol',
    changedAt: new Date().toISOString(),
    ...overrides,
  });
}

export function appliedAnswer(
  item: Pick<ReviewItem, 'id' | 'workspaceId'>,
  applyId: string,
  record: Record<string, unknown> = { type: 'opportunity', id: 'opp_9', version: '19' },
): RecordChangeAnswer {
  return {
    outcome: 'applied',
    ...recordChangeAppliedSchema.parse({
      workspaceId: item.workspaceId,
      itemId: item.id,
      applyId,
      record,
      appliedAt: new Date().toISOString(),
    }),
  };
}

export function rejectedAnswer(
  item: Pick<ReviewItem, 'id' | 'workspaceId'>,
  applyId: string,
  extra: Record<string, unknown> = {},
): RecordChangeAnswer {
  return {
    outcome: 'rejected',
    ...recordChangeRejectedSchema.parse({
      workspaceId: item.workspaceId,
      itemId: item.id,
      applyId,
      reason: 'conflict',
      message: 'The stage changed meanwhile',
      rejectedAt: new Date().toISOString(),
      ...extra,
    }),
  };
}
