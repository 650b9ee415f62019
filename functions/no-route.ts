/**
 * The HTTP API's `$default` route: every request no route takes, which API Gateway would otherwise answer itself
 * with 404 `{"message":"Not Found"}`. It answers as the local gateway does, with problem details
 * (shared/http/gateway-problem.ts): 404 when no route has the path, 405 with `Allow` when routes have the path but
 * not the method. It reads nothing but the route specs.
 *
 * A `$default` route takes OPTIONS too, so when the API has CORS (CORS_CONFIGURED, set by the stack) API Gateway
 * hands it the preflights it would otherwise answer, and adds its CORS headers to the answer: a preflight gets 204.
 */
import { optionalEnv } from '../shared/config.js';
import { noRouteAnswer } from '../shared/http/gateway-problem.js';
import { httpFunction } from '../shared/http/http-function.js';
import { isPreflight, routeMatcher } from '../shared/http/route-match.js';
import { routes } from '../shared/http/routes/index.js';

const table = routeMatcher(routes);
const corsConfigured = optionalEnv('CORS_CONFIGURED') === 'true';

export const handler = httpFunction(async (event) => {
  const { method } = event.requestContext.http;
  if (corsConfigured && isPreflight(method, event.headers)) return { statusCode: 204 };
  const { problem, headers } = noRouteAnswer(method, event.rawPath, table.methods(event.rawPath));
  return { statusCode: problem.status, headers, body: JSON.stringify(problem) };
});
