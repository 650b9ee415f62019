/**
 * `AutomationEntry` records: the automations that have proposed in a workspace (GET /automations), each with its
 * latest name and its open items, kept with every item change:
 * - `WS#<ws>#AUTOS` / `A#<automationId>`: every automation of the workspace, `openAll` (every open item) and
 *   `openWorkspace` (open items of workspace runs, which every member may see);
 * - `WS#<ws>#AUTOS#U#<userId>` / `A#<automationId>`: `open` items of runs executed as that user.
 * An admin's counts are `openAll`; a member's are `openWorkspace` plus their own row's `open`.
 * The workspace entry's `listedName` is the name the automation's names shard holds (automation-names.ts): a
 * proposal that brings another name writes both, conditional on `listedName` being what it read; one that brings the
 * listed name makes its update conditional on it. Either way a lost race returns the entry (ALL_OLD).
 */

import * as z from 'zod/mini';
import { part, tenant } from '../key-parts.js';
import type { Attributes, TableKey } from '../table.js';
import { parseRecord } from './record-schemas.js';

export const AUTOMATION_ENTITY = 'AutomationEntry';

export const automationKeys = {
  workspacePk: (workspaceId: string) => `${tenant(workspaceId)}#AUTOS`,
  userPk: (workspaceId: string, userId: string) => `${tenant(workspaceId)}#AUTOS#U#${part(userId)}`,
  sk: (automationId: string) => `A#${part(automationId)}`,
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

export function automationUpdates(tableName: string, workspaceId: string, change: AutomationChange) {
  const values: Attributes = { ':entity': AUTOMATION_ENTITY, ':id': change.automationId };
  const sets = ['entity = :entity', 'automationId = :id'];
  if (change.name !== undefined) {
    sets.push('automationName = :name');
    values[':name'] = change.name;
  }
  const set = `SET ${sets.join(', ')}`;
  const listing = listingOf(change);
  const workspaceSets = listing.writes ? `${set}, listedName = :name` : set;
  const listed = listing.listed === undefined ? {} : { ':listed': listing.listed };
  const workspaceAdds =
    change.openDelta === 0 ? [] : ['openAll :d', ...(change.userId ? [] : ['openWorkspace :d'])];
  const delta = change.openDelta === 0 ? {} : { ':d': change.openDelta };
  const updates = [
    {
      TableName: tableName,
      Key: automationKeys.workspaceEntry(workspaceId, change.automationId),
      UpdateExpression: `${workspaceSets}${workspaceAdds.length ? ` ADD ${workspaceAdds.join(', ')}` : ''}`,
      ...(listing.condition
        ? { ConditionExpression: listing.condition, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const }
        : {}),
      ExpressionAttributeValues: { ...values, ...listed, ...delta },
    },
  ];
  if (change.userId) {
    updates.push({
      TableName: tableName,
      Key: automationKeys.userEntry(workspaceId, change.userId, change.automationId),
      UpdateExpression: `${set}${change.openDelta === 0 ? '' : ' ADD #open :d'}`,
      ...(change.openDelta === 0 ? {} : { ExpressionAttributeNames: { '#open': 'open' } }),
      ExpressionAttributeValues: { ...values, ...delta },
    } as (typeof updates)[number]);
  }
  return updates;
}

/**
 * What a change does to the listed name: `writes` when it brings a name other than the one it read (or did not
 * read one), with the condition that the entry still lists what it read; otherwise only that condition.
 */
export function listingOf(change: AutomationChange): {
  writes: boolean;
  condition?: string;
  listed?: string;
} {
  if (change.name === undefined) return { writes: false };
  if (change.listedName === undefined) return { writes: true };
  if (change.listedName === change.name) return { writes: false, condition: 'listedName = :name' };
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
export type AutomationEntry = z.output<typeof entryRecord>;

export const parseAutomationEntry = (record: Attributes): AutomationEntry =>
  parseRecord(entryRecord, record, 'automation entry');
