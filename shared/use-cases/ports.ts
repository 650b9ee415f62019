/**
 * The ports the use cases depend on. The DynamoDB store (shared/store/review-store.ts), the SES mailer and the
 * EventBridge publisher implement them; tests may hand in other implementations.
 */
import type { HistoryEntry, Member, RecordRef, ReviewItem } from '../domain/review-item.js';
import type { OutEvent } from '../events/out-events.js';
import type {
  CounterChange,
  DecisionDuration,
  ScopeCounters,
} from '../store/entities/automation-counters.js';
import type { AutomationEntry } from '../store/entities/automation-entry.js';
import type { DismissNote, FeedbackRow } from '../store/entities/automation-feedback.js';
import type { DedupHead, HeadClaim } from '../store/entities/dedup-head.js';
import type { ItemSummary } from '../store/entities/item-summary.js';
import type { QueueCounts } from '../store/entities/queue-counter.js';
import type { DueKind, ItemState } from '../store/entities/review-item.js';
import type { Page, PageRequest } from '../store/listing.js';

/**
 * A list of open items, as the store reads it: each kind has partitions that hold exactly its rows
 * (docs/table-design.md). `scopes` are the visibility scopes the viewer may see (`all` for an admin).
 */
export type ListSpec =
  | { kind: 'queue'; userId: string; automationId?: string; automationIds?: string[] }
  | { kind: 'open'; scopes: 'all' | string[]; automationId?: string; automationIds?: string[] }
  | { kind: 'record'; record: RecordRef; scopes: 'all' | string[] };

/** What a webhook event can match: an email draft's thread or (threadless) subject, or the provider's draft id. */
export interface MatchKeys {
  mailbox: string;
  threadId?: string;
  subject?: string;
  draftId?: string;
}

export interface AutomationsPage {
  automations: (AutomationEntry & { ownOpen: number })[];
  nextCursor: string | null;
}

export interface ReviewStorePort {
  getMember(workspaceId: string, userId: string): Promise<Member | undefined>;
  /** Writes the member (and its mailbox lookups) unless a newer or equal `changedAt` is stored. */
  saveMemberIfNewer(member: Member): Promise<boolean>;
  /**
   * The routing candidates, read in one request: the members with these user ids, and the active members whose
   * connected mailboxes include these addresses (as members with just that mailbox).
   */
  candidates(workspaceId: string, userIds: string[], mailboxes: string[]): Promise<Member[]>;
  /** The routing candidates and the automation's listed name, in one request. */
  proposalReads(
    workspaceId: string,
    userIds: string[],
    mailboxes: string[],
    automationId: string,
  ): Promise<ProposalReads>;
  /** The caller's member record and the workspace's automation names, in one request. */
  memberAndNames(workspaceId: string, userId: string): Promise<MemberAndNames>;

  getItem(workspaceId: string, itemId: string): Promise<ReviewItem | undefined>;
  getHistory(workspaceId: string, itemId: string): Promise<HistoryEntry[]>;
  /** One page of a list, for `viewer` (cursors are bound to the viewer, the list and its filter). */
  listItems(
    workspaceId: string,
    viewer: string,
    spec: ListSpec,
    page: PageRequest,
    accept: (item: ItemSummary) => boolean,
  ): Promise<Page<ItemSummary>>;
  queueCounts(workspaceId: string, userId: string): Promise<QueueCounts>;
  /** The automations that have proposed in the workspace; `ownOpen` is the viewer's private runs' open items. */
  automations(
    workspaceId: string,
    viewer: string,
    page: PageRequest,
    withOwn: boolean,
  ): Promise<AutomationsPage>;
  /** Open email drafts an email provider event can be about (SPEC 3, auto-resolve). */
  matchCandidates(workspaceId: string, keys: MatchKeys): Promise<ReviewItem[]>;
  /** Open record updates of a record (SPEC 3, drift and moot). */
  openRecordUpdates(workspaceId: string, record: RecordRef): Promise<ReviewItem[]>;
  due(kind: DueKind, until: string, limit: number): Promise<ReviewItem[]>;
  getHead(workspaceId: string, dedupHash: string): Promise<DedupHead | undefined>;
  counters(workspaceId: string, automationId: string): Promise<ScopeCounters[]>;
  decisionDurations(workspaceId: string, automationId: string): Promise<DecisionDuration[]>;
  /** An automation's review feedback rows, one per (automation version, visibility scope). */
  feedback(workspaceId: string, automationId: string): Promise<FeedbackRow[]>;
  /** The latest dismiss notes in these visibility scopes (`all`: every one), newest first. */
  dismissNotes(
    workspaceId: string,
    automationId: string,
    scopes: 'all' | string[],
    limit: number,
  ): Promise<(DismissNote & { scope: string })[]>;

