/**
 * Sent mail in the run's local SES (`GET /store`). The store is shared by every test file of the run,
 * so find your emails by something unique to your test (a subject or recipient with a random id),
 * rather than clearing the store under other tests' feet.
 */
import * as z from 'zod';
import { sesEndpoint } from './endpoints.js';

const sentEmailSchema = z.object({
  messageId: z.string(),
  from: z.string(),
  replyTo: z.array(z.string()),
  destination: z.object({ to: z.array(z.string()), cc: z.array(z.string()), bcc: z.array(z.string()) }),
  subject: z.string(),
  body: z.object({ html: z.string().optional(), text: z.string().optional() }),
  headers: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
  /** Epoch seconds. */
  at: z.number(),
});
const storeSchema = z.object({ emails: z.array(sentEmailSchema) });

export type SentEmail = z.infer<typeof sentEmailSchema>;

export interface EmailFilter {
  /** Only emails sent at or after this time (epoch seconds, or a Date). */
  since?: number | Date;
  /** Substring of the subject. */
  subject?: string;
  /** Substring found in the subject, text or html body, from, or any recipient. */
  text?: string;
  /** One of to, cc or bcc equals this address. */
  to?: string;
  from?: string;
  /** A message header with this name (case-insensitive) and value. */
  header?: { name: string; value: string };
}

/** Every email the run's local SES has accepted, oldest first, optionally only those since a time. */
export async function sentEmails(since?: number | Date): Promise<SentEmail[]> {
  const query = since === undefined ? '' : `?since=${epochSeconds(since)}`;
  const response = await fetch(`${sesEndpoint()}/store${query}`);
  if (!response.ok) throw new Error(`local SES /store answered ${response.status}`);
  return storeSchema.parse(await response.json()).emails;
}

/** The sent emails that match every given criterion. */
export async function findEmails(filter: EmailFilter): Promise<SentEmail[]> {
  return (await sentEmails(filter.since)).filter((email) => matches(email, filter));
}

function matches(email: SentEmail, filter: EmailFilter): boolean {
  const recipients = [...email.destination.to, ...email.destination.cc, ...email.destination.bcc];
  const haystack = [email.subject, email.body.text ?? '', email.body.html ?? '', email.from, ...recipients];
  return (
    (filter.subject === undefined || email.subject.includes(filter.subject)) &&
    (filter.text === undefined || haystack.some((part) => part.includes(filter.text ?? ''))) &&
    (filter.to === undefined || recipients.includes(filter.to)) &&
    (filter.from === undefined || email.from.includes(filter.from)) &&
    (filter.header === undefined ||
      (email.headers ?? []).some(
        (h) => h.name.toLowerCase() === filter.header?.name.toLowerCase() && h.value === filter.header.value,
      ))
  );
}

function epochSeconds(time: number | Date): number {
  return time instanceof Date ? Math.floor(time.getTime() / 1_000) : Math.floor(time);
}
