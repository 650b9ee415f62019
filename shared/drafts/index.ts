/**
 * The draft kinds, and the functions that ask a draft's kind. Adding a kind: its folder under shared/drafts/ and an
 * entry in KINDS; every union below (the proposed, stored and preview drafts, the item's type, the edit request)
 * is built from the registry, on first use.
 */
import * as z from 'zod/mini';
import { once } from '../domain/primitives.js';
import type { Draft, DraftType, RecordRef, ReviewItem } from '../domain/review-item.js';
import { type EmailDraft, type EmailPreview, emailKind } from './email/index.js';
import type { DraftKind } from './kind.js';
import { type RecordCreateDraft, type RecordCreatePreview, recordCreateKind } from './record-create/index.js';
import { type RecordUpdateDraft, type RecordUpdatePreview, recordUpdateKind } from './record-update/index.js';

declare module '../domain/review-item.js' {
  /** The drafts of the registry's kinds (KINDS), by type: what a review item can hold. */
  interface DraftsByType {
    email: EmailDraft;
    'record.update': RecordUpdateDraft;
    'record.create': RecordCreateDraft;
  }
}

/** Every draft a review item can hold, and its list preview. */
export type { Draft, DraftType } from '../domain/review-item.js';
export type DraftPreview = EmailPreview | RecordUpdatePreview | RecordCreatePreview;

// biome-ignore lint/suspicious/noExplicitAny: a registry of kinds over different draft types
type AnyKind = DraftKind<any, any, any>;

export const KINDS = {
  email: emailKind,
  'record.update': recordUpdateKind,
  'record.create': recordCreateKind,
} as const satisfies Record<DraftType, AnyKind>;

/** The kinds in force: KINDS, and any registered since (registerKind). */
const registry = new Map<string, AnyKind>(Object.entries(KINDS));
/** Set once a union below is built: a kind registered after that would be missing from it. */
let sealed = false;

/**
 * Adds a kind to the registry: a kind defined outside shared/drafts/ (a test's) is handled by the generic paths as
 * the kinds of KINDS are. Only before the first parse: the unions are built once, from the kinds then registered.
 */
export function registerKind(kind: AnyKind): void {
  if (sealed) throw new Error(`Kind ${kind.type} registered after the draft schemas were built`);
  if (registry.has(kind.type)) throw new Error(`Kind ${kind.type} is already registered`);
  registry.set(kind.type, kind);
}

const kinds = (): AnyKind[] => {
  sealed = true;
  return [...registry.values()];
};

/** A kind seen through the union of drafts: what the code that handles every kind alike calls. */
type KindOfAny = DraftKind<Draft, DraftPreview, unknown>;

/**
 * The kind of a draft (or of a draft's preview: both carry the type). Each kind is typed over its own draft; the
 * registry hands it out over the union, which is sound because a draft only ever reaches its own kind.
 */
export function kindOf(draft: { type: string }): KindOfAny {
  const kind = registry.get(draft.type);
  if (!kind) throw new Error(`No draft kind ${draft.type}`);
  return kind as KindOfAny;
}

type Union = [z.core.$ZodTypeDiscriminable, ...z.core.$ZodTypeDiscriminable[]];
const unionOf = (schemas: z.core.SomeType[]) => z.discriminatedUnion('type', schemas as Union);

/** Any kind's draft as an automation proposes it, by its `type`; its output is the draft as an item starts with it. */
export const proposalDraftSchema = z.lazy(() =>
  z.pipe(
    unionOf(kinds().map((kind) => kind.proposalSchema)),
    z.transform((draft: { type: string }): Draft => kindOf(draft).started?.(draft) ?? (draft as Draft)),
  ),
);
/** Any kind's draft as stored and answered, by its `type`. */
export const draftSchema = z.lazy(() =>
  unionOf(kinds().map((kind) => kind.schema)),
) as unknown as z.ZodMiniType<Draft>;
/** Any kind's list preview, by its `type`. */
export const draftPreviewSchema = z.lazy(() =>
  unionOf(kinds().map((kind) => kind.previewSchema)),
) as unknown as z.ZodMiniType<DraftPreview>;

/** An item's `type`: its draft's. */
export const draftTypeSchema = z.lazy(() =>
  z.enum(kinds().map((kind) => kind.type) as [string, ...string[]]),
) as unknown as z.ZodMiniType<DraftType>;

/**
 * The kinds' edits, each under its kind's `editKey`, and the rule that an edit request gives exactly one of them
 * (PATCH /review-items/{id}: the one the item's kind says).
 */
export const draftEdits = once(() => {
  const all = kinds();
  const named = all.map((kind) => `${kind.editKey} (${kind.noun})`);
  return {
    shape: Object.fromEntries(all.map((kind) => [kind.editKey, z.optional(kind.editSchema)])) as Record<
      string,
      z.ZodMiniOptional<z.ZodMiniType>
    >,
    exactlyOne: z.refine(
      (request) =>
        all.filter((kind) => (request as Record<string, unknown>)[kind.editKey] !== undefined).length === 1,
      {
        message: `give exactly one of ${named.slice(0, -1).join(', ')} or ${named.at(-1)}`,
        path: [all[0]?.editKey ?? 'draft'],
      },
    ),
  };
});

/** The records an item is about, each once: the record page banners that show it (a record draft's own record too). */
export function recordRefsOf(item: Pick<ReviewItem, 'relatedRecords' | 'draft'>): RecordRef[] {
  const seen = new Map<string, RecordRef>();
  for (const record of [...kindOf(item.draft).records(item.draft), ...item.relatedRecords])
    seen.set(`${record.type}\u0000${record.id}`, { type: record.type, id: record.id });
  return [...seen.values()];
}

export const previewOf = (draft: Draft): DraftPreview => kindOf(draft).preview(draft);

/** One line for a list, and a few lines for a person or an agent: what the draft would do. */
export const headlineOf = (draft: Draft | DraftPreview): string => kindOf(draft).headline(draft);
export const describeDraft = (draft: Draft | DraftPreview): string => kindOf(draft).describe(draft);
