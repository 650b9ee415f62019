/**
 * The API Gateway HTTP API payload v2.0 event for a request, built the way API Gateway builds it:
 * lower-cased headers (repeats joined with commas), cookies moved to `cookies`, repeated query keys joined
 * with commas, text bodies as strings and binary ones base64-encoded, and for JWT routes the verified
 * claims under `requestContext.authorizer.jwt` with every value a string.
 *
 * Every map whose keys come from the request (headers, query, path parameters, claims) is a null-prototype
 * object: `?__proto__=1`, `?constructor=x` or a `toString` header become real keys, as in the JSON API
 * Gateway hands to Lambda, so a strict schema refuses them instead of never seeing them, and nothing
 * reaches Object.prototype. (The invoker then passes the event through JSON, as Lambda does.)
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { JWTPayload } from 'jose';
import { LOCAL_ACCOUNT_ID } from './aws-identity.js';

export interface GatewayRequest {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  /**
   * Node's `rawHeaders` (name, value, name, value…): every repeat kept, where `headers` drops repeats of
   * some fields (authorization, content-type…). Used instead of `headers` when given.
   */
  rawHeaders?: string[];
  body: Buffer;
  sourceIp: string;
}

export interface RouteSelection {
  routeKey: string;
  pathParameters: Record<string, string>;
}

export interface EventContext {
  requestId: string;
  /** Verified JWT claims, for routes behind the JWT authorizer. */
  claims?: JWTPayload;
  now?: Date;
}

type JwtContext = { jwt: { claims: Record<string, string>; scopes: null } };

export function apiGatewayEvent(
  request: GatewayRequest,
  route: RouteSelection,
  { requestId, claims, now = new Date() }: EventContext,
): APIGatewayProxyEventV2 {
  const headers = request.rawHeaders ? headersOfRaw(request.rawHeaders) : headersOf(request.headers);
  const cookies = headers.cookie?.split(/;\s*/).filter((cookie) => cookie !== '');
  delete headers.cookie;
  const query = queryParametersOf(request.url.searchParams);
  const requestContext: APIGatewayProxyEventV2['requestContext'] & { authorizer?: JwtContext } = {
    accountId: LOCAL_ACCOUNT_ID,
    apiId: 'local',
    domainName: headers.host ?? request.url.host,
    domainPrefix: (headers.host ?? request.url.host).split('.')[0] ?? 'local',
    http: {
      method: request.method,
      path: request.url.pathname,
      protocol: 'HTTP/1.1',
      sourceIp: request.sourceIp,
      userAgent: headers['user-agent'] ?? '',
    },
    requestId,
    routeKey: route.routeKey,
    stage: '$default',
    time: clfTime(now),
    timeEpoch: now.getTime(),
  };
  if (claims) requestContext.authorizer = { jwt: { claims: claimStrings(claims), scopes: null } };

  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath: request.url.pathname,
    rawQueryString: request.url.search.replace(/^\?/, ''),
    headers,
    requestContext,
    isBase64Encoded: false,
  };
  if (cookies && cookies.length > 0) event.cookies = cookies;
  if (query) event.queryStringParameters = query;
  if (Object.keys(route.pathParameters).length > 0)
    event.pathParameters = dictionaryOf(Object.entries(route.pathParameters));
  if (request.body.length > 0) {
    const binary = !isTextual(headers['content-type']);
    event.body = request.body.toString(binary ? 'base64' : 'utf8');
    event.isBase64Encoded = binary;
  }
  return event;
}

/** A map from request-given keys: no prototype, so any key (`__proto__` too) is an own property. */
function dictionary(): Record<string, string> {
  return Object.create(null) as Record<string, string>;
}

/** Entries into a null-prototype map; a repeated key's values are joined with commas, as API Gateway does. */
function dictionaryOf(entries: Iterable<[string, string]>): Record<string, string> {
  const map = dictionary();
  for (const [key, value] of entries) map[key] = Object.hasOwn(map, key) ? `${map[key]},${value}` : value;
  return map;
}

function headersOf(raw: IncomingHttpHeaders): Record<string, string> {
  const headers = dictionary();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  return headers;
}

function headersOfRaw(raw: string[]): Record<string, string> {
  const pairs: [string, string][] = [];
  const cookies: string[] = [];
  for (let index = 0; index + 1 < raw.length; index += 2) {
    const name = (raw[index] as string).toLowerCase();
    const value = raw[index + 1] as string;
    if (name === 'cookie') cookies.push(value);
    else pairs.push([name, value]);
  }
  const headers = dictionaryOf(pairs);
  // Every Cookie header's cookies end up in `cookies`, one entry per cookie.
  if (cookies.length > 0) headers.cookie = cookies.join('; ');
  return headers;
}

function queryParametersOf(params: URLSearchParams): Record<string, string> | undefined {
  const query = dictionaryOf(params);
  return Object.keys(query).length > 0 ? query : undefined;
}

/** API Gateway hands every claim to the function as a string (arrays as `[a b]`, objects as JSON). */
function claimStrings(claims: JWTPayload): Record<string, string> {
  const strings = dictionary();
  for (const [name, value] of Object.entries(claims)) {
    if (typeof value === 'string') strings[name] = value;
    else if (Array.isArray(value)) strings[name] = `[${value.map(String).join(' ')}]`;
    else if (typeof value === 'object' && value !== null) strings[name] = JSON.stringify(value);
    else strings[name] = String(value);
  }
  return strings;
}

function isTextual(contentType: string | undefined): boolean {
  if (contentType === undefined) return true;
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return (
    type.startsWith('text/') ||
    type.endsWith('+json') ||
    type.endsWith('+xml') ||
    [
      'application/json',
      'application/xml',
      'application/javascript',
      'application/x-www-form-urlencoded',
    ].includes(type)
  );
}

/** `21/Nov/2026:10:00:00 +0000`, the format of requestContext.time. */
function clfTime(date: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

export interface HttpResult {
  statusCode: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/**
 * What API Gateway makes of a handler's result (payload v2): a `statusCode` means a structured response;
 * anything else is a 200 with the value as JSON. Returns undefined for a result API Gateway rejects.
 */
export function httpResultOf(result: unknown): HttpResult | undefined {
  if (!isStructured(result)) {
    const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(body) };
  }
  const { statusCode } = result;
  if (
    typeof statusCode !== 'number' ||
    !Number.isInteger(statusCode) ||
    statusCode < 100 ||
    statusCode > 599
  ) {
    return undefined;
  }
  const headers: Record<string, string | string[]> = Object.create(null);
  for (const [name, value] of Object.entries(result.headers ?? {}))
    headers[name.toLowerCase()] = String(value);
  if (result.cookies && result.cookies.length > 0) headers['set-cookie'] = result.cookies;
  const text = result.body ?? '';
  return { statusCode, headers, body: Buffer.from(text, result.isBase64Encoded ? 'base64' : 'utf8') };
}

function isStructured(result: unknown): result is APIGatewayProxyStructuredResultV2 {
  return typeof result === 'object' && result !== null && 'statusCode' in result;
}
