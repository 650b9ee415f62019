/**
 * functions/no-route.ts, the handler behind the HTTP API's `$default` route, invoked with the event API Gateway
 * builds for a request no route takes: the local gateway's answers, from the same route table.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../functions/no-route.js';
import { apiGatewayEvent } from '../../infra/local/api-gateway-event.js';
import { routeTable } from '../../infra/local/routes.js';
import { httpRoutes } from '../../infra/manifest.js';
import { METHOD_NOT_ALLOWED_TYPE, NO_ROUTE_TYPE } from '../../shared/http/gateway-problem.js';

type Handler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

const context = { functionName: 'ForReview-dev-no-route-abc', awsRequestId: 'r1' } as Context;

/** The event of the `$default` route, as API Gateway builds it. */
const eventOf = (method: string, path: string, headers: Record<string, string> = {}) =>
  apiGatewayEvent(
    {
      method,
      url: new URL(`https://api.example.com${path}`),
      headers: { host: 'api.example.com', ...headers },
      body: Buffer.alloc(0),
      sourceIp: '127.0.0.1',
    },
    { routeKey: '$default', pathParameters: {} },
    { requestId: 'no-route-test' },
  );

const invoke = (method: string, path: string, headers?: Record<string, string>, fn: Handler = handler) =>
  fn(eventOf(method, path, headers), context);

const preflight = { origin: 'https://app.acme.com', 'access-control-request-method': 'PATCH' };

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe('no-route: what the $default route answers', () => {
  it('answers 404 no-route as problem details when no route has the path', async () => {
    const response = await invoke('GET', '/nowhere');

    expect(response.statusCode).toBe(404);
    expect(response.headers).toEqual({ 'content-type': 'application/problem+json' });
    expect(JSON.parse(response.body ?? '')).toEqual({
      type: NO_ROUTE_TYPE,
      title: 'Not found',
      status: 404,
      detail: 'No route for GET /nowhere: the routes are in GET /openapi.json',
    });
  });

  it('answers 405 method-not-allowed with Allow when routes have the path but not the method', async () => {
    const response = await invoke('DELETE', '/review-items/ri_1');

    expect(response.statusCode).toBe(405);
    expect(response.headers).toEqual({ 'content-type': 'application/problem+json', allow: 'GET, PATCH' });
    expect(JSON.parse(response.body ?? '')).toMatchObject({
      type: METHOD_NOT_ALLOWED_TYPE,
      status: 405,
      detail: '/review-items/ri_1 takes GET, PATCH, not DELETE',
    });
  });

  it('allows what the local gateway allows, path by path', async () => {
    const local = routeTable(httpRoutes);
    for (const path of [
      '/review-items',
      '/review-items/summary',
      '/review-items/ri_1/approve',
      '/mcp',
      '/x/y',
    ]) {
      const response = await invoke('PUT', path);
      const allowed = local.methods(path);

      expect(response.statusCode, path).toBe(allowed.length === 0 ? 404 : 405);
      expect(response.headers?.allow, path).toBe(allowed.length === 0 ? undefined : allowed.join(', '));
    }
  });

  it('answers a CORS preflight 204 (API Gateway adds the headers) only when the API has CORS', async () => {
    expect((await invoke('OPTIONS', '/review-items', preflight)).statusCode).toBe(405);

    vi.stubEnv('CORS_CONFIGURED', 'true');
    const { handler: withCors } = await import('../../functions/no-route.js');

    expect(await invoke('OPTIONS', '/review-items', preflight, withCors)).toEqual({ statusCode: 204 });
    expect(await invoke('OPTIONS', '/nowhere', preflight, withCors)).toEqual({ statusCode: 204 });
    // An OPTIONS that is no preflight is a method like any other.
    expect((await invoke('OPTIONS', '/review-items', {}, withCors)).statusCode).toBe(405);
  });
});
