/**
 * `WorkspaceRegistry` records: every workspace that has had an item, so the overdue and escalation jobs find the
 * workspaces to visit without a scan. Written from the tally of an item's creation (entities/tally.ts), so off the
 * ingest path and outside the creation's transaction; `apply-tallies` writes it at most once per batch of changes
 * per workspace. Spread over a few shards by a hash of the workspace, each record the workspace's own.
 */
import { escapeKeySegment, sha256Shard, unescapeKeySegment } from '../key-parts.js';
import type { Attributes, TableKey } from '../table.js';
import type { CounterWrite } from './tally.js';

export const REGISTRY_ENTITY = 'WorkspaceRegistry';
export const REGISTRY_SHARDS = 8;

const shardOf = (workspaceId: string): number => sha256Shard(workspaceId, REGISTRY_SHARDS);

export const registryKeys = {
  /** Not a request path: read only by the jobs, so the partition is the registry's, not a tenant's. */
  shard: (shard: number) => `JOBS#WORKSPACES#${shard}`,
  entry: (workspaceId: string): TableKey => ({
    pk: registryKeys.shard(shardOf(workspaceId)),
    sk: escapeKeySegment(workspaceId),
  }),
};

/** What an item's creation adds to the registry: the workspace, and a count of its items. */
export const registryWrite = (workspaceId: string): CounterWrite => ({
  key: registryKeys.entry(workspaceId),
  set: { entity: REGISTRY_ENTITY, workspaceId },
  add: { created: 1 },
});

export const workspaceOfEntry = (record: Attributes): string => unescapeKeySegment(String(record.sk));
