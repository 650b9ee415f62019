/**
 * The automations aggregate's reads (AutomationRepository): the workspace's automation list with its open counts,
 * and each automation's review stats, feedback and dismiss notes. Their counts are written from the item changes'
 * tallies (tallies.ts), their names by the item changes (item-change.ts).
 */

import { invalidCursor } from '../../errors.js';
import type {
  AutomationRepository,
  AutomationsPage,
  DecisionDuration,
  DismissNote,
  FeedbackRow,
  PageRequest,
  ScopeCounters,
} from '../../use-cases/ports.js';
import type { CursorKeySource } from '../cursor-keys.js';
import { counterKeys, parseCounters, parseDuration } from '../entities/automation-counters.js';
import { automationKeys, parseAutomationEntry } from '../entities/automation-entry.js';
import { feedbackKeys, parseFeedbackRow, parseNote } from '../entities/automation-feedback.js';
import { openCursor, sealCursor } from '../listing.js';
import type { Table } from '../table.js';

export class DynamoAutomationRepository implements AutomationRepository {
  constructor(
    private readonly table: Table,
    private readonly cursorKeys: CursorKeySource,
  ) {}

  async automations(
    workspaceId: string,
    viewer: string,
    page: PageRequest,
    withOwn: boolean,
  ): Promise<AutomationsPage> {
    const binding = JSON.stringify(['automations', workspaceId, viewer, withOwn]);
    const keys = await this.cursorKeys();
    let after: string | undefined;
    if (page.cursor !== undefined) {
      const opened = openCursor(page.cursor, binding, keys);
      if (typeof opened !== 'string' || !opened.startsWith(automationKeys.skPrefix) || opened.length > 1024)
        throw invalidCursor();
      after = opened;
    }
    const read = (pk: string) =>
      this.table.query({
        KeyConditionExpression: after ? 'pk = :pk AND sk > :after' : 'pk = :pk AND begins_with(sk, :a)',
        ExpressionAttributeValues: {
          ':pk': pk,
          ...(after ? { ':after': after } : { ':a': automationKeys.skPrefix }),
        },
        ConsistentRead: true,
        // Own rows are a subset of the workspace's, so as many of them cover the same stretch of ids.
        Limit: page.limit + 1,
      });
    const [all, own] = await Promise.all([
      read(automationKeys.workspacePk(workspaceId)),
      withOwn ? read(automationKeys.userPk(workspaceId, viewer)) : undefined,
    ]);
    const rows = (all.Items ?? []).slice(0, page.limit);
    const ownOpen = new Map(
      (own?.Items ?? []).map((row) => [String(row.sk), Math.max(0, Number(row.open ?? 0))] as const),
    );
    const more = (all.Items?.length ?? 0) > page.limit;
    return {
      automations: rows.map((row) => ({
        ...parseAutomationEntry(row),
        ownOpen: ownOpen.get(String(row.sk)) ?? 0,
      })),
      nextCursor: more ? sealCursor(String(rows.at(-1)?.sk), binding, keys) : null,
    };
  }

  /** An automation's counters, one row per visibility scope. */
  async counters(workspaceId: string, automationId: string): Promise<ScopeCounters[]> {
    const rows = await this.table.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :c)',
      ExpressionAttributeValues: {
        ':pk': counterKeys.statsPk(workspaceId, automationId),
        ':c': counterKeys.countersPrefix,
      },
      ConsistentRead: true,
    });
    return rows.map(parseCounters);
  }

  async decisionDurations(workspaceId: string, automationId: string): Promise<DecisionDuration[]> {
    const rows = await this.table.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :d)',
      ExpressionAttributeValues: {
        ':pk': counterKeys.statsPk(workspaceId, automationId),
        ':d': counterKeys.durationPrefix,
      },
      ConsistentRead: true,
    });
    return rows.map(parseDuration);
  }

  /** An automation's feedback rows, one per (automation version, visibility scope). */
  async feedback(workspaceId: string, automationId: string): Promise<FeedbackRow[]> {
    const rows = await this.table.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :f)',
      ExpressionAttributeValues: {
        ':pk': feedbackKeys.pk(workspaceId, automationId),
        ':f': feedbackKeys.countersPrefix,
      },
      ConsistentRead: true,
    });
    return rows.map(parseFeedbackRow);
  }

  /** The latest dismiss notes of an automation in these scopes (`all`: every scope), newest first. */
  async dismissNotes(
    workspaceId: string,
    automationId: string,
    scopes: 'all' | string[],
    limit: number,
  ): Promise<(DismissNote & { scope: string })[]> {
    const partitions = scopes === 'all' ? ['all'] : scopes;
    const pages = await Promise.all(
      partitions.map((scope) =>
        this.table.query({
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': feedbackKeys.notesPk(workspaceId, automationId, scope) },
          ScanIndexForward: false,
          Limit: limit,
          ConsistentRead: true,
        }),
      ),
    );
    return pages
      .flatMap((page) => (page.Items ?? []).map(parseNote))
      .sort((a, b) => (a.at === b.at ? b.itemId.localeCompare(a.itemId) : b.at.localeCompare(a.at)))
      .slice(0, limit);
  }
}
