/**
 * The directory's `Workspace Deleted` (spec 3, "Data lifecycle"): begins the deletion of everything of the workspace.
 * The privacy job (privacy-jobs.ts) deletes its records on the tenant index in bounded pages and resumes where it
 * stopped. A repeated event is a no-op: the deletion record exists (running or done). Requests: one PutItem.
 */
import { newPositions, type WorkspaceDeletion } from '../domain/erasure.js';
import type { WorkspaceDeleted } from '../events/in-schemas.js';
import type { Deps } from './deps.js';

export async function startWorkspaceDeletion(
  deps: Pick<Deps, 'store' | 'clock'>,
  event: WorkspaceDeleted,
): Promise<{ started: boolean }> {
  const deletion: WorkspaceDeletion = {
    workspaceId: event.workspaceId,
    deletedAt: event.deletedAt,
    startedAt: deps.clock().toISOString(),
    status: 'running',
    positions: newPositions(),
    pass: { number: 1, deleted: 0 },
    recordsDeleted: 0,
  };
  return { started: await deps.store.startDeletion(deletion) };
}
