/**
 * The whole store as one object: the read side (read-store.ts) with the item writer and the webhook deliveries.
 * The DynamoDB implementation of the use cases' ports (shared/use-cases/ports.ts), one repository per aggregate
 * (repositories/); each entity has its own module under entities/ (keys, record schema parsed on read, named
 * conditions); every item change is the one transaction built by item-change.ts.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Erasure, WorkspaceDeletion } from '../domain/erasure.js';
import type { Delegation, Member, ReviewItem } from '../domain/review-item.js';
import type { WorkspaceSettings } from '../domain/settings.js';
import type { OutEvent } from '../events/out-events.js';
import type {
  CounterChange,
  DelegationJob,
  ItemWrite,
  NewItemWrite,
  QueueCursor,
  ReviewStorePort,
  WaitStage,
  WebhookAnswer,
  WebhookCompletion,
} from '../use-cases/ports.js';
import { ReadStore, type StoreOptions } from './read-store.js';
import { DynamoDelegationRepository } from './repositories/delegations.js';
import { DynamoItemWriter } from './repositories/item-writer.js';
import { DynamoPrivacyRepository } from './repositories/privacy.js';
import { DynamoRetentionRepository } from './repositories/retention.js';
import { DynamoSettingsRepository } from './repositories/settings.js';
import { DynamoWaitingReader } from './repositories/waiting.js';
import { DynamoWebhookDeliveryRepository } from './repositories/webhook-deliveries.js';

export class ReviewStore extends ReadStore implements ReviewStorePort {
  readonly #items: DynamoItemWriter;
  readonly #webhooks: DynamoWebhookDeliveryRepository;
  readonly #settingsWriter: DynamoSettingsRepository;
  readonly #waiting: DynamoWaitingReader;
  readonly #delegations: DynamoDelegationRepository;
  readonly #retention: DynamoRetentionRepository;
  readonly #privacy: DynamoPrivacyRepository;

  constructor(db: DynamoDBDocumentClient, tableName: string, options: StoreOptions = {}) {
    super(db, tableName, options);
    this.#webhooks = new DynamoWebhookDeliveryRepository(this.table);
    this.#items = new DynamoItemWriter(this.table, this.#webhooks);
    this.#settingsWriter = new DynamoSettingsRepository(this.table);
    this.#waiting = new DynamoWaitingReader(this.table);
    this.#delegations = new DynamoDelegationRepository(this.table);
    this.#retention = new DynamoRetentionRepository(this.table);
    this.#privacy = new DynamoPrivacyRepository(this.table);
  }

  // ---------------------------------------------------------------- item changes

  createItem(write: NewItemWrite) {
    return this.#items.createItem(write);
  }
  changeItem(write: ItemWrite) {
    return this.#items.changeItem(write);
  }
  changeItemIfCurrent(write: ItemWrite, completes?: WebhookCompletion) {
    return this.#items.changeItemIfCurrent(write, completes);
  }
  recordDropped(workspaceId: string, counters: CounterChange, events: OutEvent[]) {
    return this.#items.recordDropped(workspaceId, counters, events);
  }

  // ---------------------------------------------------------------- delegations

  setDelegation(member: Member, delegation: Delegation | undefined, job: DelegationJob) {
    return this.#delegations.setDelegation(member, delegation, job);
  }
  dueDelegationJobs(until: string, limit: number) {
    return this.#delegations.dueDelegationJobs(until, limit);
  }
  getDelegationJob(workspaceId: string, userId: string) {
    return this.#delegations.getDelegationJob(workspaceId, userId);
  }
  saveDelegationJob(job: DelegationJob) {
    return this.#delegations.saveDelegationJob(job);
  }
  finishDelegationJob(job: DelegationJob) {
    return this.#delegations.finishDelegationJob(job);
  }
  queuePage(workspaceId: string, userId: string, cursor: QueueCursor | null, limit: number) {
    return this.#delegations.queuePage(workspaceId, userId, cursor, limit);
  }
  getItems(workspaceId: string, itemIds: string[]) {
    return this.#delegations.getItems(workspaceId, itemIds);
  }

  // ---------------------------------------------------------------- webhook deliveries

  claimWebhook(webhookId: string, now: Date, leaseMs: number) {
    return this.#webhooks.claimWebhook(webhookId, now, leaseMs);
  }
  completeWebhook(webhookId: string, answer: WebhookAnswer, now: Date) {
    return this.#webhooks.completeWebhook(webhookId, answer, now);
  }
  recordWebhookAnswer(webhookId: string, answer: WebhookAnswer, now: Date) {
    return this.#webhooks.recordWebhookAnswer(webhookId, answer, now);
  }

  // ---------------------------------------------------------------- settings and the overdue jobs

  saveSettings(workspaceId: string, settings: WorkspaceSettings, expectedVersion: number) {
    return this.#settingsWriter.saveSettings(workspaceId, settings, expectedVersion);
  }
  registeredWorkspaces() {
    return this.#waiting.registeredWorkspaces();
  }
  settingsOf(workspaceIds: string[]) {
    return this.#waiting.settingsOf(workspaceIds);
  }
  waiting(
    workspaceId: string,
    stage: WaitStage,
    createdUntil: string,
    page: { limit: number; after?: Record<string, unknown> },
  ) {
    return this.#waiting.waiting(workspaceId, stage, createdUntil, page);
  }
  activeAdmins(workspaceId: string) {
    return this.#waiting.activeAdmins(workspaceId);
  }

  // ---------------------------------------------------------------- retention

  decidedItems(
    workspaceId: string,
    turn: number,
    decidedUntil: string,
    page: { limit: number; after?: Record<string, unknown> },
  ) {
    return this.#retention.decidedItems(workspaceId, turn, decidedUntil, page);
  }
  stampExpiry(workspaceId: string, itemId: string, ttl: number) {
    return this.#retention.stampExpiry(workspaceId, itemId, ttl);
  }

  // ---------------------------------------------------------------- erasures

  createErasure(erasure: Erasure) {
    return this.#privacy.createErasure(erasure);
  }
  saveErasure(erasure: Erasure) {
    return this.#privacy.saveErasure(erasure);
  }
  completeErasure(erasure: Erasure, event: OutEvent, at: Date) {
    return this.#privacy.completeErasure(erasure, event, at);
  }
  tenantItemsPage(
    workspaceId: string,
    shard: number,
    from: Record<string, unknown> | undefined,
    limit: number,
  ) {
    return this.#privacy.tenantItemsPage(workspaceId, shard, from, limit);
  }
  eraseItem(item: ReviewItem, erasureId: string, at: Date) {
    return this.#privacy.eraseItem(item, erasureId, at);
  }
  startDeletion(deletion: WorkspaceDeletion) {
    return this.#privacy.startDeletion(deletion);
  }
  duePrivacyWork(limit: number) {
    return this.#privacy.duePrivacyWork(limit);
  }
  saveDeletion(deletion: WorkspaceDeletion) {
    return this.#privacy.saveDeletion(deletion);
  }
  deleteTenantPage(
    workspaceId: string,
    shard: number,
    from: Record<string, unknown> | undefined,
    limit: number,
  ) {
    return this.#privacy.deleteTenantPage(workspaceId, shard, from, limit);
  }
}
