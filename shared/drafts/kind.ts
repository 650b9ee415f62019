/**
 * A draft kind: everything about a type of draft that differs from the others, in one place (issue: "make the
 * draft a pluggable kind"). The item's lifecycle, storage, routing rules, visibility and dedup are the same for
 * every kind (shared/domain/lifecycle.ts, routing.ts, dedup.ts); they ask the draft's kind for what differs.
 * The kinds are in shared/drafts/<kind>/ and listed in shared/drafts/index.ts.
 */
import type * as z from 'zod/mini';
import type { Member, RecordRef } from '../domain/review-item.js';

/**
 * What a reviewer's edit changed, as the draft's kind measures it (SPEC 3, Feedback): kept in the `edited` history
 * entry and counted, per automation version, in the review feedback (docs/review-feedback.md). `fields` are the
 * draft fields the edit changed; the rest is what the kind measures (an email: addresses and how much of the body;
 * a record draft: which changes were edited or left out).
 */
export interface DraftDiff {
  fields: string[];
  addressesAdded?: string[];
  addressesRemoved?: string[];
  subjectChanged?: boolean;
  /** How much of the body changed, 0 (nothing) to 1 (all of it). */
  bodyChangeRatio?: number;
  changesEdited?: string[];
  changesLeftOut?: string[];
}

export interface DraftKind<D extends { type: string }, Preview, Edit> {
  readonly type: D['type'];
  /** The draft as an automation proposes it (SPEC 2). */
  readonly proposalSchema: z.ZodMiniType;
  /** The draft as it is stored and answered (with what the review adds to it, if anything). */
  readonly schema: z.ZodMiniType<D>;
  /** A list's copy of the draft (no bodies): what queue entries and list indexes carry. */
  readonly previewSchema: z.ZodMiniType<Preview>;
  preview(draft: D): Preview;
  /**
   * What a reviewer sends to edit it: the member `editKey` of the PATCH body, validated by `editSchema`, and the
   * draft with the edit merged in (validated by `schema` in turn: an edit must leave a valid draft).
   */
  readonly editKey: 'draft' | 'changes' | 'fields';
  readonly editSchema: z.ZodMiniType<Edit>;
  merge(draft: D, edit: Edit): unknown;
  /** The draft a newer proposal of the same change makes of this one (SPEC 3, replacement). */
  replace(previous: D, proposal: D): D;
  /**
   * Whether `replace` needs the replaced draft (edits kept field by field): ingest then reads the item (one more
   * request). When false, `replace` must not look at `previous`.
   */
  readonly replaceReadsPrevious: boolean;
  /** Routing candidates besides the run user and the related records' owners (SPEC 3). */
  candidates(draft: D): { userIds: string[]; mailboxes: string[] };
  /** What identifies "the same change" of this kind, after automation, step and type (SPEC 3, dedup). */
  dedupParts(draft: D, relatedRecords: RecordRef[]): string[];
  /** The CRM records the draft itself is about (their banners show it), besides its related records. */
  records(draft: D): RecordRef[];
  /** Index attributes an open item of this kind carries, for the outside events that match it. */
  indexKeys(workspaceId: string, draft: D): Record<string, string>;
  /** Why this member may not approve it (403), or null: SPEC 3 ("only a caller whose connected mailboxes…"). */
  approveRefusal(member: Member, draft: D | Preview): string | null;
  /** What an edit changed (the draft before and after it), for feedback; a kind without it records no diff. */
  diff?(before: D, after: D): DraftDiff;
  /** One line for a list: what the draft is about. */
  headline(draft: D | Preview): string;
  /** A few lines for a person or an agent: what the draft would do. */
  describe(draft: D | Preview): string;
}
