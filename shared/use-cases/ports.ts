/**
 * The ports the use cases depend on, with the types they answer in: the store's repositories (one per aggregate:
 * members, items, automations, webhook deliveries), the SES mailer and the EventBridge publisher implement them;
 * tests may hand in other implementations. The DynamoDB repositories (shared/store/) map their records to these
 * types; a lost race is an ItemConflictError carrying the records as they stood.
 */

import type { Erasure, WorkspaceDeletion } from '../domain/erasure.js';
import type { ExecutedAs } from '../domain/primitives.js';
import type {
  Delegation,
  DismissReason,
  EscalationMark,
  HistoryEntry,
  Member,
  OverdueMark,
  RecordRef,
  ReviewItem,
  ReviewStatus,
} from '../domain/review-item.js';
import type { WorkspaceSettings } from '../domain/settings.js';
import type { DraftPreview } from '../drafts/index.js';
import { WriteConflictError } from '../errors.js';
import type { OutEvent } from '../events/out-events.js';

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

export interface MemberRepository {
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
}

export interface ItemReader {
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
  /** Open email drafts an email provider event can be about (spec 3, auto-resolve). */
  matchCandidates(workspaceId: string, keys: MatchKeys): Promise<ReviewItem[]>;
  /** Open record updates of a record (spec 3, drift and moot). */
  openRecordUpdates(workspaceId: string, record: RecordRef): Promise<ReviewItem[]>;
  /** Items due for a scheduled job: pending items past expiresAt, or items in `sending` since before `until`. */
  due(kind: DueKind, until: string, limit: number): Promise<ReviewItem[]>;
  getHead(workspaceId: string, dedupHash: string): Promise<DedupHead | undefined>;
}

export interface ItemWriter {
  /**
   * Creates an item as the open item of its dedup key (conditional on the head as `claim` says); a lost race
   * throws ItemConflictError.
   */
  createItem(write: NewItemWrite): Promise<void>;
  /** One change of an item, conditional on `before`; a lost race throws ItemConflictError. */
  changeItem(write: ItemWrite): Promise<void>;
  /**
   * Like changeItem, for background actors: a lost race answers false. With `completes`, the webhook delivery's
   * answer is written in the same transaction (the delivery's last change: one request less); it is written only
   * if the change is.
   */
  changeItemIfCurrent(write: ItemWrite, completes?: WebhookCompletion): Promise<boolean>;
  /** Counts a dropped proposal and writes its events, in one transaction. */
  recordDropped(workspaceId: string, counters: CounterChange, events: OutEvent[]): Promise<void>;
}

export interface AutomationRepository {
  /** The automations that have proposed in the workspace; `ownOpen` is the viewer's private runs' open items. */
  automations(
    workspaceId: string,
    viewer: string,
    page: PageRequest,
    withOwn: boolean,
  ): Promise<AutomationsPage>;
  /** An automation's counters, one row per visibility scope. */
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
}

