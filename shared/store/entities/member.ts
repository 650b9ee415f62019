/** `Member` records: the workspace's member directory, one record per member in the directory partition. */
import type { Member } from '../../domain/review-item.js';
import type { Attributes, TableKey } from '../table.js';
import { memberRecord as memberSchema, parseRecord } from './record-schemas.js';

export const MEMBER_ENTITY = 'Member';

export const memberKeys = {
  directoryPk: (workspaceId: string) => `WS#${workspaceId}#DIR`,
  member: (workspaceId: string, userId: string): TableKey => ({
    pk: `WS#${workspaceId}#DIR`,
    sk: `MEMBER#${userId}`,
  }),
  memberPrefix: 'MEMBER#',
};

export const memberRecord = (member: Member): Attributes => ({
  ...memberKeys.member(member.workspaceId, member.userId),
  entity: MEMBER_ENTITY,
  ...member,
});

export const parseMember = (record: Attributes): Member => parseRecord(memberSchema, record, 'member');

export const memberConditions = {
  /** No record yet, or an older one: an older or equal `changedAt` never overwrites a newer one. */
  olderThan: (changedAt: string) => ({
    ConditionExpression: 'attribute_not_exists(pk) OR changedAt < :changedAt',
    ExpressionAttributeValues: { ':changedAt': changedAt },
  }),
};
