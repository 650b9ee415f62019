/**
 * The local gateway's event building under hostile input, without a network: query strings, headers, path
 * parameters and claims become own keys of null-prototype maps (so `?__proto__=1` reaches a strict schema
 * as API Gateway's JSON would carry it), nothing reaches Object.prototype, and nothing throws (fast-check).
 * Also CORS matching and the request-size bound, as pure functions.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { apiGatewayEvent } from '../../infra/local/api-gateway-event.js';
import {
  allowedOrigin,
  corsConfig,
  corsFromEnv,
  isPreflight,
  preflightHeaders,
  withCorsHeaders,
} from '../../infra/local/cors.js';
import { outcomeOf } from '../../infra/local/event-bus.js';
import { MAX_REQUEST_LINE_AND_HEADERS_BYTES, requestLineAndHeaderBytes } from '../../infra/local/gateway.js';
import { routeTable } from '../../infra/local/routes.js';
import { httpRoutes } from '../../infra/manifest.js';

const DANGEROUS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__defineGetter__',
];
const route = { routeKey: 'GET /review-items', pathParameters: {} };

const request = (url: string, rawHeaders: string[] = []) => ({
  method: 'GET',
  url: new URL(url),
  headers: {},
  rawHeaders,
  body: Buffer.alloc(0),
  sourceIp: '127.0.0.1',
});

/** Everything Object.prototype has, to prove nothing was added to it. */
const prototypeSnapshot = () => Object.getOwnPropertyNames(Object.prototype).sort().join();

describe('null-prototype maps: request keys are real keys', () => {
  it('hands ?__proto__=1, ?constructor=x and ?toString=y to the handler as keys, through JSON as Lambda does', () => {
    const event = apiGatewayEvent(
      request('http://127.0.0.1/review-items?__proto__=1&constructor=x&toString=y'),
      route,
      {
        requestId: 'r',
      },
    );

    expect(Object.keys(event.queryStringParameters ?? {})).toEqual(['__proto__', 'constructor', 'toString']);
    const received = JSON.parse(JSON.stringify(event));
    expect(Object.hasOwn(received.queryStringParameters, '__proto__')).toBe(true);
    expect(received.queryStringParameters.toString).toBe('y');
    const strict = z.object({ limit: z.string().optional() }).strict();
    expect(strict.safeParse(received.queryStringParameters).success).toBe(false);
    expect(strict.safeParse(event.queryStringParameters).success).toBe(false);
  });

  it('keeps every repeat of a header, joined with commas, and dangerous header names as keys', () => {
    const event = apiGatewayEvent(
      request('http://127.0.0.1/review-items', [
        'Authorization',
        'Bearer a',
        'authorization',
        'Bearer b',
        '__proto__',
        'x',
        'Cookie',
        'a=1',
        'cookie',
        'b=2',
      ]),
      route,
      { requestId: 'r' },
    );

    expect(event.headers.authorization).toBe('Bearer a,Bearer b');
    expect(Object.hasOwn(event.headers, '__proto__')).toBe(true);
    expect(event.cookies).toEqual(['a=1', 'b=2']);
  });

  it('builds claims and path parameters as null-prototype maps too', () => {
    const claims = JSON.parse('{"sub":"u","workspace_id":"w","__proto__":{"admin":true}}');
    const event = apiGatewayEvent(
      request('http://127.0.0.1/review-items/x'),
      { routeKey: 'GET /review-items/{id}', pathParameters: { id: 'x' } },
      { requestId: 'r', claims },
    );
    const jwt = (
      event.requestContext as unknown as { authorizer: { jwt: { claims: Record<string, string> } } }
    ).authorizer.jwt;

    expect(Object.getOwnPropertyDescriptor(jwt.claims, '__proto__')?.value).toBe('{"admin":true}');
    expect(Object.getPrototypeOf(jwt.claims)).toBeNull();
    expect(Object.getPrototypeOf(event.pathParameters)).toBeNull();
    expect(({} as { admin?: unknown }).admin).toBeUndefined();
  });
});