export interface WebhookDeliveryRepository {
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

/** A workspace's settings (spec 3, Workspace settings): one versioned record. */
export interface SettingsReader {
  /** The stored settings, or the defaults at version 0. */
  getSettings(workspaceId: string): Promise<WorkspaceSettings>;
}

export interface SettingsWriter {
  /** Saves `settings` as version `expectedVersion + 1` if the stored version is still `expectedVersion`. */
  saveSettings(workspaceId: string, settings: WorkspaceSettings, expectedVersion: number): Promise<boolean>;
}

/** Which items wait for the overdue and escalation jobs: `fresh` (no mark), `overdue`, `escalated` (only that). */
export type WaitStage = 'fresh' | 'overdue' | 'escalated';

/** What the overdue and escalation jobs read (docs/table-design.md, "Overdue and escalation"). */
export interface WaitingReader {
  /** The workspaces that have had items (the jobs' registry), every one: a page per shard. */
  registeredWorkspaces(): Promise<string[]>;
  /** The settings of many workspaces at once (defaults for those that saved none). */
  settingsOf(workspaceIds: string[]): Promise<Map<string, WorkspaceSettings>>;
  /** A page of the open items of one stage created at or before `createdUntil`, oldest first. */
  waiting(
    workspaceId: string,
    stage: WaitStage,
    createdUntil: string,
    page: { limit: number; after?: Record<string, unknown> },
  ): Promise<{ items: ReviewItem[]; after?: Record<string, unknown> }>;
  /** The workspace's active admins (their user ids). */
  activeAdmins(workspaceId: string): Promise<string[]>;
}

/** A decided item not yet given its expiry: its id and when it was decided (the `decided` index's key). */
export interface DecidedItem {
  itemId: string;
  decidedAt: string;
}

/** What stamping a decided item's expiry did: how many records it stamped; `changed`: it lost a race, try later. */
export interface ExpiryStamp {
  stamped: number;
  changed?: boolean;
}

/** Retention (spec 3, "Data lifecycle"; docs/table-design.md, "Retention"). */
export interface RetentionRepository {
  /**
   * A page of a workspace's decided items, decided at or before `decidedUntil`, not yet stamped, oldest first, from
   * one of the index's shards: `turn` picks it (modulo their number), so runs that count up read each in turn.
   */
  decidedItems(
    workspaceId: string,
    turn: number,
    decidedUntil: string,
    page: { limit: number; after?: Record<string, unknown> },
  ): Promise<{ items: DecidedItem[]; after?: Record<string, unknown> }>;
  /**
   * Gives the decided item and every record holding its content `ttl` (epoch seconds), when DynamoDB deletes them,
   * and takes it out of the `decided` index.
   */
  stampExpiry(workspaceId: string, itemId: string, ttl: number): Promise<ExpiryStamp>;
}

/** Who is away in a workspace: one row per member with a delegation (ended ones too, until DELETE). */
export interface AwayReader {
  awayMembers(workspaceId: string): Promise<{ userId: string; delegation: Delegation }[]>;
}

/** Delegations (spec 3) and the jobs that walk a delegating member's queue. */
export interface DelegationRepository extends AwayReader {
  /**
   * Sets (or, undefined, removes) the member's delegation with its away row and its job, conditional on the member
   * record being as read and active; false when it changed meanwhile.
   */
  setDelegation(member: Member, delegation: Delegation | undefined, job: DelegationJob): Promise<boolean>;
  /** Jobs due by `until`, from the `due` index (eventually consistent: re-read each with getDelegationJob). */
  dueDelegationJobs(until: string, limit: number): Promise<DelegationJob[]>;
  getDelegationJob(workspaceId: string, userId: string): Promise<DelegationJob | undefined>;
  /** Saves the job's progress (or its next time), unless a newer delegation change replaced it: then false. */
  saveDelegationJob(job: DelegationJob): Promise<boolean>;
  /** Removes the job, unless a newer delegation change replaced it: then false. */
  finishDelegationJob(job: DelegationJob): Promise<boolean>;
  /** One page of the member's queue: the items' ids and where the next page starts (null: the last page). */
  queuePage(
    workspaceId: string,
    userId: string,
    cursor: QueueCursor | null,
    limit: number,
  ): Promise<QueuePage>;
  /** Items by id, in one request per 100 (strongly consistent). */
  getItems(workspaceId: string, itemIds: string[]): Promise<ReviewItem[]>;
}

/** A queue position, as DynamoDB continues a query from it. */
export interface QueueCursor {
  pk: string;
  sk: string;
}

export interface QueuePage {
  itemIds: string[];
  next: QueueCursor | null;
}

/** A walk of one member's queue that brings their open items in line with their delegation. */
export interface DelegationJob {
  workspaceId: string;
  userId: string;
  /** The delegation change the job serves: a newer change replaces the job, and the older walk stops. */
  jobId: string;
  /** When it is due: at once after a change; at the delegation's `until`, to end it. */
  dueAt: string;
  cursor: QueueCursor | null;
}

/** Erasure on request (spec 3, "Data lifecycle"): the requests, and the walk of a workspace's items. */
export interface ErasureReader {
  getErasure(workspaceId: string, erasureId: string): Promise<Erasure | undefined>;
}

export interface ErasureRepository extends ErasureReader {
  /** A new erasure, running. */
  createErasure(erasure: Erasure): Promise<void>;
  /** The walk's position and counts. */
  saveErasure(erasure: Erasure): Promise<void>;
  /** Finished: without its target, with its audit entry and its event, at once. */
  completeErasure(erasure: Erasure, event: OutEvent, at: Date): Promise<void>;
  /** A page of one tenant index shard of the workspace's items, and where the shard continues (none: walked). */
  tenantItemsPage(
    workspaceId: string,
    shard: number,
    from: Record<string, unknown> | undefined,
    limit: number,
  ): Promise<{ items: ReviewItem[]; next?: Record<string, unknown> }>;
  /** Erases the item with everything derived from it; answers the records deleted. */
  eraseItem(item: ReviewItem, erasureId: string, at: Date): Promise<number>;
  /** A workspace deletion begins (false: one was begun before). */
  startDeletion(deletion: WorkspaceDeletion): Promise<boolean>;
  /** The running workspace deletions and erasures, each oldest first (one read for both). */
  duePrivacyWork(limit: number): Promise<{ deletions: WorkspaceDeletion[]; erasures: Erasure[] }>;
  /** The deletion's position and counts; when completed, also the workspace out of the jobs' registry. */
  saveDeletion(deletion: WorkspaceDeletion): Promise<void>;
  /** Deletes a page of one tenant index shard of the workspace's records. */
  deleteTenantPage(
    workspaceId: string,
    shard: number,
    from: Record<string, unknown> | undefined,
    limit: number,
  ): Promise<{ deleted: number; next?: Record<string, unknown> }>;
}

/** What the read side sees: no writer's code comes with it. */
export type ReadStorePort = MemberRepository &
  ItemReader &
  AutomationRepository &
  SettingsReader &
  AwayReader &
  ErasureReader;

/** Every repository, as one store. */
export type ReviewStorePort = ReadStorePort &
  ItemWriter &
  WebhookDeliveryRepository &
  SettingsWriter &
  WaitingReader &
  DelegationRepository &
  RetentionRepository &
  ErasureRepository;

/**
 * An item change lost a race: a condition failed (another change came first), or other transactions kept holding
 * its records. Carries the records whose conditions failed, parsed, as DynamoDB returned them (undefined: that
 * record's condition held, or DynamoDB did not return it), so the caller continues from them without a read.
 */
export class ItemConflictError extends WriteConflictError {
  /** The item as the change that won left it. */
  readonly current?: ReviewItem;
  /** The dedup key's head as it stood. */
  readonly head?: DedupHead;
  /** The name the automation was listed under (null: not listed), when its entry's condition failed. */
  readonly listedName?: string | null;

