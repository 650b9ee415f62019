/**
 * POST /webhooks/email: Standard Webhooks signature verified over the raw body with the reference package
 * (5-minute tolerance), then matching open items are resolved. Not JWT-authenticated: the signature is the auth.
 */
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { UnauthorizedError, ValidationError } from '../shared/errors.js';
import { json, rawBodyOf, signedBodyOf } from '../shared/http/request.js';
import { routeFunction } from '../shared/http/route-function.js';
import { receiveEmailWebhookRoute } from '../shared/http/routes/receive-email-webhook.js';
import { METRIC } from '../shared/metric-names.js';
import { count } from '../shared/observability.js';
import { resolveFromWebhook } from '../shared/use-cases/resolve-from-webhook.js';
import { webhookSecretSource, writeDeps } from '../shared/wiring.js';

const deps = writeDeps();
const secret = webhookSecretSource();

export const handler = routeFunction(receiveEmailWebhookRoute, async ({ headers, event }) => {
  let payload: unknown;
  try {
    payload = new Webhook(await secret()).verify(rawBodyOf(event), headers);
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
  const webhookEvent = signedBodyOf(receiveEmailWebhookRoute, payload);
  const { resolved, stale } = await resolveFromWebhook(deps, headers['webhook-id'], webhookEvent);
  return json(200, { resolved, stale });
});