  /** Creates an item as the open item of its dedup key (conditional on the head as `claim` says). */
  createItem(write: NewItemWrite): Promise<void>;
  /** One change of an item, conditional on `before`; a lost race throws WriteConflictError. */
  changeItem(write: ItemWrite): Promise<void>;
  /**
   * Like changeItem, for background actors: a lost race answers false. With `completes`, the webhook delivery's
   * answer is written in the same transaction (the delivery's last change: one request less); it is written only
   * if the change is.
   */
  changeItemIfCurrent(write: ItemWrite, completes?: WebhookCompletion): Promise<boolean>;
  /** Counts a dropped proposal and writes its events, in one transaction. */
  recordDropped(workspaceId: string, counters: CounterChange, events: OutEvent[]): Promise<void>;
  /**
   * Claims a webhook delivery by its id: `claimed` (process it), `done` with the first delivery's answer (a
   * repeat), or `busy` (a delivery with this id is being processed right now). A claim whose holder stopped
   * before completing it can be taken over after `leaseMs`.
   */
  claimWebhook(webhookId: string, now: Date, leaseMs: number): Promise<WebhookClaim>;
  /** Completes a claimed delivery with its answer, which every repeat then gets. */
  completeWebhook(webhookId: string, answer: WebhookAnswer, now: Date): Promise<void>;
  /**
   * Claims and completes at once, for a delivery that has nothing to change: `claimed` when this answer is now the
   * delivery's, else what `claimWebhook` says of the delivery that came first.
   */
  recordWebhookAnswer(webhookId: string, answer: WebhookAnswer, now: Date): Promise<WebhookClaim>;
}

export interface ItemWrite {
  /** The item as the caller read it: the write is conditional on its version and status. */
  before: ItemState | ReviewItem;
  after: ReviewItem;
  entry: HistoryEntry;
  counters?: CounterChange;
  /** The events the change publishes: written with it, published from the stream (the outbox). */
  events: OutEvent[];
  /** A proposal's read of its automation's listed name (ProposalReads): the name is written only if it changed. */
  listedName?: string | null;
}

export interface NewItemWrite {
  item: ReviewItem;
  entry: HistoryEntry;
  claim: HeadClaim;
  counters: CounterChange;
  events: OutEvent[];
  /** As in ItemWrite. */
  listedName?: string | null;
}

/** What ingest reads before it writes, in one request. */
export interface ProposalReads {
  /** The routing candidates (ReviewStorePort.candidates). */
  candidates: Member[];
  /** The name the proposal's automation is listed under (null: not listed yet): see ItemWrite. */
  listedName: string | null;
}

/** A caller's member record and the workspace's automation names, read in one request. */
export interface MemberAndNames {
  member: Member | undefined;
  /** Automation id → latest name; null when the names are incomplete (use the automation list). */
  names: Map<string, string> | null;
}

/** A claimed webhook delivery's answer, written with its last item change. */
export interface WebhookCompletion {
  webhookId: string;
  answer: WebhookAnswer;
  at: Date;
}

export type WebhookClaim = { kind: 'claimed' } | { kind: 'done'; answer: WebhookAnswer } | { kind: 'busy' };

/** What the email webhook answers (SPEC 6). */
export interface WebhookAnswer {
  resolved: number;
  stale: number;
}
