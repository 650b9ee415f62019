/**
 * The request middleware (shared/http/request.ts parseRequest): a handler receives its request parsed by its route
 * spec, the same spec the OpenAPI document is built from, and invalid input is answered as problem details before
 * the handler runs.
 */
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod/mini';
import { idSchema } from '../../shared/domain/primitives.js';
import { json, signedBodyOf } from '../../shared/http/request.js';
import { defineRoute } from '../../shared/http/route.js';
import { routeFunction } from '../../shared/http/route-function.js';

const context = { functionName: 'ForReview-dev-test-abc', awsRequestId: 'r1' } as Context;
const claims = { sub: 'u_alice', workspace_id: 'ws_acme' };

function event(
  over: Partial<APIGatewayProxyEventV2> & { claims?: Record<string, unknown> },
): APIGatewayProxyEventV2 {
  const { claims: given, ...rest } = over;
  return {
    rawPath: '/things/t_1',
    headers: {},
    requestContext: { http: { method: 'POST' }, authorizer: { jwt: { claims: given ?? claims } } },
    ...rest,
  } as never as APIGatewayProxyEventV2;
}

const thingRoute = defineRoute({
  fn: 'test',
  method: 'POST',
  path: '/things/{id}/{ownerId}',
  auth: 'jwt',
  params: { ownerId: { schema: idSchema } },
  query: z.strictObject({ limit: z._default(z.coerce.number().check(z.int(), z.maximum(10)), 5) }),
  body: { schema: z.strictObject({ note: z.string() }), required: true },
});

const signedRoute = defineRoute({
  fn: 'test',
  method: 'POST',
  path: '/hooks',
  auth: 'none',
  subject: 'webhook',
  headers: { 'hook-id': { schema: z.string().check(z.maxLength(8)) } },
  body: { schema: z.object({ n: z.number() }), required: true, signed: true },
});

const problemOf = (response: { statusCode?: number; body?: string }) => ({
  status: response.statusCode,
  ...(JSON.parse(response.body ?? '{}') as { detail: string; errors?: unknown }),
});

describe('a route handler', () => {
  beforeEach(() => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const handler = vi.fn(async (request: unknown) => json(200, request));
  const thing = routeFunction(thingRoute, async ({ caller, path, query, body }) =>
    handler({ caller, path, query, body }),
  );

  it('receives the caller, path, query and body parsed by its route spec', async () => {
    const response = await thing(
      event({ pathParameters: { id: 't_1', ownerId: 'u_bob' }, body: '{"note":"hi"}' }),
      context,
    );

    expect(JSON.parse(response.body ?? '')).toEqual({
      caller: { userId: 'u_alice', workspaceId: 'ws_acme' },
      path: { id: 't_1', ownerId: 'u_bob' },
      query: { limit: 5 },
      body: { note: 'hi' },
    });
  });

  it.each([
    [
      'a token without a workspace',
      { claims: { sub: 'u_alice' } },
      401,
      'The token does not carry a valid sub and workspace_id',
    ],
    [
      'a missing path parameter',
      { pathParameters: { ownerId: 'u_bob' } },
      400,
      'Path parameter id is invalid',
    ],
    [
      'a path parameter past its schema',
      { pathParameters: { id: 't', ownerId: 'a\r\nb' } },
      400,
      'The path is invalid',
    ],
    [
      'a query past its schema',
      { pathParameters: { id: 't', ownerId: 'u' }, queryStringParameters: { limit: '11' } },
      400,
      'The query is invalid',
    ],
    [
      'a body that is not JSON',
      { pathParameters: { id: 't', ownerId: 'u' }, body: '{' },
      400,
      'The body is not valid JSON',
    ],
    [
      'a body past its schema',
      { pathParameters: { id: 't', ownerId: 'u' }, body: '{"note":1}' },
      400,
      'The body is invalid',
    ],
  ])('answers %s with problem details before the handler runs', async (_, over, status, detail) => {
    handler.mockClear();

    const response = await thing(event(over), context);

    expect(problemOf(response)).toMatchObject({ status, detail });
    expect(handler).not.toHaveBeenCalled();
  });

  it('leaves a signed body to the handler, and names the input in what it refuses', async () => {
    const hook = routeFunction(signedRoute, async ({ headers, event: raw }) =>
      json(200, { id: headers['hook-id'], body: signedBodyOf(signedRoute, JSON.parse(raw.body ?? '')) }),
    );

    expect(
      JSON.parse((await hook(event({ headers: { 'hook-id': 'h1' }, body: '{"n":1}' }), context)).body ?? ''),
    ).toEqual({
      id: 'h1',
      body: { n: 1 },
    });
    expect(problemOf(await hook(event({ headers: { 'hook-id': 'h'.repeat(9) } }), context))).toMatchObject({
      status: 400,
      detail: 'The webhook headers are invalid',
      errors: [{ path: 'hook-id', message: expect.any(String) }],
    });
    expect(problemOf(await hook(event({ headers: {}, body: '{"n":"x"}' }), context))).toMatchObject({
      status: 400,
      detail: 'The webhook body is invalid',
    });
  });
});
