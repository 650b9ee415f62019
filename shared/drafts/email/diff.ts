/** What a reviewer's edit of an email changed (spec 3, Feedback): addresses added and removed, subject, body. */
import type { DraftDiff } from '../kind.js';
import { textChangeRatio } from '../text-change.js';
import type { EmailDraft } from './schema.js';

const FIELDS = ['to', 'cc', 'bcc', 'subject', 'bodyText', 'bodyHtml'] as const;

const lower = (addresses: string[]) => new Set(addresses.map((a) => a.toLowerCase()));

export function emailDiff(before: EmailDraft, after: EmailDraft): DraftDiff {
  const fields = FIELDS.filter((field) => JSON.stringify(before[field]) !== JSON.stringify(after[field]));
  const was = lower([...before.to, ...before.cc, ...before.bcc]);
  const now = lower([...after.to, ...after.cc, ...after.bcc]);
  return {
    fields: [...fields],
    addressesAdded: [...now].filter((a) => !was.has(a)).sort(),
    addressesRemoved: [...was].filter((a) => !now.has(a)).sort(),
    subjectChanged: before.subject !== after.subject,
    bodyChangeRatio: textChangeRatio(before.bodyText, after.bodyText),
  };
}
