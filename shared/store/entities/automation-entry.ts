/**
 * `AutomationEntry` records: the automations that have proposed in a workspace (GET /automations), each with its
 * latest name and its open items:
 * - `WS#<ws>#AUTOS` / `A#<automationId>`: every automation of the workspace, `openAll` (every open item) and
 *   `openWorkspace` (open items of workspace runs, which every member may see);
 * - `WS#<ws>#AUTOS#U#<userId>` / `A#<automationId>`: `open` items of runs executed as that user.
 * An admin's counts are `openAll`; a member's are `openWorkspace` plus their own row's `open`. The counts are
 * counted from each change's tally (entities/tally.ts), outside the change's transaction.
 * The workspace entry's `automationName` and `listedName` are the name the automation's names shard holds
 * (automation-names.ts): a proposal that brings another name than the one it read writes both in its transaction,
 * conditional on `listedName` being what it read (a lost race returns the entry: ALL_OLD); one that brings the listed
 * name leaves the entry alone, so the proposals of one automation do not all write this record. Of two racing
 * proposals with different names, the name of the one that wrote last is listed.
 */

import * as z from 'zod/mini';
import type { AutomationEntry } from '../../use-cases/ports.js';
import { escapeKeySegment, tenant } from '../key-parts.js';
import type { Attributes, TableKey } from '../table.js';
import { parseRecord } from './record-schemas.js';
import type { CounterWrite } from './tally.js';

export const AUTOMATION_ENTITY = 'AutomationEntry';

export const automationKeys = {
  workspacePk: (workspaceId: string) => `${tenant(workspaceId)}#AUTOS`,
  userPk: (workspaceId: string, userId: string) =>
    `${tenant(workspaceId)}#AUTOS#U#${escapeKeySegment(userId)}`,
  sk: (automationId: string) => `A#${escapeKeySegment(automationId)}`,
  skPrefix: 'A#',
  workspaceEntry: (workspaceId: string, automationId: string): TableKey => ({
    pk: automationKeys.workspacePk(workspaceId),
    sk: automationKeys.sk(automationId),
  }),
  userEntry: (workspaceId: string, userId: string, automationId: string): TableKey => ({
    pk: automationKeys.userPk(workspaceId, userId),
    sk: automationKeys.sk(automationId),
  }),
};

/** What one change does to one automation's entries. */
export interface AutomationChange {
  automationId: string;
  /** Set on proposals: the automation's latest name. */
  name?: string;
  /**
   * With `name`: the entry's `listedName` as the proposer read it (null: none). Undefined: not read, so the name is
   * written to the entry and its shard unconditionally.
   */
  listedName?: string | null;
  /** The run's user for a private run; null for a workspace run. */
  userId: string | null;
  openDelta: number;
}

/** What a change does to the automation's open counts, as tally writes (entities/tally.ts). */
export function automationCountWrites(workspaceId: string, change: AutomationChange): CounterWrite[] {
  const set: Attributes = { entity: AUTOMATION_ENTITY, automationId: change.automationId };
  const delta = change.openDelta;
  const writes: CounterWrite[] = [
    {
      key: automationKeys.workspaceEntry(workspaceId, change.automationId),
      set,
      add: delta === 0 ? {} : { openAll: delta, ...(change.userId ? {} : { openWorkspace: delta }) },
    },
  ];
  if (change.userId)
    writes.push({
      key: automationKeys.userEntry(workspaceId, change.userId, change.automationId),
      set,
      add: delta === 0 ? {} : { open: delta },
    });
  return writes;
}

/**
 * A proposal that brings another name than the entry lists: the entry's name and `listedName`, written in the
 * change's transaction with its names shard (automation-names.ts), conditional on the entry still listing what the
 * proposer read. Undefined when the change brings the listed name (or none): then the change's transaction does not
 * touch the entry at all.
 */
export function automationNameUpdate(tableName: string, workspaceId: string, change: AutomationChange) {
  const listing = listingOf(change);
  if (!listing.writes || change.name === undefined) return undefined;
  return {
    TableName: tableName,
    Key: automationKeys.workspaceEntry(workspaceId, change.automationId),
    UpdateExpression: 'SET entity = :entity, automationId = :id, automationName = :name, listedName = :name',
    ...(listing.condition
      ? { ConditionExpression: listing.condition, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const }
      : {}),
    ExpressionAttributeValues: {
      ':entity': AUTOMATION_ENTITY,
      ':id': change.automationId,
      ':name': change.name,
      ...(listing.listed === undefined ? {} : { ':listed': listing.listed }),
    },
  };
}

/**
 * What a change does to the listed name: `writes` when it brings a name other than the one it read (or did not
 * read one), with the condition that the entry still lists what it read.
 */
export function listingOf(change: AutomationChange): {
  writes: boolean;
  condition?: string;
  listed?: string;
} {
  if (change.name === undefined) return { writes: false };
  if (change.listedName === undefined) return { writes: true };
  if (change.listedName === change.name) return { writes: false };
  if (change.listedName === null) return { writes: true, condition: 'attribute_not_exists(listedName)' };
  return { writes: true, condition: 'listedName = :listed', listed: change.listedName };
}

/** The entry's `listedName` as it stood when a change lost on its condition (DynamoDB returned it: ALL_OLD). */
export function listedNameIn(
  oldRecords: Attributes[],
  workspaceId: string,
  automationId: string,
): string | null | undefined {
  const key = automationKeys.workspaceEntry(workspaceId, automationId);
  const old = oldRecords.find((r) => r.pk === key.pk && r.sk === key.sk);
  if (!old) return undefined;
  return typeof old.listedName === 'string' ? old.listedName : null;
}

const entryRecord = z.lazy(() =>
  z.object({
    automationId: z.string(),
    automationName: z.optional(z.string()),
    listedName: z.optional(z.string()),
    openAll: z.optional(z.number()),
    openWorkspace: z.optional(z.number()),
    open: z.optional(z.number()),
  }),
);

export const parseAutomationEntry = (record: Attributes): AutomationEntry =>
  parseRecord(entryRecord, record, 'automation entry');
