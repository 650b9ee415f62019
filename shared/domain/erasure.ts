/**
 * Erasure on request (spec 3, "Data lifecycle"): what an admin asks to erase (an email address, or a CRM record), what
 * an item must hold to be erased by it, and what the erasure's record keeps: the scope's kind and digest, never the
 * address or the record once it has finished.
 */
import { createHash } from 'node:crypto';
import { recordRefsOf } from '../drafts/index.js';
import type { ReviewItem } from './review-item.js';
import { TENANT_SHARDS } from './tenant-shards.js';

export type ErasureTarget = { email: string } | { record: { type: string; id: string } };

export interface ErasureCounts {
  /** Items of the workspace read by the walk. */
  itemsChecked: number;
  /** Items erased: each with its history, entries and notes. */
  itemsErased: number;
  /** Records deleted in all (items, history, markers, queue and record entries, notes, dedup heads). */
  recordsDeleted: number;
}

export interface Erasure {
  id: string;
  workspaceId: string;
  requestedBy: string;
  requestedAt: string;
  scope: 'email' | 'record';
  /** SHA-256 of the normalized target: an auditor can tell two erasures of one address apart, not read it. */
  scopeSha256: string;
  status: 'running' | 'completed';
  completedAt?: string;
  /** What to erase: only while running. */
  target?: ErasureTarget;
  /** Per tenant-index shard: the key to continue from, `null` not begun, `done` walked. */
  positions: (Record<string, unknown> | null | 'done')[];
  counts: ErasureCounts;
}

export const newPositions = (): Erasure['positions'] => Array.from({ length: TENANT_SHARDS }, () => null);

/** The address as compared: trimmed, lower-cased. */
export const normalizeAddress = (address: string): string => address.trim().toLowerCase();

export function scopeOfTarget(target: ErasureTarget): Pick<Erasure, 'scope' | 'scopeSha256'> {
  const text =
    'email' in target
      ? `email:${normalizeAddress(target.email)}`
      : `record:${target.record.type}\u0000${target.record.id}`;
  return {
    scope: 'email' in target ? 'email' : 'record',
    scopeSha256: createHash('sha256').update(text).digest('hex'),
  };
}

/**
 * **Decided:** an item names an address when the address stands whole anywhere in it (from, to, cc, bcc, the bodies,
 * a record draft's values, the reviewers' notes, a webhook's stale mark), compared case-insensitively; not when it is
 * part of a longer address (`ann@x.io` is not in `joann@x.io` nor in `ann@x.io.uk`). An item is about a record when
 * the record is among the records it is about (its draft's record, its related records).
 */
export function itemMatches(item: ReviewItem, target: ErasureTarget): boolean {
  if ('record' in target)
    return recordRefsOf(item).some((r) => r.type === target.record.type && r.id === target.record.id);
  const address = normalizeAddress(target.email);
  const escaped = address.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![\\w.%+-])${escaped}(?![\\w-]|\\.\\w)`).test(JSON.stringify(item).toLowerCase());
}

/**
 * A workspace's deletion (spec 3, "Data lifecycle"; the directory's `Workspace Deleted`): the walk of every record
 * of the workspace on the tenant index, and, once finished, the audit of it. **Decided:** a walk is repeated until a
 * whole pass finds nothing, so a record written while it ran (a tally counted from the stream a moment after the
 * last change) goes too.
 */
export interface WorkspaceDeletion {
  workspaceId: string;
  /** As the directory said. */
  deletedAt: string;
  /** When the event came. */
  startedAt: string;
  status: 'running' | 'completed';
  completedAt?: string;
  positions: Erasure['positions'];
  /** Records deleted in this pass, and in all; passes begun. */
  pass: { number: number; deleted: number };
  recordsDeleted: number;
}
