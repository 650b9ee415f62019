/**
 * `Member` records: the workspace's member directory, one partition per member (nothing reads the whole directory:
 * routing reads its candidates by key, see mailbox.ts).
 */
import type { Member } from '../../domain/review-item.js';
import { escapeKeySegment, tenant } from '../key-parts.js';
import type { Attributes, TableKey } from '../table.js';
import { memberRecord as memberSchema, parseRecord } from './record-schemas.js';

export const MEMBER_ENTITY = 'Member';

export const memberKeys = {
  member: (workspaceId: string, userId: string): TableKey => ({
    pk: `${tenant(workspaceId)}#MEMBER#${escapeKeySegment(userId)}`,
    sk: 'MEMBER',
  }),
  admins: (workspaceId: string) => `${tenant(workspaceId)}#ADMINS`,
};

export const memberRecord = (member: Member): Attributes => ({
  ...memberKeys.member(member.workspaceId, member.userId),
  entity: MEMBER_ENTITY,
  ...member,
  // The `admins` index: escalation to the admins reads them without walking the directory.
  ...(member.active && member.role === 'admin' ? { adminPk: memberKeys.admins(member.workspaceId) } : {}),
});

export const parseMember = (record: Attributes): Member => parseRecord(memberSchema, record, 'member');

export const memberConditions = {
  /** No record of this member yet. */
  isNew: () => ({ ConditionExpression: 'attribute_not_exists(pk)' }),
  /**
   * The record is still the one read (its `changedAt` and its delegation's `createdAt`): a concurrent change of the
   * same member, from the directory or a delegation, loses.
   */
  unchangedSince: (read: Pick<Member, 'changedAt' | 'delegation'>) => ({
    ConditionExpression: read.delegation
      ? 'changedAt = :read AND delegation.createdAt = :delegated'
      : 'changedAt = :read AND attribute_not_exists(delegation)',
    ExpressionAttributeValues: {
      ':read': read.changedAt,
      ...(read.delegation ? { ':delegated': read.delegation.createdAt } : {}),
    },
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
  }),
};
