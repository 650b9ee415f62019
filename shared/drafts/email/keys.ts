/** The index keys an open email draft carries, for the email webhook (docs/table-design.md, `match`, `draftId`). */
import { createHash } from 'node:crypto';
import { escapeKeySegment, tenant } from '../../store/key-parts.js';
import { normalizeSubject } from './matching.js';

const subjectHash = (subject: string) =>
  createHash('sha256').update(normalizeSubject(subject)).digest('hex').slice(0, 32);

/** An email draft's conversation: its thread, or (threadless) its normalized subject, in its from-mailbox. */
export const conversationKey = (
  workspaceId: string,
  mailbox: string,
  match: { threadId: string } | { subject: string },
) =>
  `${tenant(workspaceId)}#MB#${escapeKeySegment(mailbox.toLowerCase())}#` +
  ('threadId' in match ? `T#${escapeKeySegment(match.threadId)}` : `S#${subjectHash(match.subject)}`);

export const externalDraftKey = (workspaceId: string, mailbox: string, draftId: string) =>
  `${tenant(workspaceId)}#MB#${escapeKeySegment(mailbox.toLowerCase())}#D#${escapeKeySegment(draftId)}`;