  constructor(
    lost: WriteConflictError,
    found: { current?: ReviewItem; head?: DedupHead; listedName?: string | null },
  ) {
    super(lost.message, lost.reasons, { cause: lost });
    this.name = 'ItemConflictError';
    this.oldRecords = lost.oldRecords;
    if (found.current !== undefined) this.current = found.current;
    if (found.head !== undefined) this.head = found.head;
    if (found.listedName !== undefined) this.listedName = found.listedName;
  }
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
  /** The routing candidates (MemberRepository.candidates). */
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

/** What the email webhook answers (spec 6). */
export interface WebhookAnswer {
  resolved: number;
  stale: number;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageRequest {
  limit: number;
  cursor?: string;
}

/** A list row: the item without its bodies (the draft's preview). */
export type ItemSummary = Omit<ReviewItem, 'draft'> & { draft: DraftPreview };

/** The scheduled jobs' due lists: pending items by expiresAt, `sending` by claim time, `applying` by retry time. */
export type DueKind = 'EXPIRY' | 'SENDING' | 'APPLY' | 'HOLD';

/**
 * What a change needs to know about the item before it: enough to write the item conditionally and to take it
 * out of every list it was in. Built from the item or from its dedup head, which mirrors it (stateOfHead).
 */
export interface ItemState {
  id: string;
  workspaceId: string;
  version: number;
  status: ReviewStatus;
  reviewers: string[];
  holdsKey: boolean;
  createdAt: string;
  updatedAt: string;
  dedupHash: string;
  automationId: string;
  executedAs: ExecutedAs;
  records: RecordRef[];
  sendAttempt?: { id: string };
  /** The item's time marks: a replacement keeps them, and the overdue counts follow `overdue`. */
  overdue?: OverdueMark;
  escalated?: EscalationMark;
}

/**
 * The head of a dedup key: which item is the key's open item and the newest proposal seen for it. It mirrors its
 * open item's version and reviewers, so a replacement can be written from the head alone, conditional on both.
 */
export interface DedupHead {
  itemId: string;
  version: number;
  reviewers: string[];
  createdAt: string;
  proposedAt: string;
  runId: string;
  open: boolean;
  /** The key's item is scheduled under a send hold (spec 3): a replacement cancels the hold. */
  held?: boolean;
  /** The open item's expiresAt: a proposal for an expired item starts a new item instead of replacing it. */
  expiresAt?: string;
  /** The rest of the open item's state a replacement needs to move it out of its lists (ItemState). */
  automationId: string;
  executedAs: ExecutedAs;
  /** The open item's last change: a replacement's time is never before it. */
  updatedAt: string;
  records: RecordRef[];
  /** The open item's reviewers changed by hand: a replacement keeps them so (spec 3, Reassign). */
  reviewerChanges?: { added: string[]; removed: string[] };
  /** The open item's time marks: a replacement keeps them (spec 3, Overdue and escalation). */
  overdue?: OverdueMark;
  escalated?: EscalationMark;
}

/** How a new item takes its dedup key: the key is new, or its head is closed (as read). */
export type HeadClaim = { kind: 'new' } | { kind: 'closed'; head: DedupHead };

/** The open item's state, as its head mirrors it: what a replacement writes conditionally on. */
export function stateOfHead(workspaceId: string, dedupHash: string, head: DedupHead): ItemState {
  return {
    id: head.itemId,
    workspaceId,
    version: head.version,
    // The key's item is open, or scheduled under a send hold (which a replacement cancels).
    status: head.held ? 'scheduled' : 'pending',
    reviewers: head.reviewers,
    holdsKey: true,
    createdAt: head.createdAt,
    dedupHash,
    automationId: head.automationId,
    executedAs: head.executedAs,
    updatedAt: head.updatedAt,
    records: head.records,
    ...(head.overdue ? { overdue: head.overdue } : {}),
    ...(head.escalated ? { escalated: head.escalated } : {}),
  };
}

/** A reviewer's pending count, in all and per automation. */
export interface QueueCounts {
  pending: number;
  /** Of them, overdue (spec 3, Overdue and escalation). */
  overdue: number;
  byAutomation: { automationId: string; automationName: string | null; count: number }[];
}

/** An automation's review stats counters (docs/review-stats.md). */
export const COUNTER_NAMES = [
  'proposed',
  'replaced',
  'approvedAsProposed',
  'approvedAfterEdits',
  'dismissed',
  'resolvedElsewhere',
  'expired',
  'dropped',
] as const;
export type CounterName = (typeof COUNTER_NAMES)[number];

/** What a change adds to its automation's review stats. */
export interface CounterChange {
  automationId: string;
  /** Who the run executed as: counters are kept per visibility scope. */
  executedAs: ExecutedAs;
  automationName?: string;
  add: Partial<Record<CounterName, number>>;
  /** A decided item's time from creation to decision, kept for the median. */
  decision?: { itemId: string; seconds: number; executedAsUserId: string | null };
}

/** One scope's counters of an automation. */
export type ScopeCounters = { scope: string; automationName?: string } & Partial<Record<CounterName, number>>;

export type DecisionDuration = { seconds: number; executedAsUserId: string | null };

/** An automation as the workspace lists it, with its open counts. */
export interface AutomationEntry {
  automationId: string;
  automationName?: string;
  listedName?: string;
  openAll?: number;
  openWorkspace?: number;
  open?: number;
}

/** An automation's review feedback counters (docs/review-feedback.md). */
export const FEEDBACK_COUNTERS = [
  'proposed',
  'replaced',
  'approvedAsProposed',
  'approvedAfterEdits',
  'dismissed',
  'resolved',
  'expired',
  'stale',
  'edits',
  'bodyEdits',
  'bodyChangeRatioSum',
  'addressesAdded',
  'addressesRemoved',
  'subjectChanged',
  'changesEdited',
  'changesLeftOut',
] as const;
export type FeedbackCounter = (typeof FEEDBACK_COUNTERS)[number];

/** A feedback row's counts besides FEEDBACK_COUNTERS: edits per field and dismissals per reason, by these prefixes. */
export const FIELD_PREFIX = 'field:';
export const REASON_PREFIX = 'reason:';
/**
 * Trust counts per step and draft type (spec 3, "Trust"): decisions as `trust:d:<draftType>:<stepId>`, those that
 * needed a human as `trust:h:...`, of which dismissals as `trust:x:...` (a draft type never holds a colon; a step id
 * may).
 */
export const TRUST_DECISIONS_PREFIX = 'trust:d:';
export const TRUST_HUMAN_PREFIX = 'trust:h:';
export const TRUST_DISMISSED_PREFIX = 'trust:x:';
/** The `<draftType>:<stepId>` part of a trust counter's name, and back. */
export const trustPart = (draftType: string, stepId: string): string => `${draftType}:${stepId}`;
export function stepOfTrustPart(part: string): { draftType: string; stepId: string } {
  const colon = part.indexOf(':');
  return { draftType: part.slice(0, colon), stepId: part.slice(colon + 1) };
}

/** One (version, scope) row: its identity and every counter it holds (fields and reasons by their prefixes). */
export interface FeedbackRow {
  automationVersion: string | null;
  scope: string;
  automationName?: string;
  firstAt?: string;
  lastAt?: string;
  counts: Record<string, number>;
}

export interface DismissNote {
  itemId: string;
  automationVersion: string | null;
  reason: DismissReason | null;
  note: string;
  by: string;
  at: string;
}
