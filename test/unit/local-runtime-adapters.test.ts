/**
 * The local runtime's translations of AWS behaviour, without any network: API Gateway route selection
 * and v2 events, EventBridge PutEvents validation and envelopes, and loading handlers as Lambda does.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiGatewayEvent, httpResultOf } from '../../infra/local/api-gateway-event.js';
import { createHandlerInvoker, HandlerLoadError } from '../../infra/local/handlers.js';
import { PutEventsRequestError, parsePutEvents, toEnvelope } from '../../infra/local/put-events.js';
import { type HttpRoute, routeTable } from '../../infra/local/routes.js';
import { httpRoutes } from '../../infra/manifest.js';

const table = routeTable(httpRoutes);
const routeOf = (method: string, path: string) => {
  const match = table.match(method, path);
  return match.found
    ? { fn: match.route.fn.name, routeKey: match.routeKey, params: match.pathParameters }
    : undefined;
};

describe('route selection (as API Gateway HTTP APIs choose)', () => {
  it('prefers the static /review-items/summary over /review-items/{id}', () => {
    expect(routeOf('GET', '/review-items/summary')).toEqual({
      fn: 'get-review-summary',
      routeKey: 'GET /review-items/summary',
      params: {},
    });
  });

  it('binds path parameters, URL-decoded', () => {
    expect(routeOf('GET', '/review-items/ri_1%2Fx')).toMatchObject({
      fn: 'get-review-item',
      params: { id: 'ri_1/x' },
    });
    expect(routeOf('GET', '/records/account/acc_1/review-items')).toMatchObject({
      fn: 'list-record-review-items',
      params: { recordType: 'account', recordId: 'acc_1' },
    });
  });

  it('uses the method to choose: PATCH /review-items/summary is an edit of an item called "summary"', () => {
    expect(routeOf('PATCH', '/review-items/summary')).toMatchObject({
      fn: 'edit-review-item',
      params: { id: 'summary' },
    });
  });

  it('finds nothing for an unknown path, another method, an empty parameter or extra segments', () => {
    expect(routeOf('GET', '/nope')).toBeUndefined();
    expect(routeOf('DELETE', '/review-items')).toBeUndefined();
    expect(routeOf('GET', '/review-items/')).toBeUndefined();
    expect(routeOf('GET', '/review-items/a/b/c')).toBeUndefined();
  });

  it('lets a greedy {proxy+} catch what nothing more specific does', () => {
    const fn = httpRoutes[0]?.fn;
    if (!fn) throw new Error('the manifest has no routes');
    const routes: HttpRoute[] = [
      { fn, method: 'GET', path: '/files/{proxy+}', auth: 'none' },
      { fn, method: 'GET', path: '/files/{name}', auth: 'none' },
    ];
    const greedy = routeTable(routes);
    expect(greedy.match('GET', '/files/a')).toMatchObject({ routeKey: 'GET /files/{name}' });
    expect(greedy.match('GET', '/files/a/b')).toMatchObject({ pathParameters: { proxy: 'a/b' } });
  });
});

describe('API Gateway v2 event', () => {
  const request = {
    method: 'POST',
    url: new URL('http://127.0.0.1:3000/review-items/ri_1/approve?x=1&x=2&y=3'),
    headers: {
      'Content-Type': 'application/json',
      cookie: 'a=1; b=2',
      host: '127.0.0.1:3000',
      'user-agent': 'test',
    },
    body: Buffer.from('{"version":1}'),
    sourceIp: '127.0.0.1',
  };
  const route = { routeKey: 'POST /review-items/{id}/approve', pathParameters: { id: 'ri_1' } };

  it('carries the route, raw path and query, lower-cased headers, cookies and a text body', () => {
    const event = apiGatewayEvent(request, route, {
      requestId: 'req-1',
      now: new Date('2026-11-21T10:00:00Z'),
    });

    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /review-items/{id}/approve',
      rawPath: '/review-items/ri_1/approve',
      rawQueryString: 'x=1&x=2&y=3',
      cookies: ['a=1', 'b=2'],
      queryStringParameters: { x: '1,2', y: '3' },
      pathParameters: { id: 'ri_1' },
      body: '{"version":1}',
      isBase64Encoded: false,
      requestContext: {
        requestId: 'req-1',
        routeKey: 'POST /review-items/{id}/approve',
        stage: '$default',
        time: '21/Nov/2026:10:00:00 +0000',
        http: {
          method: 'POST',
          path: '/review-items/ri_1/approve',
          sourceIp: '127.0.0.1',
          userAgent: 'test',
        },
      },
    });
    expect(event.headers).toMatchObject({ 'content-type': 'application/json' });
    expect(event.headers).not.toHaveProperty('cookie');
    expect(event.requestContext).not.toHaveProperty('authorizer');
  });

  it('hands JWT claims as strings under authorizer.jwt, with null scopes', () => {
    const claims = { sub: 'u_alice', workspace_id: 'ws_acme', iat: 1_700_000_000, aud: ['a', 'b'] };

    const event = apiGatewayEvent(request, route, { requestId: 'r', claims });

    expect(event.requestContext).toMatchObject({
      authorizer: {
        jwt: {
          claims: { sub: 'u_alice', workspace_id: 'ws_acme', iat: '1700000000', aud: '[a b]' },
          scopes: null,
        },
      },
    });
  });

  it('base64-encodes a binary body and omits an empty one', () => {
    const binary = {
      ...request,
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.from([0, 1]),
    };
    expect(apiGatewayEvent(binary, route, { requestId: 'r' })).toMatchObject({
      body: 'AAE=',
      isBase64Encoded: true,
    });
    expect(
      apiGatewayEvent({ ...request, body: Buffer.alloc(0) }, route, { requestId: 'r' }),
    ).not.toHaveProperty('body');
  });

  it('turns a structured result into a response, and anything else into a JSON 200', () => {
    expect(httpResultOf({ statusCode: 201, headers: { 'Content-Type': 'text/plain' }, body: 'ok' })).toEqual({
      statusCode: 201,
      headers: { 'content-type': 'text/plain' },
      body: Buffer.from('ok'),
    });
    expect(httpResultOf({ items: [] })).toMatchObject({ statusCode: 200, body: Buffer.from('{"items":[]}') });
    expect(httpResultOf({ statusCode: 42 })).toBeUndefined();
  });
});

describe('PutEvents', () => {
  const context = {
    eventBusName: 'for-review',
    now: new Date('2026-11-21T10:00:00.123Z'),
    newId: () => 'evt-1',
  };
  const entry = {
    Source: 'directory',
    DetailType: 'Workspace Member Changed',
    Detail: '{"a":1}',
    EventBusName: 'for-review',
  };

  it('builds the EventBridge envelope, with the time to the second', () => {
    expect(toEnvelope({ ...entry, Time: 1_795_000_000.5 }, context)).toEqual({
      bus: 'own',
      accepted: {
        version: '0',
        id: 'evt-1',
        'detail-type': 'Workspace Member Changed',
        source: 'directory',
        account: '000000000000',
        time: '2026-11-18T11:06:40Z',
        region: 'us-east-1',
        resources: [],
        detail: { a: 1 },
      },
    });
    expect(toEnvelope(entry, context)).toMatchObject({ accepted: { time: '2026-11-21T10:00:00Z' } });
  });

  it('accepts the bus by ARN too', () => {
    const arn = 'arn:aws:events:us-east-1:000000000000:event-bus/for-review';
    expect(toEnvelope({ ...entry, EventBusName: arn }, context)).toHaveProperty('accepted');
  });

  it('serves the default bus only when a rule listens there: an entry without EventBusName goes to it', () => {
    const served = { ...context, serveDefaultBus: true };
    expect(toEnvelope({ ...entry, EventBusName: undefined }, served)).toMatchObject({ bus: 'default' });
    expect(toEnvelope({ ...entry, EventBusName: 'default' }, served)).toMatchObject({ bus: 'default' });
    expect(toEnvelope({ ...entry, EventBusName: 'other' }, served)).toMatchObject({
      failed: { ErrorCode: 'InvalidArgument' },
    });
  });

  it.each([
    ['malformed Detail', { Detail: '{nope' }, 'MalformedDetail'],
    ['a Detail that is not an object', { Detail: '[1]' }, 'MalformedDetail'],
    ['no Detail', { Detail: undefined }, 'InvalidArgument'],
    ['no Source', { Source: undefined }, 'InvalidArgument'],
    ['an empty DetailType', { DetailType: '' }, 'InvalidArgument'],
    ['another bus', { EventBusName: 'other' }, 'InvalidArgument'],
    ['no bus (the default bus)', { EventBusName: undefined }, 'InvalidArgument'],
  ])('fails an entry with %s', (_, change, code) => {
    expect(toEnvelope({ ...entry, ...change }, context)).toMatchObject({ failed: { ErrorCode: code } });
  });

  it('refuses a whole request with no entries, more than 10, or a shape the SDK never sends', () => {
    const entries = (n: number) => JSON.stringify({ Entries: Array.from({ length: n }, () => entry) });
    expect(parsePutEvents(entries(10))).toHaveLength(10);
    expect(() => parsePutEvents(entries(0))).toThrow(PutEventsRequestError);
    expect(() => parsePutEvents(entries(11))).toThrow(PutEventsRequestError);
    expect(() => parsePutEvents('{"Entries":[{"Source":1}]}')).toThrow(/SerializationException|Source/);
    expect(() => parsePutEvents('not json')).toThrow(PutEventsRequestError);
  });

  it('refuses a request whose entries total more than 256 KB', () => {
    const big = { ...entry, Detail: JSON.stringify({ padding: 'x'.repeat(300 * 1024) }) };
    expect(() => parsePutEvents(JSON.stringify({ Entries: [big] }))).toThrow(/over the limit/);
  });
});

describe('handler loading', () => {
  const fn = { name: 'not-written-yet', description: 'test', triggers: [], access: {}, timeoutSeconds: 1 };

  it('reports a function file that does not exist, and loads it once it does', async () => {
    const root = await mkdtemp(join(tmpdir(), 'handlers-'));
    const invoker = createHandlerInvoker(root);

    await expect(invoker.invoke(fn, {})).rejects.toThrow(HandlerLoadError);
    await mkdir(join(root, 'functions'));
    await writeFile(
      join(root, 'functions/not-written-yet.ts'),
      'export const handler = async (event: unknown) => ({ got: event });',
    );
    await expect(invoker.invoke(fn, { a: 1 })).resolves.toEqual({ got: { a: 1 } });
    await rm(root, { recursive: true, force: true });
  });

  it('reports a file without a handler export, and a handler that runs past its timeout', async () => {
    const root = await mkdtemp(join(tmpdir(), 'handlers-'));
    await mkdir(join(root, 'functions'));
    await writeFile(join(root, 'functions/no-handler.ts'), 'export const other = 1;');
    await writeFile(join(root, 'functions/slow.ts'), 'export const handler = () => new Promise(() => {});');
    const invoker = createHandlerInvoker(root);

    await expect(invoker.invoke({ ...fn, name: 'no-handler' }, {})).rejects.toThrow(
      /does not export a handler/,
    );
    await expect(invoker.invoke({ ...fn, name: 'slow' }, {})).rejects.toThrow(
      'Task timed out after 1.00 seconds',
    );
    await rm(root, { recursive: true, force: true });
  });
});
