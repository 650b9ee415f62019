/**
 * `Mailbox` records: which active members have a mailbox connected, written in the same transaction as the member
 * change, so routing reads the members whose mailbox is on an email with one BatchGetItem instead of the directory
 * (spec 8: ingest in at most 4 requests whatever the directory size). Each member is a top-level attribute
 * `u#<userId>` holding their role; an inactive member is in no mailbox record.
 */
import type { Member, Role } from '../../domain/review-item.js';
import { escapeKeySegment, tenant } from '../key-parts.js';
import type { Attributes, TableKey } from '../table.js';

export const MAILBOX_ENTITY = 'Mailbox';
const MEMBER_PREFIX = 'u#';

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
  const attribute = { '#u': `${MEMBER_PREFIX}${after.userId}` };
  const updates: Record<string, unknown>[] = [];
  for (const mailbox of isIn) {
    updates.push({
      TableName: tableName,
      Key: mailboxKeys.mailbox(after.workspaceId, mailbox),
      UpdateExpression: 'SET entity = :entity, #u = :role',
      ExpressionAttributeNames: attribute,
      ExpressionAttributeValues: { ':entity': MAILBOX_ENTITY, ':role': after.role },
    });
  }
  for (const mailbox of wasIn) {
    if (isIn.has(mailbox)) continue;
    updates.push({
      TableName: tableName,
      Key: mailboxKeys.mailbox(after.workspaceId, mailbox),
      UpdateExpression: 'REMOVE #u',
      ExpressionAttributeNames: attribute,
    });
  }
  return updates;
}

/** The active members with this mailbox connected, as the mailbox record holds them. */
export function membersOfMailbox(record: Attributes): { userId: string; role: Role }[] {
  const members: { userId: string; role: Role }[] = [];
  for (const [name, value] of Object.entries(record)) {
    if (!name.startsWith(MEMBER_PREFIX) || (value !== 'admin' && value !== 'member')) continue;
    members.push({ userId: name.slice(MEMBER_PREFIX.length), role: value });
  }
  return members;
}
