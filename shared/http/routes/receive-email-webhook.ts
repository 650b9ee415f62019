import * as z from 'zod/mini';
import { emailWebhookSchema } from '../../domain/email-webhook.js';
import { headerSafe } from '../../domain/primitives.js';
import { defineRoute } from '../route.js';

const upTo = (max: number) => z.string().check(z.maxLength(max));

/**
 * Not JWT-authenticated: the Standard Webhooks signature is the auth. The headers are bounded before anything uses
 * them (the id keys the delivery: Standard Webhooks ids are short, `msg_` + a ULID or UUID; the timestamp is Unix
 * seconds, the signature a few `v1,<base64>`): an over-long header is a 400, a missing or malformed one fails the
 * signature (401).
 */
export const receiveEmailWebhookRoute = defineRoute({
  fn: 'receive-email-webhook',
  method: 'POST',
  path: '/webhooks/email',
  auth: 'none',
  subject: 'webhook',
  headers: {
    'webhook-id': {
      description:
        'Unique per delivery; a repeat is a no-op that answers the first answer (at most 256 characters)',
      schema: headerSafe(256),
      documented: z.string().check(z.minLength(1), z.maxLength(256)),
    },
    'webhook-timestamp': {
      description: 'Unix seconds when the delivery was signed',
      schema: upTo(20),
      documented: z.string().check(z.regex(/^\d+$/)),
    },
    'webhook-signature': {
      description: 'Space-separated signatures, `v1,<base64>`',
      schema: headerSafe(4096),
      documented: z.string().check(z.regex(/^v1,/)),
    },
  },
  body: { schema: emailWebhookSchema, required: true, signed: true },
});
