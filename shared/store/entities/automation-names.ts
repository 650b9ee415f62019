/**
 * `AutomationNames` records: the workspace's automation names in a few small records, so that ONE BatchGetItem,
 * with the caller's member record, turns a name into automation ids (the agent's list by automation name, spec 8:
 * a full page in at most 3 requests, the list by id taking the other one or two).
 * - `WS#<ws>#AUTONAMES` / `S#<n>` (n < NAME_SHARDS, the automation's shard by a hash of its id): attribute
 *   `N#<automationId>` holds the automation's latest name;
 * - `WS#<ws>#AUTONAMES` / `HEAD`: `overflow`, set when a shard reached DynamoDB's item size (a workspace of
 *   thousands of automations with long names): readers then turn names into ids through the automation list.
 *
 * A name is written when it changes, not on every proposal (that would make the shards the workspace's hottest
 * records): ingest reads the automation's entry (its `listedName`, the name the shard holds) in its routing
 * BatchGetItem, and the item change either writes the shard and `listedName` together, conditional on
 * `listedName` still being what ingest read, or, when the name is the listed one, makes its entry update
 * conditional on that. So the shards and the entries' latest names never disagree (automation-entry.ts).
 */

import { fnvShard, tenant } from '../key-parts.js';
import type { Attributes, TableKey } from '../table.js';

export const AUTOMATION_NAMES_ENTITY = 'AutomationNames';

/** Shards of a workspace's names: all read in one BatchGetItem (100 keys at most), each under 400 KB. */
export const NAME_SHARDS = 8;

const NAME_PREFIX = 'N#';

/** FNV-1a of the automation id: a stable shard for it. */
const shardOf = (automationId: string): number => fnvShard(automationId, NAME_SHARDS);

export const automationNameKeys = {
  pk: (workspaceId: string) => `${tenant(workspaceId)}#AUTONAMES`,
  shard: (workspaceId: string, shard: number): TableKey => ({
    pk: automationNameKeys.pk(workspaceId),
    sk: `S#${shard}`,
  }),
  head: (workspaceId: string): TableKey => ({ pk: automationNameKeys.pk(workspaceId), sk: 'HEAD' }),
  /** Every record a reader needs: the head and each shard. */
  all: (workspaceId: string): TableKey[] => [
    automationNameKeys.head(workspaceId),
    ...Array.from({ length: NAME_SHARDS }, (_, shard) => automationNameKeys.shard(workspaceId, shard)),
  ],
};

/** Sets an automation's name in its shard (`onlyIfAbsent`: keeps a name already there, for the backfill). */
export function nameUpdate(
  tableName: string,
  workspaceId: string,
  automationId: string,
  name: string,
  onlyIfAbsent = false,
) {
  return {
    TableName: tableName,
    Key: automationNameKeys.shard(workspaceId, shardOf(automationId)),
    UpdateExpression: onlyIfAbsent
      ? 'SET entity = :entity, #name = if_not_exists(#name, :name)'
      : 'SET entity = :entity, #name = :name',
    ExpressionAttributeNames: { '#name': `${NAME_PREFIX}${automationId}` },
    ExpressionAttributeValues: { ':entity': AUTOMATION_NAMES_ENTITY, ':name': name },
  };
}

/** Whether a transaction action writes to a names shard. */
export const isNameWrite = (op: { Update?: { Key?: Record<string, unknown> } }): boolean =>
  String(op.Update?.Key?.pk ?? '').endsWith('#AUTONAMES') &&
  String(op.Update?.Key?.sk ?? '').startsWith('S#');

/** Marks the names as incomplete: a shard is full, so readers use the automation list. */
export function overflowUpdate(tableName: string, workspaceId: string) {
  return {
    TableName: tableName,
    Key: automationNameKeys.head(workspaceId),
    UpdateExpression: 'SET entity = :entity, overflow = :true',
    ExpressionAttributeValues: { ':entity': AUTOMATION_NAMES_ENTITY, ':true': true },
  };
}

/** What the records say: every automation's latest name, or null when a shard overflowed (not all are here). */
export function namesOf(workspaceId: string, rows: Attributes[]): Map<string, string> | null {
  const pk = automationNameKeys.pk(workspaceId);
  const names = new Map<string, string>();
  for (const row of rows) {
    if (row.pk !== pk) continue;
    if (row.sk === 'HEAD') {
      if (row.overflow === true) return null;
      continue;
    }
    for (const [attribute, value] of Object.entries(row))
      if (attribute.startsWith(NAME_PREFIX) && typeof value === 'string')
        names.set(attribute.slice(NAME_PREFIX.length), value);
  }
  return names;
}

/**
 * Whether a transaction failed because a record would exceed DynamoDB's item size (400 KB): a full names shard.
 * DynamoDB reports it as a validation error of the request or as a cancellation reason of the transaction.
 */
export function isItemTooLarge(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const reasons = (error as { CancellationReasons?: { Code?: string; Message?: string }[] })
    .CancellationReasons;
  const messages = [error.message, ...(reasons ?? []).map((r) => `${r.Code ?? ''} ${r.Message ?? ''}`)];
  return messages.some((m) => /item size|maximum allowed size/i.test(m));
}
