/**
 * The list of open items an agent asks for (the MCP tool list_review_items): the list use cases of read-items.ts,
 * with an automation given by name and the filters those do not apply themselves (name, status, and on a
 * record: automation and scope) applied to what they answer. Each round asks only for what is still missing, so a
 * page never holds more than `limit` and the cursor never skips an item.
 */
import type { ReviewStatus } from '../domain/review-item.js';
import type { Caller } from '../http/request.js';
import type { ListQuery } from '../http/requests.js';
import { listRecordItems, listReviewItems, noListFor, type ReadDeps, type Viewer } from './read-items.js';

export interface ListByNameQuery {
  /** Only items of this automation. */
  automationId?: string;
  /** Only items of automations whose latest name contains this text, ignoring case. */
  automationName?: string;
  /** With recordId: only items about this record. */
  recordType?: string;
  recordId?: string;
  status?: ReviewStatus;
  /**
   * Default: workspace with an automation or a record (what list_automations counts as open for the caller), else
   * mine.
   */
  scope?: ListQuery['scope'];
  limit: number;
  cursor?: string;
}

/** At most this many use-case pages per list call when filters the store cannot apply thin the pages out. */
const MAX_LIST_ROUNDS = 5;

/**
 * Automations of one name whose lists are merged by partition; a name shared by more is listed through the whole
 * list with the name filtered (MAX_LIST_ROUNDS pages at most).
 */
const MAX_NAMED_AUTOMATIONS = 4;

/** Pages of the automation list it may read to turn a name into ids (each page is one request, 100 automations). */
const MAX_AUTOMATION_PAGES = 5;

export async function listByName(deps: ReadDeps, caller: Caller, asked: ListByNameQuery) {
  const query = { ...asked, scope: asked.scope ?? defaultScope(asked) };
  if (query.automationName !== undefined && query.automationId === undefined) {
    // By name (spec 8, flat at scale): the caller's member record and the workspace's automation names in one
    // request, then the list by id, which costs what it costs for an id whatever the queue holds (3 requests in all
    // for a member's workspace view). Several automations of that name: filter by name.
    const viewer = await deps.store.memberAndNames(caller.workspaceId, caller.userId);
    if (!viewer.member?.active) return noListFor(query);
    const ids = viewer.names
      ? idsNamed(viewer.names, query.automationName)
      : await automationIdsNamed(deps, caller, query.automationName);
    if (ids.length === 0) return { items: [], nextCursor: null };
    if (ids.length === 1)
      return listFiltered(
        deps,
        caller,
        { ...query, automationId: ids[0], automationName: undefined },
        viewer,
      );
    // Several automations of that name: their lists merged newest first (a partition per automation and
    // visibility scope), so the cost grows with the automations named, never with the queue.
    if (ids.length <= MAX_NAMED_AUTOMATIONS)
      return listFiltered(deps, caller, { ...query, automationName: undefined }, viewer, ids);
    return listFiltered(deps, caller, query, viewer);
  }
  return listFiltered(deps, caller, query);
}

/** An agent asking for an automation's or a record's items means every open one it may see, not only its queue. */
function defaultScope(query: ListByNameQuery): ListQuery['scope'] {
  const byAutomation = query.automationId !== undefined || query.automationName !== undefined;
  const byRecord = query.recordType !== undefined && query.recordId !== undefined;
  return byAutomation || byRecord ? 'workspace' : 'mine';
}

/** The ids of the automations whose latest name contains `name`, ignoring case. */
function idsNamed(names: Map<string, string>, name: string): string[] {
  const wanted = name.toLowerCase();
  return [...names]
    .filter(([, latest]) => latest.toLowerCase().includes(wanted))
    .map(([id]) => id)
    .sort();
}

/**
 * The same through the automation list, when the workspace's names are incomplete (a names shard reached
 * DynamoDB's item size: store/entities/automation-names.ts).
 */
async function automationIdsNamed(deps: ReadDeps, caller: Caller, name: string): Promise<string[]> {
  const names = new Map<string, string>();
  let cursor: string | undefined;
  for (let page = 0; page < MAX_AUTOMATION_PAGES; page++) {
    const result = await deps.store.automations(
      caller.workspaceId,
      caller.userId,
      { limit: 100, ...(cursor ? { cursor } : {}) },
      false,
    );
    for (const entry of result.automations)
      if (entry.automationName !== undefined) names.set(entry.automationId, entry.automationName);
    if (!result.nextCursor) break;
    cursor = result.nextCursor;
  }
  return idsNamed(names, name);
}

async function listFiltered(
  deps: ReadDeps,
  caller: Caller,
  query: ListByNameQuery & { scope: ListQuery['scope'] },
  viewer?: Viewer,
  automationIds?: string[],
) {
  const record =
    query.recordType && query.recordId ? { type: query.recordType, id: query.recordId } : undefined;
  const { scope } = query;
  const name = query.automationName?.toLowerCase();
  type Listed = Awaited<ReturnType<typeof listReviewItems>>['items'][number];
  const wanted = (item: Listed) =>
    (name === undefined || (item.origin.automationName ?? '').toLowerCase().includes(name)) &&
    (query.status === undefined || item.status === query.status) &&
    (!record || query.automationId === undefined || item.origin.automationId === query.automationId) &&
    (!record || automationIds === undefined || automationIds.includes(item.origin.automationId)) &&
    (!record || scope === 'workspace' || item.reviewers.includes(caller.userId));

  const items: Listed[] = [];
  let cursor = query.cursor;
  for (let round = 1; ; round++) {
    const page = { limit: query.limit - items.length, ...(cursor ? { cursor } : {}) };
    const result = record
      ? await listRecordItems(deps, caller, record, page, viewer)
      : await listReviewItems(
          deps,
          caller,
          { ...page, scope, automationId: query.automationId, ...(automationIds ? { automationIds } : {}) },
          viewer,
        );
    items.push(...result.items.filter(wanted));
    if (result.nextCursor === null || items.length >= query.limit || round >= MAX_LIST_ROUNDS) {
      return { items, nextCursor: result.nextCursor };
    }
    cursor = result.nextCursor;
  }
}