describe('fuzz (fast-check): event building never throws and never pollutes a prototype', () => {
  const key = fc.oneof(
    fc.constantFrom(...DANGEROUS),
    fc.string({ maxLength: 12 }),
    fc.string({ unit: 'grapheme', maxLength: 6 }),
  );
  const headerName = fc.oneof(
    fc.constantFrom(...DANGEROUS),
    fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,16}$/),
  );
  const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,40}$/);

  it('turns any query into own keys with comma-joined values, any headers into lower-cased own keys', () => {
    const before = prototypeSnapshot();
    fc.assert(
      fc.property(
        fc.array(fc.tuple(key, fc.string({ maxLength: 12 })), { maxLength: 12 }),
        fc.array(fc.tuple(headerName, headerValue), { maxLength: 12 }),
        fc.array(fc.string({ maxLength: 8 }), { maxLength: 4 }),
        (query, headers, segments) => {
          const search = new URLSearchParams(query);
          const path = `/${segments.map(encodeURIComponent).join('/')}`;
          const url = `http://127.0.0.1${path}${query.length > 0 ? `?${search}` : ''}`;
          const event = apiGatewayEvent(request(url, headers.flat()), route, { requestId: 'r' });
          const received = JSON.parse(JSON.stringify(event));

          const expectedQuery = new Map<string, string>();
          for (const [k, v] of new URL(url).searchParams)
            expectedQuery.set(k, expectedQuery.has(k) ? `${expectedQuery.get(k)},${v}` : v);
          for (const [k, v] of expectedQuery) {
            expect(Object.hasOwn(received.queryStringParameters, k)).toBe(true);
            expect(received.queryStringParameters[k]).toBe(v);
          }
          expect(Object.keys(received.queryStringParameters ?? {}).length).toBe(expectedQuery.size);
          for (const [name] of headers) {
            if (name.toLowerCase() === 'cookie') continue;
            expect(Object.hasOwn(received.headers, name.toLowerCase())).toBe(true);
          }
          expect(Object.getPrototypeOf(event.headers)).toBeNull();
        },
      ),
      { numRuns: 300 },
    );
    expect(prototypeSnapshot()).toBe(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('routes any raw path without throwing (bad percent-encoding included)', () => {
    const table = routeTable(httpRoutes);
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('%', '%E0%A4%A', '%00', '..', '{id}')),
          { maxLength: 6 },
        ),
        (parts) => {
          const match = table.match('GET', `/${parts.join('/')}`);
          if (match.found)
            expect(Object.values(match.pathParameters).every((v) => typeof v === 'string')).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("lists the methods of the routes that take a path: a 405's Allow, empty for a 404", () => {
    const table = routeTable(httpRoutes);

    expect(table.methods('/review-items/ri_1')).toEqual(['GET', 'PATCH']);
    // PATCH takes it too: /review-items/{id} with id "summary", as API Gateway would route it.
    expect(table.methods('/review-items/summary')).toEqual(['GET', 'PATCH']);
    expect(table.methods('/mcp')).toEqual(['GET', 'POST']);
    expect(table.methods('/nope')).toEqual([]);
    expect(table.methods('/review-items/ri_1/approve/more')).toEqual([]);
  });
});

describe('CORS as the CDK HttpApi configures it', () => {
  const local = corsFromEnv({});
  if (!local) throw new Error('CORS is on by default');

  it('allows any port of localhost and 127.0.0.1 by default, and nothing else', () => {
    expect(allowedOrigin(local, 'http://localhost:5173')).toBe('http://localhost:5173');
    expect(allowedOrigin(local, 'http://127.0.0.1:3001')).toBe('http://127.0.0.1:3001');
    expect(allowedOrigin(local, 'http://localhost')).toBe('http://localhost');
    expect(allowedOrigin(local, 'https://localhost:5173')).toBeUndefined();
    expect(allowedOrigin(local, 'http://localhost.evil.com')).toBeUndefined();
    expect(allowedOrigin(local, 'http://localhost:5173.evil.com')).toBeUndefined();
    expect(allowedOrigin(local, undefined)).toBeUndefined();
  });

  it("takes API Gateway's forms from CORS_ORIGINS, 'none' turns it off, and refuses what is not an origin", () => {
    const listed = corsFromEnv({ CORS_ORIGINS: 'https://app.example.com, https://*' });
    expect(listed && allowedOrigin(listed, 'https://app.example.com')).toBe('https://app.example.com');
    expect(listed && allowedOrigin(listed, 'https://other.example')).toBe('https://other.example');
    expect(listed && allowedOrigin(listed, 'http://app.example.com')).toBeUndefined();
    const any = corsFromEnv({ CORS_ORIGINS: '*' });
    expect(any && allowedOrigin(any, 'http://x.example')).toBe('*');
    expect(corsFromEnv({ CORS_ORIGINS: 'none' })).toBeUndefined();
    expect(() => corsFromEnv({ CORS_ORIGINS: 'app.example.com' })).toThrow(/not an origin/);
    expect(() => corsConfig(['https://app.example.com/path'])).toThrow(/not an origin/);
  });

  it('answers a preflight with the stack methods, headers and max age; other answers get only the origin', () => {
    expect(
      isPreflight('OPTIONS', { origin: 'http://localhost:1', 'access-control-request-method': 'PATCH' }),
    ).toBe(true);
    expect(isPreflight('OPTIONS', { origin: 'http://localhost:1' })).toBe(false);
    expect(preflightHeaders(local, 'http://localhost:1')).toEqual({
      'access-control-allow-origin': 'http://localhost:1',
      'access-control-allow-methods': 'GET,POST,PATCH,OPTIONS',
      'access-control-allow-headers': 'authorization,content-type',
      'access-control-max-age': '3600',
      vary: 'Origin',
    });
    expect(preflightHeaders(local, 'https://evil.example')).toEqual({});
    expect(
      withCorsHeaders(local, 'http://localhost:1', {
        'content-type': 'a',
        'Access-Control-Allow-Origin': '*',
      }),
    ).toEqual({ 'content-type': 'a', 'access-control-allow-origin': 'http://localhost:1', vary: 'Origin' });
  });
});

describe('request bounds and log lines', () => {
  it("counts the request line and header values against API Gateway's 10,240 bytes", () => {
    const small = { method: 'GET', url: '/review-items', rawHeaders: ['Host', 'h', 'X', 'y'] };
    expect(requestLineAndHeaderBytes(small)).toBe('GET /review-items HTTP/1.1'.length + 2);
    const big = { ...small, url: `/review-items?cursor=${'x'.repeat(MAX_REQUEST_LINE_AND_HEADERS_BYTES)}` };
    expect(requestLineAndHeaderBytes(big)).toBeGreaterThan(MAX_REQUEST_LINE_AND_HEADERS_BYTES);
  });

  it('says what a handler made of an event, whatever it returned, its outcome first', () => {
    expect(outcomeOf({ outcome: 'created', itemId: 'ri_1', version: 1 })).toBe(
      'created itemId=ri_1 version=1',
    );
    expect(outcomeOf({ outcome: 'dropped', reason: 'no reviewer' })).toBe('dropped reason=no reviewer');
    expect(outcomeOf({ applied: false })).toBe('applied=false');
    expect(outcomeOf(undefined)).toBe('done');
    expect(outcomeOf('x'.repeat(1_000)).length).toBeLessThanOrEqual(300);
  });
});
