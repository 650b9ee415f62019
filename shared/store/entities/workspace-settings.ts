/**
 * `WorkspaceSettings` records: one per workspace, versioned (spec 3, Workspace settings). Absent until an admin
 * first saves them: the defaults at version 0 until then.
 */
import * as z from 'zod/mini';
import { DEFAULT_SETTINGS, reviewSettingsSchema, type WorkspaceSettings } from '../../domain/settings.js';
import { tenant } from '../key-parts.js';
import type { Attributes, TableKey } from '../table.js';
import { parseRecord } from './record-schemas.js';

export const SETTINGS_ENTITY = 'WorkspaceSettings';

export const settingsKeys = {
  settings: (workspaceId: string): TableKey => ({ pk: `${tenant(workspaceId)}#SETTINGS`, sk: 'SETTINGS' }),
};

const settingsRecord = z.lazy(() =>
  z.object({
    settings: reviewSettingsSchema,
    version: z.int(),
    updatedAt: z.string(),
    updatedBy: z.string(),
  }),
);

export function settingsRecordOf(workspaceId: string, settings: WorkspaceSettings): Attributes {
  const { version, updatedAt, updatedBy, ...values } = settings;
  return {
    ...settingsKeys.settings(workspaceId),
    entity: SETTINGS_ENTITY,
    workspaceId,
    settings: values,
    version,
    updatedAt,
    updatedBy,
  };
}

/** The settings a record holds, or the defaults (version 0) without one. */
export function parseSettings(record: Attributes | undefined): WorkspaceSettings {
  if (!record) return { ...DEFAULT_SETTINGS, version: 0 };
  const { settings, version, updatedAt, updatedBy } = parseRecord(
    settingsRecord,
    record,
    'workspace settings',
  );
  return { ...settings, version, updatedAt, updatedBy };
}

export const settingsConditions = {
  /** The stored version is still the one the caller read (0: none stored yet). */
  atVersion: (version: number) =>
    version === 0
      ? { ConditionExpression: 'attribute_not_exists(pk)' }
      : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': version } },
};
