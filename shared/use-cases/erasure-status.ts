/**
 * `GET /privacy/erasures/{id}` (spec 3, "Data lifecycle"): how far an erasure is and what it removed, for the
 * workspace's admins: counts, never the address or the record. Requests: the caller's membership and the erasure, in
 * parallel (2).
 */
import type { Erasure } from '../domain/erasure.js';
import { ForbiddenError, NotFoundError } from '../errors.js';
import type { Caller } from '../http/request.js';
import type { ReadDeps } from './read-items.js';
import { requireActive } from './settings.js';

/** What the API answers of an erasure: never its target. */
export function presentErasure(erasure: Erasure) {
  const walked = erasure.positions.filter((position) => position === 'done').length;
  return {
    id: erasure.id,
    status: erasure.status,
    scope: erasure.scope,
    requestedBy: erasure.requestedBy,
    requestedAt: erasure.requestedAt,
    completedAt: erasure.completedAt ?? null,
    progress: erasure.status === 'completed' ? 1 : walked / erasure.positions.length,
    counts: erasure.counts,
  };
}

export async function getErasure(deps: ReadDeps, caller: Caller, erasureId: string) {
  const [member, erasure] = await Promise.all([
    deps.store.getMember(caller.workspaceId, caller.userId),
    deps.store.getErasure(caller.workspaceId, erasureId),
  ]);
  if (requireActive(member).role !== 'admin')
    throw new ForbiddenError('Only a workspace admin can read erasures');
  if (!erasure) throw new NotFoundError('No such erasure');
  return presentErasure(erasure);
}
