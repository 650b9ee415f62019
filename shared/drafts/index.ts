/**
 * The draft kinds, and the functions that ask a draft's kind. Adding a kind: its folder under shared/drafts/ and an
 * entry here (the item schema, the proposal schema and the edit schema follow from KINDS).
 */
import * as z from 'zod';
import { type EmailDraft, type EmailPreview, emailKind } from './email/index.js';
import type { DraftKind } from './kind.js';

/** Every draft a review item can hold, and its list preview. */
export type Draft = EmailDraft;
export type DraftPreview = EmailPreview;
export type DraftType = Draft['type'];

// biome-ignore lint/suspicious/noExplicitAny: a registry of kinds over different draft types
type AnyKind = DraftKind<any, any, any>;

export const KINDS = { email: emailKind } as const satisfies Record<DraftType, AnyKind>;
export const DRAFT_TYPES = Object.keys(KINDS) as [DraftType, ...DraftType[]];

/** The kind of a draft (or of a draft's preview: both carry the type). */
export function kindOf<T extends { type: DraftType }>(draft: T): (typeof KINDS)[T['type']] {
  return KINDS[draft.type];
}

/** Any kind's draft, by its `type`. */
export const draftSchema: z.ZodType<Draft> = emailKind.schema;
/** Any kind's list preview, by its `type`. */
export const draftPreviewSchema: z.ZodType<DraftPreview> = emailKind.previewSchema;

export const previewOf = (draft: Draft): DraftPreview => kindOf(draft).preview(draft);

/** An item's `type`: its draft's. */
export const draftTypeSchema = z.enum(DRAFT_TYPES);

/** One line for a list, and a few lines for a person or an agent: what the draft would do. */
export const headlineOf = (draft: Draft | DraftPreview): string => kindOf(draft).headline(draft as never);
export const describeDraft = (draft: Draft | DraftPreview): string => kindOf(draft).describe(draft as never);
