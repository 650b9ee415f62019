/**
 * A draft kind: everything about a type of draft that differs from the others, in one place. The item's lifecycle,
 * storage, routing rules, visibility and dedup are the same for every kind (shared/domain/lifecycle.ts, routing.ts,
 * dedup.ts); they ask the draft's kind for what differs, its approval included: the transition an approval takes, and the
 * executor that carries the draft out (an email is sent through the mailer; a record change is published to the
 * CRM as a command, whose answer settles it). The kinds are in shared/drafts/<kind>/ and listed in
 * shared/drafts/index.ts.
 */
import type * as z from 'zod/mini';
import type { RecordChangeApplied, RecordChangeRejected } from '../domain/crm-events.js';
import type { Transition } from '../domain/lifecycle.js';
import type { FieldValue, Scalar } from '../domain/record-fields.js';
import type {
  DraftDiff,
  HistoryAction,
  Member,
  RecordRef,
  ReviewItem,
  SendError,
} from '../domain/review-item.js';
import type { OutDetailType } from '../events/out-events.js';
import type { Mailer } from './email/sender.js';

export type { DraftDiff } from '../domain/review-item.js';

/** What an approval asks besides the item's version (POST /review-items/{id}/approve). */
export interface ApproveOptions {
  /** Required to send again an item whose previous send has an unknown outcome. */
  confirmResend?: boolean;
  /** Required to send a stale item. */
  acknowledgeStale?: boolean;
  /** Approve just these parts (a record draft's changes or fields, `fieldsOf`). */
  fields?: string[];
  /** Required to approve a change another open draft proposes a different result for. */
  acknowledgeConflicts?: boolean;
}

/** A field on which another open draft proposes a different result, and what it proposes (spec 3). */
export interface FieldConflict {
  field: string;
  proposed: { op: string; after?: Scalar; values?: string[] };
}

/** A change an executor writes, through the use case's commit kernel (shared/use-cases/commit.ts). */
export interface ChangeOptions {
  detail?: Record<string, string>;
  withDraft?: boolean;
  /** The change decides the item as approved: counted as approved as proposed, or after edits (spec 3, Feedback). */
  countsApproval?: boolean;
  /** The event the change publishes (written with it: the outbox) and what its detail adds. */
  event?: { type: OutDetailType; extra?: Record<string, unknown> };
}

/** An item as the API answers it: what an error carrying the item shows. */
export type PresentedItem = { status: string; version: number; lastSendError: SendError | null } & Record<
  string,
  unknown
>;

/** The ports an executor carries a draft out through, handed in by the approving use case. */
export interface ExecutorPorts {
  mailer: Mailer;
}

/**
 * What an approval gives the draft's kind: the item, already checked for version, status and who may act, and the
 * commit kernel to write its changes with.
 */
export interface ApproveContext<D = unknown> {
  readonly item: ReviewItem & { draft: D };
  readonly member: Member;
  /** The approving reviewer. */
  readonly userId: string;
  readonly options: ApproveOptions;
  readonly now: Date;
  readonly ports: ExecutorPorts;
  clock(): Date;
  newId(): string;
  /** Writes a change conditional on `before`; a lost race is a ConflictError (409) naming the item's state now. */
  commit(before: ReviewItem, after: ReviewItem, action: HistoryAction, options: ChangeOptions): Promise<void>;
  /**
   * Writes what became of an execution: the outside effect already happened, so a passing fault is retried; a lost
   * race is still a ConflictError.
   */
  commitOutcome(
    before: ReviewItem,
    after: ReviewItem,
    action: HistoryAction,
    options: ChangeOptions,
  ): Promise<void>;
  present(item: ReviewItem): PresentedItem;
}

/**
 * A kind whose approval waits for an outside answer (the item is `applying` until then): how the answer settles it
 * (shared/use-cases/record-apply.ts), and the command published again while it is unanswered.
 */
export interface SettlePath<D> {
  /** What the decision records of an applied answer: the record's new version, or the new record's id. */
  appliedResult(answer: RecordChangeApplied): { recordId?: string; recordVersion?: string };
  /** The draft after a rejection: re-classified against what the answer says the record holds now. */
  rejectedDraft(draft: D, answer: RecordChangeRejected, at: string): D;
  /** The command's detail, as published again (the same applyId). */
  command(item: ReviewItem & { draft: D }): Record<string, unknown>;
}

/** What an email provider reports of a mailbox (POST /webhooks/email), as far as a kind matches it. */
export interface MailboxEvent {
  type: 'message.sent' | 'draft.deleted' | 'message.received';
  mailbox: string;
  from?: string;
  threadId?: string;
  draftId?: string;
  to: string[];
  subject?: string;
  occurredAt: string;
}

