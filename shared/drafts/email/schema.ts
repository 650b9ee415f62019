/**
 * The email draft (spec 2.1): its schema as proposed and stored, and what a reviewer may edit (`from` is not
 * editable). Bounds: 1–50 recipients in to, cc and bcc together; subject 1–998 characters; no CR, LF or NUL in
 * header fields; bodies up to 100 KB each; valid mailbox addresses.
 */
import * as z from 'zod/mini';
import {
  headerSafe,
  idSchema,
  MAX_BODY_BYTES,
  MAX_RECIPIENTS,
  mailboxSchema,
  noControl,
  once,
} from '../../domain/primitives.js';

/** The email kind's schemas, built on first use (shared/domain/primitives.ts `once`). */
export const emailSchemas = once(() => {
  const bodySchema = z
    .string()
    .check(
      z.refine(
        (s) => Buffer.byteLength(s, 'utf8') <= MAX_BODY_BYTES,
        `must be at most ${MAX_BODY_BYTES} bytes`,
      ),
    );
  const subjectSchema = z
    .string()
    .check(z.minLength(1), z.maxLength(998), z.regex(noControl, 'must not contain CR, LF or NUL'));
  const addressList = z.array(mailboxSchema).check(z.maxLength(MAX_RECIPIENTS));

  const recipientCount = (d: { to: string[]; cc?: string[]; bcc?: string[] }) =>
    d.to.length + (d.cc?.length ?? 0) + (d.bcc?.length ?? 0);

  const emailDraftSchema = z
    .object({
      type: z.literal('email'),
      from: mailboxSchema,
      to: addressList,
      cc: z._default(addressList, []),
      bcc: z._default(addressList, []),
      subject: subjectSchema,
      bodyText: bodySchema,
      bodyHtml: z.optional(bodySchema),
      threadId: z.optional(idSchema),
      inReplyTo: z.optional(headerSafe(998).check(z.minLength(1))),
      externalDraftId: z.optional(idSchema),
    })
    .check(
      z.refine((d) => recipientCount(d) >= 1 && recipientCount(d) <= MAX_RECIPIENTS, {
        message: `to, cc and bcc together must hold 1 to ${MAX_RECIPIENTS} recipients`,
        path: ['to'],
      }),
    );

  /** What a reviewer may change in an email draft (PATCH `draft`): every field validated like the event's. */
  const emailEditSchema = z.strictObject({
    to: z.optional(addressList),
    cc: z.optional(addressList),
    bcc: z.optional(addressList),
    subject: z.optional(subjectSchema),
    bodyText: z.optional(bodySchema),
    bodyHtml: z.optional(z.nullable(bodySchema)),
  });
  return { emailDraftSchema, emailEditSchema };
});

/** The email draft as proposed and stored. */
export const emailDraftSchema = z.lazy(() => emailSchemas().emailDraftSchema);
export type EmailDraft = z.output<typeof emailDraftSchema>;

/** What a reviewer may change in an email draft (PATCH `draft`): every field validated like the event's. */
export const emailEditSchema = z.lazy(() => emailSchemas().emailEditSchema);
export type EmailEdit = z.output<typeof emailEditSchema>;
