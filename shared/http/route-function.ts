/**
 * The middy chain of an HTTP handler that takes input: the chain every HTTP handler uses (http-function.ts), then
 * the request parsed by the route's spec (request.ts `parseRequest`), so the handler receives typed input and
 * never reads the raw event's path, query, headers or body.
 */
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { httpChain } from './http-function.js';
import { parseRequest } from './request.js';
import type { RouteRequest, RouteSpec } from './route.js';
import { workspaceLimit } from './workspace-limit.js';

export function routeFunction<R extends RouteSpec>(
  route: R,
  handler: (request: RouteRequest<R>, context: Context) => Promise<APIGatewayProxyStructuredResultV2>,
) {
  const chain = httpChain();
  const limit = workspaceLimit(route);
  if (limit) chain.use(limit);
  return chain
    .use(parseRequest(route))
    .handler((event, context) => handler(event as unknown as RouteRequest<R>, context));
}
