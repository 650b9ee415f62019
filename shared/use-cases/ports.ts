/**
 * The ports the use cases depend on. The DynamoDB store (shared/store/review-store.ts), the SES mailer and the
 * EventBridge publisher implement them; tests may hand in other implementations.
 */
import type { HistoryEntry, Member, ReviewItem } from '../domain/review-item.js';
import type {
  CounterChange,
  DecisionDuration,
  ScopeCounters,
} from '../store/entities/automation-counters.js';
import type { DedupHead, HeadClaim } from '../store/entities/dedup-head.js';
import type { ItemSummary } from '../store/entities/queue-entry.js';
import type { DueKind, ItemState } from '../store/entities/review-item.js';
import type { Page, PageRequest } from '../store/pages.js';

export interface ReviewStorePort {
  getMember(workspaceId: string, userId: string): Promise<Member | undefined>;
  listMembers(workspaceId: string): Promise<Member[]>;
  saveMemberIfNewer(member: Member): Promise<boolean>;

  getItem(workspaceId: string, itemId: string): Promise<ReviewItem | undefined>;
  getHistory(workspaceId: string, itemId: string): Promise<HistoryEntry[]>;
  listQueue(
    workspaceId: string,
    userId: string,
    page: PageRequest,
    accept: (item: ItemSummary) => boolean,
    automationId?: string,
  ): Promise<Page<ItemSummary>>;
  listWholeQueue(workspaceId: string, userId: string): Promise<ItemSummary[]>;
  listOpen(
    workspaceId: string,
    page: PageRequest,
    accept: (item: ItemSummary) => boolean,
    filter?: { expression: string; values: Record<string, unknown>; names?: Record<string, string> },
  ): Promise<Page<ItemSummary>>;
  openItemsFrom(workspaceId: string, mailbox: string): Promise<ReviewItem[]>;
  due(kind: DueKind, until: string, limit: number): Promise<ReviewItem[]>;
  getHead(workspaceId: string, dedupHash: string): Promise<DedupHead | undefined>;
  counters(workspaceId: string, automationId: string): Promise<ScopeCounters[]>;
  decisionDurations(workspaceId: string, automationId: string): Promise<DecisionDuration[]>;

  createItem(item: ReviewItem, entry: HistoryEntry, claim: HeadClaim, counters: CounterChange): Promise<void>;
  changeItem(
    before: ItemState,
    after: ReviewItem,
    entry: HistoryEntry,
    counters?: CounterChange,
  ): Promise<void>;
  changeItemIfCurrent(
    before: ItemState,
    after: ReviewItem,
    entry: HistoryEntry,
    counters?: CounterChange,
  ): Promise<boolean>;
  recordDropped(workspaceId: string, counters: CounterChange): Promise<void>;
  webhookSeen(workspaceId: string, webhookId: string): Promise<boolean>;
  recordWebhook(workspaceId: string, webhookId: string, at: Date, resolved: number): Promise<void>;
}
