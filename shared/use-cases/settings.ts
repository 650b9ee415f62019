/**
 * Workspace settings (spec 3): any active member reads them, an admin saves them, conditional on the version they
 * read (a stale version answers 409 with the version now). A workspace that never saved any has the defaults at
 * version 0; the first save makes version 1. The overdue and escalation jobs read the settings on every run, so a
 * change reaches the items already pending within one run, without rewriting them.
 *
 * Requests: GET reads the caller's membership and the settings in parallel (2); PUT adds the conditional write (3),
 * and reads the settings once more only to answer a lost race.
 */
import type { Member } from '../domain/review-item.js';
import type { WorkspaceSettings } from '../domain/settings.js';
import { ForbiddenError } from '../errors.js';
import type { Caller } from '../http/request.js';
import type { ReadDeps } from './read-items.js';

/** The settings as the API answers them (spec 4). */
export function presentSettings(settings: WorkspaceSettings) {
  const { updatedAt, updatedBy, ...rest } = settings;
  return { ...rest, updatedAt: updatedAt ?? null, updatedBy: updatedBy ?? null };
}

export function requireActive(member: Member | undefined): Member {
  if (!member?.active) throw new ForbiddenError('Only active members of the workspace can read its settings');
  return member;
}

export async function getSettings(deps: ReadDeps, caller: Caller) {
  const [member, settings] = await Promise.all([
    deps.store.getMember(caller.workspaceId, caller.userId),
    deps.store.getSettings(caller.workspaceId),
  ]);
  requireActive(member);
  return presentSettings(settings);
}
