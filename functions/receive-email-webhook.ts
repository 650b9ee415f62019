/**
 * POST /webhooks/email: Standard Webhooks signature verified over the raw body with the reference package
 * (5-minute tolerance), then matching open items are resolved. Not JWT-authenticated: the signature is the auth.
 */
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { emailWebhookSchema } from '../shared/domain/email-webhook.js';
import { UnauthorizedError, ValidationError } from '../shared/errors.js';
import { httpFunction } from '../shared/http/http-function.js';
import { json, rawBodyOf, validate } from '../shared/http/request.js';
import { webhookHeadersSchema } from '../shared/http/requests.js';
import { METRIC } from '../shared/metric-names.js';
import { count } from '../shared/observability.js';
import { resolveFromWebhook } from '../shared/use-cases/resolve-from-webhook.js';
import { webhookSecretSource, writeDeps } from '../shared/wiring.js';

const deps = writeDeps();
const secret = webhookSecretSource();

export const handler = httpFunction(async (event) => {
  const body = rawBodyOf(event);
  // Bounded before use (SPEC 4): an over-long header is a 400, a missing one fails the signature (401).
  const headers = validate(
    webhookHeadersSchema,
    {
      'webhook-id': event.headers['webhook-id'] ?? '',
      'webhook-timestamp': event.headers['webhook-timestamp'] ?? '',
      'webhook-signature': event.headers['webhook-signature'] ?? '',
    },
    'The webhook headers are invalid',
  );
  let payload: unknown;
  try {
    payload = new Webhook(await secret()).verify(body, headers);
  } catch (error) {
    if (error instanceof WebhookVerificationError) {
      count(METRIC.WebhooksRefused);
      throw new UnauthorizedError(`Webhook rejected: ${error.message}`);
    }
    // The signature was valid but the body is not JSON.
    if (error instanceof SyntaxError)
      throw new ValidationError('The webhook body is not valid JSON', [
        { path: '', message: 'invalid JSON' },
      ]);
    throw error;
  }
  const webhookEvent = validate(emailWebhookSchema, payload, 'The webhook body is invalid');
  const { resolved, stale } = await resolveFromWebhook(deps, headers['webhook-id'], webhookEvent);
  return json(200, { resolved, stale });
});
