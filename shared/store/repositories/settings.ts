/**
 * Workspace settings (SettingsReader, SettingsWriter): one versioned record per workspace
 * (entities/workspace-settings.ts), saved with a condition on the version the caller read.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { WorkspaceSettings } from '../../domain/settings.js';
import type { SettingsReader, SettingsWriter } from '../../use-cases/ports.js';
import { withTenant } from '../entities/tenant.js';
import {
  parseSettings,
  settingsConditions,
  settingsKeys,
  settingsRecordOf,
} from '../entities/workspace-settings.js';
import { isConditionalFailure, type Table } from '../table.js';

export class DynamoSettingsReader implements SettingsReader {
  constructor(protected readonly table: Table) {}

  async getSettings(workspaceId: string): Promise<WorkspaceSettings> {
    return parseSettings(await this.table.get(settingsKeys.settings(workspaceId)));
  }
}

export class DynamoSettingsRepository extends DynamoSettingsReader implements SettingsWriter {
  async saveSettings(
    workspaceId: string,
    settings: WorkspaceSettings,
    expectedVersion: number,
  ): Promise<boolean> {
    try {
      await this.table.write(() =>
        this.table.db.send(
          new PutCommand({
            TableName: this.table.name,
            Item: withTenant(settingsRecordOf(workspaceId, { ...settings, version: expectedVersion + 1 })),
            ...settingsConditions.atVersion(expectedVersion),
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionalFailure(error)) return false;
      throw error;
    }
  }
}
