/**
 * `Erasure` records (spec 3, "Data lifecycle"): an admin's request to erase everything of the workspace that names an
 * email address or is about a CRM record, the walk of the workspace's items that serves it (the tenant index's 16
 * shards, the position reached in each), and what it removed. The `target` (the address, or the record's type and id)
 * is kept only while the walk runs; the finished record keeps the scope's SHA-256, never the address or the record.
 * While running it is in the `due` index (`DUE#PRIVACY`), where the privacy job finds it.
 *
 * `AuditEntry` records, `AUDIT#<ws>`: one per finished erasure and per workspace deletion (who, when, what scope,
 * counts), outside the workspace's keys, so the deletion of the workspace leaves them for an auditor.
 */
import * as z from 'zod/mini';
import type { Erasure, WorkspaceDeletion } from '../../domain/erasure.js';
import { escapeKeySegment, tenant } from '../key-parts.js';
import type { Attributes, TableKey } from '../table.js';
import { dueShardKey } from './due.js';

export const ERASURE_ENTITY = 'Erasure';
export const AUDIT_ENTITY = 'AuditEntry';
export const PRIVACY_DUE = 'DUE#PRIVACY';

export const erasureKeys = {
  erasure: (workspaceId: string, id: string): TableKey => ({
    pk: `${tenant(workspaceId)}#ERASURE#${escapeKeySegment(id)}`,
    sk: 'ERASURE',
  }),
  audit: (workspaceId: string, sk: string): TableKey => ({
    pk: `AUDIT#${escapeKeySegment(workspaceId)}`,
    sk,
  }),
};

export function erasureRecord(erasure: Erasure): Attributes {
  return {
    ...erasureKeys.erasure(erasure.workspaceId, erasure.id),
    entity: ERASURE_ENTITY,
    ...erasure,
    ...(erasure.status === 'running'
      ? {
          duePk: dueShardKey(
            PRIVACY_DUE,
            `${escapeKeySegment(erasure.workspaceId)}#${escapeKeySegment(erasure.id)}`,
          ),
          dueSk: `${erasure.requestedAt}#${escapeKeySegment(erasure.workspaceId)}#${escapeKeySegment(erasure.id)}`,
        }
      : {}),
  };
}

const countsSchema = z.object({
  itemsChecked: z.number(),
  itemsErased: z.number(),
  recordsDeleted: z.number(),
});

const erasureSchema = z.object({
  id: z.string(),
  workspaceId: z.string(),
  requestedBy: z.string(),
  requestedAt: z.string(),
  scope: z.enum(['email', 'record']),
  scopeSha256: z.string(),
  status: z.enum(['running', 'completed']),
  completedAt: z.optional(z.string()),
  target: z.optional(
    z.union([
      z.object({ email: z.string() }),
      z.object({ record: z.object({ type: z.string(), id: z.string() }) }),
    ]),
  ),
  positions: z.array(z.union([z.null(), z.literal('done'), z.record(z.string(), z.unknown())])),
  counts: countsSchema,
});

export function parseErasure(record: Attributes): Erasure {
  const parsed = erasureSchema.safeParse(record);
  if (!parsed.success) throw new Error(`An erasure record does not parse: ${parsed.error.message}`);
  return parsed.data as Erasure;
}

/** The audit entry of a finished erasure: who, when, what scope (its kind and digest), counts. */
export function erasureAuditRecord(erasure: Erasure): Attributes {
  return {
    ...erasureKeys.audit(
      erasure.workspaceId,
      `${erasure.completedAt}#ERASURE#${escapeKeySegment(erasure.id)}`,
    ),
    entity: AUDIT_ENTITY,
    action: 'erasure',
    workspaceId: erasure.workspaceId,
    erasureId: erasure.id,
    by: erasure.requestedBy,
    requestedAt: erasure.requestedAt,
    completedAt: erasure.completedAt,
    scope: erasure.scope,
    scopeSha256: erasure.scopeSha256,
    counts: erasure.counts,
  };
}

export const DELETION_ENTITY = 'WorkspaceDeletion';

/** A workspace's deletion: its own audit entry, outside the workspace's keys, so it outlives what it deletes. */
export const deletionKey = (workspaceId: string): TableKey => erasureKeys.audit(workspaceId, 'DELETION');

export function deletionRecord(deletion: WorkspaceDeletion): Attributes {
  return {
    ...deletionKey(deletion.workspaceId),
    entity: DELETION_ENTITY,
    action: 'workspace_deletion',
    ...deletion,
    ...(deletion.status === 'running'
      ? {
          duePk: dueShardKey(PRIVACY_DUE, `${escapeKeySegment(deletion.workspaceId)}#DELETION`),
          dueSk: `${deletion.startedAt}#${escapeKeySegment(deletion.workspaceId)}#DELETION`,
        }
      : {}),
  };
}

const deletionSchema = z.object({
  workspaceId: z.string(),
  deletedAt: z.string(),
  startedAt: z.string(),
  status: z.enum(['running', 'completed']),
  completedAt: z.optional(z.string()),
  positions: z.array(z.union([z.null(), z.literal('done'), z.record(z.string(), z.unknown())])),
  pass: z.object({ number: z.number(), deleted: z.number() }),
  recordsDeleted: z.number(),
});

export function parseDeletion(record: Attributes): WorkspaceDeletion {
  const parsed = deletionSchema.safeParse(record);
  if (!parsed.success) throw new Error(`A workspace deletion record does not parse: ${parsed.error.message}`);
  return parsed.data as WorkspaceDeletion;
}
