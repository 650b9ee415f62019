/**
 * `AutomationEntry` records: the automations that have proposed in a workspace (GET /automations), each with its
 * latest name and its open items, kept with every item change:
 * - `WS#<ws>#AUTOS` / `A#<automationId>`: every automation of the workspace, `openAll` (every open item) and
 *   `openWorkspace` (open items of workspace runs, which every member may see);
 * - `WS#<ws>#AUTOS#U#<userId>` / `A#<automationId>`: `open` items of runs executed as that user.
 * An admin's counts are `openAll`; a member's are `openWorkspace` plus their own row's `open`.
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
  const workspaceAdds =
    change.openDelta === 0 ? [] : ['openAll :d', ...(change.userId ? [] : ['openWorkspace :d'])];
  const delta = change.openDelta === 0 ? {} : { ':d': change.openDelta };
  const updates = [
    {
      TableName: tableName,
      Key: automationKeys.workspaceEntry(workspaceId, change.automationId),
      UpdateExpression: `${set}${workspaceAdds.length ? ` ADD ${workspaceAdds.join(', ')}` : ''}`,
      ExpressionAttributeValues: { ...values, ...delta },
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

const entryRecord = z.lazy(() =>
  z.object({
    automationId: z.string(),
    automationName: z.optional(z.string()),
    openAll: z.optional(z.number()),
    openWorkspace: z.optional(z.number()),
    open: z.optional(z.number()),
  }),
);
export type AutomationEntry = z.output<typeof entryRecord>;

export const parseAutomationEntry = (record: Attributes): AutomationEntry =>
  parseRecord(entryRecord, record, 'automation entry');
