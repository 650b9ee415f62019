/**
 * Problem documents (RFC 9457) for answers no handler makes: the gateway's own. It imports nothing, so the typed
 * client (which may run in a browser) and the local gateway share it without pulling in the handlers' stack.
 *
 * API Gateway's own answers have a body of its own, `{"message": "Unauthorized"}` from the JWT authorizer, and an
 * HTTP API cannot change it (it has no gateway responses): `problemOfGatewayMessage` is how the client turns such
 * a body into a problem document, so that every error it hands out has one shape.
 */

/** The same base as the handlers' problem types (shared/http/problem.ts). */
export const PROBLEM_TYPE_BASE = 'https://for-review.dev/problems/';

export interface GatewayProblem {
  type: string;
  title: string;
  status: number;
  detail: string;
}

const slugOf = (title: string) => title.toLowerCase().replace(/\s+/g, '-');

const problemOf = (slug: string, title: string, status: number, detail: string): GatewayProblem => ({
  type: `${PROBLEM_TYPE_BASE}${slug}`,
  title,
  status,
  detail,
});

/** The types of the gateway's own problems: a route-less 404 is not a handler's "no such item". */
export const NO_ROUTE_TYPE = `${PROBLEM_TYPE_BASE}no-route`;
export const METHOD_NOT_ALLOWED_TYPE = `${PROBLEM_TYPE_BASE}method-not-allowed`;

/** No route has this path, whatever the method. */
export const routeNotFound = (method: string, path: string): GatewayProblem =>
  problemOf(
    'no-route',
    'Not found',
    404,
    `No route for ${method} ${path}: the routes are in GET /openapi.json`,
  );

/** Routes have this path, none with this method: the answer's `Allow` header lists theirs. */
export const methodNotAllowed = (method: string, path: string, allowed: readonly string[]): GatewayProblem =>
  problemOf(
    'method-not-allowed',
    'Method not allowed',
    405,
    `${path} takes ${allowed.join(', ')}, not ${method}`,
  );

/**
 * The answer to a request no route takes, as problem details: 404 when no route has its path, else 405 with `Allow`
 * listing `allowed`, the methods the routes with its path take. The local gateway and the function behind the HTTP
 * API's `$default` route (functions/no-route.ts) both answer with it.
 */
export function noRouteAnswer(
  method: string,
  path: string,
  allowed: readonly string[],
): { problem: GatewayProblem; headers: Record<string, string> } {
  if (allowed.length === 0)
    return { problem: routeNotFound(method, path), headers: { 'content-type': 'application/problem+json' } };
  return {
    problem: methodNotAllowed(method, path, allowed),
    headers: { 'content-type': 'application/problem+json', allow: allowed.join(', ') },
  };
}

const GATEWAY_DETAILS: Record<number, string> = {
  401: 'The gateway refused the request: no valid bearer token (missing, malformed, expired, or for another issuer or audience)',
};

/** True for API Gateway's own body: `{ "message": string }` and nothing else. */
export function isGatewayMessage(body: unknown): body is { message: string } {
  return (
    typeof body === 'object' &&
    body !== null &&
    !Array.isArray(body) &&
    typeof (body as { message?: unknown }).message === 'string' &&
    Object.keys(body).length === 1
  );
}

/** API Gateway's `{ "message" }` answer as a problem document: the message is the title. */
export function problemOfGatewayMessage(status: number, message: string): GatewayProblem {
  const detail = GATEWAY_DETAILS[status] ?? `The gateway answered ${status}: ${message}`;
  return problemOf(slugOf(message), message, status, detail);
}
