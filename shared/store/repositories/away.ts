/**
 * Who is away (AwayReader): the workspace's `Away` rows, one Query. Apart from the delegation writer
 * (delegations.ts) so that the read functions bundle none of its writes.
 */
import type { AwayReader } from '../../use-cases/ports.js';
import { AWAY_ENTITY, delegationKeys, parseAway } from '../entities/delegation.js';
import type { Table } from '../table.js';

export class DynamoAwayReader implements AwayReader {
  constructor(private readonly table: Table) {}

  async awayMembers(workspaceId: string) {
    const rows = await this.table.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': delegationKeys.awayPk(workspaceId) },
    });
    return rows.filter((row) => row.entity === AWAY_ENTITY).map(parseAway);
  }
}
