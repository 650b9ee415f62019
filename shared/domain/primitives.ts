/**
 * The building blocks every schema shares: ids, times, mailbox addresses, header-safe strings, the run identity and
 * related records, with the bounds of spec 2.
 */

import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

// zod/mini carries no locale of its own: without this every issue would read "Invalid input". Set here, in the
// module every schema imports first, before anything parses.
z.config(en());

export const MAX_RECIPIENTS = 50;
export const MAX_BODY_BYTES = 100 * 1024;
export const MAX_RELATED_RECORDS = 10;
/** Upper bound on reviewers per item; keeps every item change within one DynamoDB transaction. */
export const MAX_REVIEWERS = 16;
/** Connected mailboxes per member: a member change moves them all in one transaction (docs/table-design.md). */
export const MAX_MAILBOXES = 40;

export const noControl = /^[^\r\n\0]*$/;
/** A header-safe string: no CR, LF or NUL (header injection). */
export const headerSafe = (max: number) =>
  z.string().check(z.maxLength(max), z.regex(noControl, 'must not contain CR, LF or NUL'));

/** No control character at all, U+0000–U+001F or U+007F (spec 2.3): what every name, label and id holds. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what it refuses.
export const noControlAtAll = /^[^\u0000-\u001f\u007f]*$/;
/** A name, label or id: at most `max` characters, none of them a control character. */
export const plainText = (max: number) =>
  z.string().check(z.maxLength(max), z.regex(noControlAtAll, 'must not contain control characters'));

export const idSchema = plainText(128).check(z.minLength(1));
export const workspaceIdSchema = z
  .string()
  .check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must match [A-Za-z0-9_-]{1,64}'));
export const isoTimeSchema = z.iso.datetime({ offset: true });

/**
 * A mailbox address (addr-spec): a dot-atom local part, a domain of labels with a TLD. Deliberately
 * stricter than RFC 5322 (no quoted local parts, no comments, no display names): this is what SES and
 * every mail provider accept without surprises.
 */
const MAILBOX =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;
export const mailboxSchema = z
  .string()
  .check(z.maxLength(320), z.regex(MAILBOX, 'must be a valid mailbox address (name@example.com)'));

export const executedAsSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('user'), userId: idSchema }),
  z.object({ kind: z.literal('workspace') }),
]);
export type ExecutedAs = z.output<typeof executedAsSchema>;

export const relatedRecordSchema = z.object({
  type: z
    .string()
    .check(z.regex(/^[a-z][a-z0-9_]{0,31}$/, 'must be a lower-case record type such as account')),
  id: idSchema,
  name: z.optional(plainText(500)),
  ownerId: z.optional(idSchema),
});
export type RelatedRecord = z.output<typeof relatedRecordSchema>;

/**
 * A value built the first time it is asked for, then kept. The draft kinds and the request schemas are built
 * this way (wrapped in `z.lazy`): a function builds the schemas it parses with, on first use, instead of every
 * schema of the service at import (spec 8, cold start; docs/performance.md).
 */
export function once<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => {
    built ??= { value: build() };
    return built.value;
  };
}

/**
 * What routing and the dedup key read of a proposal (the `Review Draft Proposed` event, shared/events/in-schemas.ts):
 * declared here so that the domain needs nothing of the event's schema, which is built from the draft kinds.
 */
export interface ProposalFacts {
  workspaceId: string;
  dedupKey?: string;
  run: { automationId: string; stepId: string; executedAs: ExecutedAs };
  relatedRecords: RelatedRecord[];
  draft: { type: string };
}
