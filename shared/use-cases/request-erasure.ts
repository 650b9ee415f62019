/**
 * `POST /privacy/erasures` (spec 3, "Data lifecycle"): an admin asks to erase everything of the workspace that names
 * an email address or is about a CRM record. The request is written as a running `Erasure` (due at once); the privacy
 * job (privacy-jobs.ts) walks the workspace's items and erases them. Requests: the caller's membership, then one
 * PutItem.
 */
import { type Erasure, type ErasureTarget, newPositions, scopeOfTarget } from '../domain/erasure.js';
import { ForbiddenError } from '../errors.js';
import type { Caller } from '../http/request.js';
import type { ErasureRequest } from '../http/requests.js';
import type { Deps } from './deps.js';
import { presentErasure } from './erasure-status.js';
import { requireActive } from './settings.js';

export async function requestErasure(deps: Deps, caller: Caller, request: ErasureRequest) {
  const member = requireActive(await deps.store.getMember(caller.workspaceId, caller.userId));
  if (member.role !== 'admin') throw new ForbiddenError('Only a workspace admin can ask for an erasure');
  const target: ErasureTarget =
    'email' in request
      ? { email: request.email }
      : { record: { type: request.record.type, id: request.record.id } };
  const erasure: Erasure = {
    id: `er_${deps.newId()}`,
    workspaceId: caller.workspaceId,
    requestedBy: caller.userId,
    requestedAt: deps.clock().toISOString(),
    ...scopeOfTarget(target),
    status: 'running',
    target,
    positions: newPositions(),
    counts: { itemsChecked: 0, itemsErased: 0, recordsDeleted: 0 },
  };
  await deps.store.createErasure(erasure);
  return presentErasure(erasure);
}