export interface DraftKind<D extends { type: string }, Preview, Edit> {
  readonly type: D['type'];
  /** The draft as an automation proposes it (spec 2). */
  readonly proposalSchema: z.ZodMiniType;
  /** The draft an item starts with, from the proposal's (what the review adds, at its start); the same if absent. */
  started?(proposal: unknown): D;
  /** The draft as it is stored and answered (with what the review adds to it, if anything). */
  readonly schema: z.ZodMiniType<D>;
  /** A list's copy of the draft (no bodies): what queue entries and list indexes carry. */
  readonly previewSchema: z.ZodMiniType<Preview>;
  preview(draft: D): Preview;
  /**
   * What a reviewer sends to edit it: the member `editKey` of the PATCH body, validated by `editSchema`, and the
   * draft with the edit merged in (validated by `schema` in turn: an edit must leave a valid draft). `noun` names
   * the kind in the edit request's message ("give exactly one of draft (an email), …").
   */
  readonly editKey: string;
  readonly noun: string;
  readonly editSchema: z.ZodMiniType<Edit>;
  merge(draft: D, edit: Edit): unknown;
  /** Whether a reviewer's edit is in the draft itself (edits a replacement keeps field by field). */
  hasEdits(draft: D): boolean;
  /** The draft a newer proposal of the same change makes of this one (spec 3, replacement). */
  replace(previous: D, proposal: D): D;
  /**
   * Whether `replace` needs the replaced draft (edits kept field by field): ingest then reads the item (one more
   * request). When false, `replace` must not look at `previous`.
   */
  readonly replaceReadsPrevious: boolean;
  /** Routing candidates besides the run user and the related records' owners (spec 3). */
  candidates(draft: D): { userIds: string[]; mailboxes: string[] };
  /** What identifies "the same change" of this kind, after automation, step and type (spec 3, dedup). */
  dedupParts(draft: D, relatedRecords: RecordRef[]): string[];
  /** The CRM records the draft itself is about (their banners show it), besides its related records. */
  records(draft: D): RecordRef[];
  /** Index attributes an open item of this kind carries, for the outside events that match it. */
  indexKeys(workspaceId: string, draft: D): Record<string, string>;
  /** The parts an approval may name (`fields`): a record draft's changes or fields; none for an email. */
  fieldsOf(draft: D): string[];
  /** Why this member may not approve it (403), or null: spec 3 ("only a caller whose connected mailboxes…"). */
  approveRefusal(member: Member, draft: D | Preview): string | null;
  /** The transition an approval takes out of the item's status (shared/domain/lifecycle.ts). */
  readonly approveTransition: Transition;
  /**
   * The executor's checks of the approval's options, without the claim (throws the executor's 409 or 400): what a
   * send hold checks when it schedules the approval (spec 3, Send hold and undo). The executor checks them again.
   */
  approveCheck(item: ReviewItem & { draft: D }, options: ApproveOptions): void;
  /** The executor: claims the item and carries the draft out; answers the item after it. */
  approve(context: ApproveContext<D>): Promise<ReviewItem>;
  /** For a kind whose approval waits for an outside answer: how that answer settles the item. */
  readonly settle?: SettlePath<D>;
  /**
   * The CRM reported what a record holds now (`Record Changed`): the draft classified against it, and whether every
   * change it proposes already holds (the item is then resolved). Undefined when the report changes nothing.
   */
  recordChanged?(
    draft: D,
    fields: Record<string, FieldValue>,
    at: string,
  ): { draft: D; alreadyHolds: boolean } | undefined;
  /**
   * For a kind whose drafts can contradict each other (spec 3, "Conflicts between drafts"): the record whose open
   * drafts to compare with, and the fields on which another draft proposes a different result.
   */
  readonly conflicts?: {
    recordOf(draft: D): RecordRef;
    between(draft: D, other: D): FieldConflict[];
  };
  /** Whether the provider event says the draft was sent or discarded elsewhere (spec 3, auto-resolve). */
  resolvedBy?(item: ReviewItem & { draft: D }, event: MailboxEvent): boolean;
  /** Whether the provider event says the conversation moved on since the draft was proposed (spec 3, stale). */
  staledBy?(item: ReviewItem & { draft: D }, event: MailboxEvent): boolean;
  /** What an edit changed (the draft before and after it), for feedback; a kind without it records no diff. */
  diff?(before: D, after: D): DraftDiff;
  /** One line for a list: what the draft is about. */
  headline(draft: D | Preview): string;
  /** A few lines for a person or an agent: what the draft would do. */
  describe(draft: D | Preview): string;
}
