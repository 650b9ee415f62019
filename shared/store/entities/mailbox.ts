/**
 * `Mailbox` records: which active members have a mailbox connected, written in the same transaction as the member
 * change, so routing reads the members whose mailbox is on an email with one BatchGetItem instead of the directory
 * (spec 8: ingest in at most 4 requests whatever the directory size). Each member is a top-level attribute
 * `u#<userId>` holding their role; an inactive member is in no mailbox record. A member's active delegation is
 * beside it, `d#<userId>`, so routing knows who covers for a member it found by mailbox without another read.
 */
import type { Delegation, Member, Role } from '../../domain/review-item.js';
import { escapeKeySegment, tenant } from '../key-parts.js';
import type { Attributes, TableKey } from '../table.js';
import { delegationRecord, parseRecord } from './record-schemas.js';

export const MAILBOX_ENTITY = 'Mailbox';
const MEMBER_PREFIX = 'u#';
const DELEGATION_PREFIX = 'd#';

export const mailboxKeys = {
  mailbox: (workspaceId: string, mailbox: string): TableKey => ({
    pk: `${tenant(workspaceId)}#MAILBOX#${escapeKeySegment(mailbox.toLowerCase())}`,
    sk: 'MAILBOX',
  }),
};

/** The updates that move a member from `before` (or nowhere) to `after` in the mailbox records. */
export function mailboxUpdates(tableName: string, before: Member | undefined, after: Member) {
  const wasIn = new Set(before?.active ? before.mailboxes : []);
  const isIn = new Set(after.active ? after.mailboxes : []);
  const attribute = { '#u': `${MEMBER_PREFIX}${after.userId}`, '#d': `${DELEGATION_PREFIX}${after.userId}` };
  const updates: Record<string, unknown>[] = [];
  for (const mailbox of isIn) {
    updates.push({
      TableName: tableName,
      Key: mailboxKeys.mailbox(after.workspaceId, mailbox),
      UpdateExpression: after.delegation
        ? 'SET entity = :entity, #u = :role, #d = :delegation'
        : 'SET entity = :entity, #u = :role REMOVE #d',
      ExpressionAttributeNames: attribute,
      ExpressionAttributeValues: {
        ':entity': MAILBOX_ENTITY,
        ':role': after.role,
        ...(after.delegation ? { ':delegation': after.delegation } : {}),
      },
    });
  }
  for (const mailbox of wasIn) {
    if (isIn.has(mailbox)) continue;
    updates.push({
      TableName: tableName,
      Key: mailboxKeys.mailbox(after.workspaceId, mailbox),
      UpdateExpression: 'REMOVE #u, #d',
      ExpressionAttributeNames: attribute,
    });
  }
  return updates;
}

/** The updates that set (or, undefined, remove) a member's delegation in the records of their mailboxes. */
export function mailboxDelegationUpdates(
  tableName: string,
  member: Member,
  delegation: Delegation | undefined,
) {
  const attribute = { '#d': `${DELEGATION_PREFIX}${member.userId}` };
  return (member.active ? member.mailboxes : []).map((mailbox) => ({
    TableName: tableName,
    Key: mailboxKeys.mailbox(member.workspaceId, mailbox),
    ...(delegation
      ? {
          UpdateExpression: 'SET #d = :delegation',
          ExpressionAttributeValues: { ':delegation': delegation },
        }
      : { UpdateExpression: 'REMOVE #d' }),
    ExpressionAttributeNames: attribute,
  }));
}

/** The active members with this mailbox connected, as the mailbox record holds them, with their delegations. */
export function membersOfMailbox(
  record: Attributes,
): { userId: string; role: Role; delegation?: Delegation }[] {
  const members: { userId: string; role: Role; delegation?: Delegation }[] = [];
  for (const [name, value] of Object.entries(record)) {
    if (!name.startsWith(MEMBER_PREFIX) || (value !== 'admin' && value !== 'member')) continue;
    const userId = name.slice(MEMBER_PREFIX.length);
    const delegation = record[`${DELEGATION_PREFIX}${userId}`];
    members.push({
      userId,
      role: value,
      ...(delegation === undefined
        ? {}
        : { delegation: parseRecord(delegationRecord, delegation, 'mailbox delegation') }),
    });
  }
  return members;
}
