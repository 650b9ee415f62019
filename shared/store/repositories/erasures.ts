/** An erasure's record, as its GET reads it (spec 3, "Data lifecycle"); the walk's writes are in privacy.ts. */
import type { Erasure } from '../../domain/erasure.js';
import { erasureKeys, parseErasure } from '../entities/erasure.js';
import type { Table } from '../table.js';

export class DynamoErasureReader {
  constructor(protected readonly table: Table) {}

  async getErasure(workspaceId: string, erasureId: string): Promise<Erasure | undefined> {
    const record = await this.table.get(erasureKeys.erasure(workspaceId, erasureId));
    return record ? parseErasure(record) : undefined;
  }
}
