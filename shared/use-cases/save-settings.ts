/**
 * Saving the workspace settings (spec 3): an admin's PUT, conditional on the version read (a stale version answers
 * 409 with the version now). Apart from the reads (settings.ts), so GET's function carries no write.
 *
 * Requests: the caller's membership, then the conditional write (2), and the settings once more only to answer a
 * lost race.
 */
import type { SettingsRequest, WorkspaceSettings } from '../domain/settings.js';
import { ConflictError, ForbiddenError } from '../errors.js';
import type { Caller } from '../http/request.js';
import type { Deps } from './deps.js';
import { presentSettings, requireActive } from './settings.js';

export async function saveSettings(deps: Deps, caller: Caller, request: SettingsRequest) {
  const member = requireActive(await deps.store.getMember(caller.workspaceId, caller.userId));
  if (member.role !== 'admin') throw new ForbiddenError('Only a workspace admin can change its settings');
  const { version, ...values } = request;
  const settings: WorkspaceSettings = {
    ...values,
    version: version + 1,
    updatedAt: deps.clock().toISOString(),
    updatedBy: caller.userId,
  };
  if (!(await deps.store.saveSettings(caller.workspaceId, settings, version))) {
    const current = await deps.store.getSettings(caller.workspaceId);
    throw new ConflictError(`The settings are at version ${current.version}, not ${version}`, {
      status: current.version === 0 ? 'defaults' : 'saved',
      version: current.version,
    });
  }
  return presentSettings(settings);
}
