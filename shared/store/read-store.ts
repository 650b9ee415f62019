/**
 * The store's read side as one object over its repositories (repositories/), for callers that hold one `store`:
 * the use cases' Deps and the tests. The read functions are built with it and so carry none of the writers' code;
 * ReviewStore (review-store.ts) adds the writers. docs/table-design.md maps each access pattern to its keys and
 * its requests.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Member, RecordRef } from '../domain/review-item.js';
import type {
  DueKind,
  ItemSummary,
  ListSpec,
  MatchKeys,
  PageRequest,
  ReadStorePort,
} from '../use-cases/ports.js';
import { type CursorKeySource, processCursorKeys } from './cursor-keys.js';
import { DynamoAutomationRepository } from './repositories/automations.js';
import { DynamoAwayReader } from './repositories/away.js';
import { DynamoErasureReader } from './repositories/erasures.js';
import { DynamoItemReader } from './repositories/item-reader.js';
import { DynamoMemberRepository } from './repositories/members.js';
import { DynamoSettingsReader } from './repositories/settings.js';
import { Table } from './table.js';

export interface StoreOptions {
  cursorKeys?: CursorKeySource;
}

export class ReadStore implements ReadStorePort {
  protected readonly table: Table;
  readonly #members: DynamoMemberRepository;
  readonly #items: DynamoItemReader;
  readonly #automations: DynamoAutomationRepository;
  readonly #settings: DynamoSettingsReader;
  readonly #away: DynamoAwayReader;
  readonly #erasures: DynamoErasureReader;

  /** `cursorKeys`: the key ring list cursors are signed with (wiring.ts); a key of this process's own if none. */
  constructor(db: DynamoDBDocumentClient, tableName: string, options: StoreOptions = {}) {
    this.table = new Table(db, tableName);
    const cursorKeys = options.cursorKeys ?? processCursorKeys;
    this.#members = new DynamoMemberRepository(this.table);
    this.#items = new DynamoItemReader(this.table, cursorKeys);
    this.#automations = new DynamoAutomationRepository(this.table, cursorKeys);
    this.#settings = new DynamoSettingsReader(this.table);
    this.#away = new DynamoAwayReader(this.table);
    this.#erasures = new DynamoErasureReader(this.table);
  }

  // ---------------------------------------------------------------- members

  getMember(workspaceId: string, userId: string) {
    return this.#members.getMember(workspaceId, userId);
  }
  saveMemberIfNewer(member: Member) {
    return this.#members.saveMemberIfNewer(member);
  }
  candidates(workspaceId: string, userIds: string[], mailboxes: string[]) {
    return this.#members.candidates(workspaceId, userIds, mailboxes);
  }
  proposalReads(workspaceId: string, userIds: string[], mailboxes: string[], automationId: string) {
    return this.#members.proposalReads(workspaceId, userIds, mailboxes, automationId);
  }
  memberAndNames(workspaceId: string, userId: string) {
    return this.#members.memberAndNames(workspaceId, userId);
  }

  awayMembers(workspaceId: string) {
    return this.#away.awayMembers(workspaceId);
  }

  // ---------------------------------------------------------------- items

  getItem(workspaceId: string, itemId: string) {
    return this.#items.getItem(workspaceId, itemId);
  }
  getHistory(workspaceId: string, itemId: string) {
    return this.#items.getHistory(workspaceId, itemId);
  }
  listItems(
    workspaceId: string,
    viewer: string,
    spec: ListSpec,
    page: PageRequest,
    accept: (item: ItemSummary) => boolean,
  ) {
    return this.#items.listItems(workspaceId, viewer, spec, page, accept);
  }
  queueCounts(workspaceId: string, userId: string) {
    return this.#items.queueCounts(workspaceId, userId);
  }
  matchCandidates(workspaceId: string, keys: MatchKeys) {
    return this.#items.matchCandidates(workspaceId, keys);
  }
  openRecordUpdates(workspaceId: string, record: RecordRef) {
    return this.#items.openRecordUpdates(workspaceId, record);
  }
  due(kind: DueKind, until: string, limit: number) {
    return this.#items.due(kind, until, limit);
  }
  getHead(workspaceId: string, dedupHash: string) {
    return this.#items.getHead(workspaceId, dedupHash);
  }

  // ---------------------------------------------------------------- automations

  automations(workspaceId: string, viewer: string, page: PageRequest, withOwn: boolean) {
    return this.#automations.automations(workspaceId, viewer, page, withOwn);
  }
  counters(workspaceId: string, automationId: string) {
    return this.#automations.counters(workspaceId, automationId);
  }
  decisionDurations(workspaceId: string, automationId: string) {
    return this.#automations.decisionDurations(workspaceId, automationId);
  }
  feedback(workspaceId: string, automationId: string) {
    return this.#automations.feedback(workspaceId, automationId);
  }
  dismissNotes(workspaceId: string, automationId: string, scopes: 'all' | string[], limit: number) {
    return this.#automations.dismissNotes(workspaceId, automationId, scopes, limit);
  }

  // ---------------------------------------------------------------- settings

  getSettings(workspaceId: string) {
    return this.#settings.getSettings(workspaceId);
  }

  // ---------------------------------------------------------------- erasures

  getErasure(workspaceId: string, erasureId: string) {
    return this.#erasures.getErasure(workspaceId, erasureId);
  }
}
