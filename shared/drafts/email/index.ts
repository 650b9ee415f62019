/**
 * The email kind (spec 2.1): routed also to the members whose mailbox is on the email, approved only by a
 * reviewer with the `from` mailbox, sent through the mailer port (./sender.ts; SES: shared/mail/mailer.ts) by its
 * executor (./approve.ts), matched by the email webhook by thread, subject or provider draft id (./matching.ts).
 */
import * as z from 'zod/mini';
import type { Member } from '../../domain/review-item.js';
import type { DraftKind } from '../kind.js';
import { checkEmailApproval, sendEmail } from './approve.js';
import { emailDiff } from './diff.js';
import { conversationKey, externalDraftKey } from './keys.js';
import { makesStale, matchesWebhookEvent } from './matching.js';
import {
  type EmailDraft,
  type EmailEdit,
  emailDraftSchema,
  emailEditSchema,
  emailSchemas,
} from './schema.js';

const PREVIEW_LENGTH = 280;

export const emailPreviewSchema = z.lazy(() => {
  const { bodyText: _text, bodyHtml: _html, ...headerFields } = emailSchemas().emailDraftSchema.shape;
  return z.object({
    ...headerFields,
    bodyPreview: z
      .string()
      .register(z.globalRegistry, { description: 'The first 280 characters of the text body' }),
  });
});
export type EmailPreview = z.output<typeof emailPreviewSchema>;

const sortedUnique = (values: string[]): string[] => [...new Set(values)].sort();

/** Whether the member's connected mailboxes include the address (case-insensitive). */
export const hasMailbox = (member: Member, address: string): boolean =>
  member.mailboxes.includes(address.toLowerCase());

export const emailKind: DraftKind<EmailDraft, EmailPreview, EmailEdit> = {
  type: 'email',
  proposalSchema: emailDraftSchema,
  schema: emailDraftSchema,
  previewSchema: emailPreviewSchema,
  preview(draft) {
    const { bodyText, bodyHtml: _bodyHtml, ...headers } = draft;
    return { ...headers, bodyPreview: bodyText.slice(0, PREVIEW_LENGTH) };
  },
  editKey: 'draft',
  noun: 'an email',
  editSchema: emailEditSchema,
  merge(draft, edit) {
    const { bodyHtml, ...changes } = edit;
    const merged: Record<string, unknown> = { ...draft, ...changes };
    if (bodyHtml === null) delete merged.bodyHtml;
    else if (bodyHtml !== undefined) merged.bodyHtml = bodyHtml;
    return merged;
  },
  // The edits are replaced with the draft, never kept (below).
  hasEdits: () => false,
  // Replacement drops a reviewer's edits of an email (spec 3): the edited draft stays in history.
  replace: (_previous, proposal) => proposal,
  replaceReadsPrevious: false,
  candidates: (draft) => ({
    userIds: [],
    mailboxes: [...new Set([draft.from, ...draft.to, ...draft.cc].map((a) => a.toLowerCase()))],
  }),
  dedupParts: (draft, relatedRecords) => [
    draft.threadId
      ? `thread:${draft.threadId}`
      : `to:${sortedUnique([...draft.to, ...draft.cc, ...draft.bcc].map((a) => a.toLowerCase())).join(',')}`,
    sortedUnique(relatedRecords.map((r) => `${r.type}:${r.id}`)).join(','),
  ],
  records: () => [],
  indexKeys: (workspaceId, draft) => ({
    matchPk: conversationKey(
      workspaceId,
      draft.from,
      draft.threadId !== undefined ? { threadId: draft.threadId } : { subject: draft.subject },
    ),
    ...(draft.externalDraftId !== undefined
      ? { draftIdPk: externalDraftKey(workspaceId, draft.from, draft.externalDraftId) }
      : {}),
  }),
  fieldsOf: () => [],
  approveRefusal: (member, draft) =>
    hasMailbox(member, draft.from)
      ? null
      : `Only a reviewer whose connected mailbox is ${draft.from} can send this email; you can edit or dismiss it`,
  approveTransition: 'claim',
  approveCheck: checkEmailApproval,
  approve: sendEmail,
  resolvedBy: matchesWebhookEvent,
  staledBy: makesStale,
  diff: emailDiff,
  headline: (draft) => `"${draft.subject}" from ${draft.from} to ${draft.to.join(', ') || '(cc/bcc only)'}`,
  describe(draft) {
    const cc = draft.cc.length > 0 ? `, cc ${draft.cc.join(', ')}` : '';
    const body = 'bodyText' in draft ? draft.bodyText : `${draft.bodyPreview}…`;
    return [
      `Email from ${draft.from} to ${draft.to.join(', ') || '(cc/bcc only)'}${cc}`,
      `Subject: ${draft.subject}`,
      '',
      body,
    ].join('\n');
  },
};

export type { EmailDraft, EmailEdit } from './schema.js';
