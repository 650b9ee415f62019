/**
 * The draft kinds, and the functions that ask a draft's kind. Adding a kind: its folder under shared/drafts/ and an
 * entry here (the item schema, the proposal schema and the edit schema follow from KINDS).
 */
import * as z from 'zod/mini';
import { type EmailDraft, type EmailPreview, emailKind, emailPreviewSchema } from './email/index.js';
import { emailDraftSchema } from './email/schema.js';
import type { DraftKind } from './kind.js';
import {
  type RecordCreateDraft,
  recordCreateDraftSchema,
  recordCreateKind,
  recordCreateProposalSchema,
} from './record-create/index.js';
import {
  type RecordUpdateDraft,
  recordUpdateDraftSchema,
  recordUpdateKind,
  recordUpdateProposalSchema,
} from './record-update/index.js';

/** Every draft a review item can hold, and its list preview. */
export type Draft = EmailDraft | RecordUpdateDraft | RecordCreateDraft;
export type DraftPreview = EmailPreview | RecordUpdateDraft | RecordCreateDraft;
export type DraftType = Draft['type'];

// biome-ignore lint/suspicious/noExplicitAny: a registry of kinds over different draft types
type AnyKind = DraftKind<any, any, any>;

export const KINDS = {
  email: emailKind,
  'record.update': recordUpdateKind,
  'record.create': recordCreateKind,
} as const satisfies Record<DraftType, AnyKind>;
export const DRAFT_TYPES = Object.keys(KINDS) as [DraftType, ...DraftType[]];

/** A kind seen through the union of drafts: what the code that handles every kind alike calls. */
type KindOfAny = DraftKind<Draft, DraftPreview, unknown>;

/**
 * The kind of a draft (or of a draft's preview: both carry the type). Each kind is typed over its own draft; the
 * registry hands it out over the union, which is sound because a draft only ever reaches its own kind.
 */
export const kindOf = (draft: { type: DraftType }): KindOfAny => KINDS[draft.type] as unknown as KindOfAny;

/**
 * Any kind's draft as an automation proposes it, by its `type`, and (its output) the draft as an item starts with
 * it: a record update's changes start `clean` (nothing is known yet of what the record holds now).
 */
export const proposalDraftSchema = z.lazy(() =>
  z.pipe(
    z.discriminatedUnion('type', [emailDraftSchema, recordUpdateProposalSchema, recordCreateProposalSchema]),
    z.transform(
      (draft): Draft =>
        draft.type === 'record.update'
          ? { ...draft, changes: draft.changes.map((change) => ({ ...change, state: 'clean' as const })) }
          : draft,
    ),
  ),
);
/** Any kind's draft as stored and answered, by its `type`. */
export const draftSchema = z.lazy(() =>
  z.discriminatedUnion('type', [emailDraftSchema, recordUpdateDraftSchema, recordCreateDraftSchema]),
);
/** Any kind's list preview, by its `type`. */
export const draftPreviewSchema = z.lazy(() =>
  z.discriminatedUnion('type', [emailPreviewSchema, recordUpdateDraftSchema, recordCreateDraftSchema]),
);

export const previewOf = (draft: Draft): DraftPreview => kindOf(draft).preview(draft);

/** An item's `type`: its draft's. */
export const draftTypeSchema = z.enum(DRAFT_TYPES);

/** One line for a list, and a few lines for a person or an agent: what the draft would do. */
export const headlineOf = (draft: Draft | DraftPreview): string => kindOf(draft).headline(draft);
export const describeDraft = (draft: Draft | DraftPreview): string => kindOf(draft).describe(draft);

/** Whether a reviewer's edit is in the draft: a record draft's changes or fields carry their edits. */
export function hasReviewerEdits(draft: Draft): boolean {
  if (draft.type === 'record.update') return draft.changes.some((change) => change.edit !== undefined);
  if (draft.type === 'record.create') return draft.fields.some((field) => field.edit !== undefined);
  return false;
}
