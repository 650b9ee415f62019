/**
 * The API Gateway HTTP API payload v2.0 event for a request, built the way API Gateway builds it:
 * lower-cased headers (repeats joined with commas), cookies moved to `cookies`, repeated query keys joined
 * with commas, text bodies as strings and binary ones base64-encoded, and for JWT routes the verified
 * claims under `requestContext.authorizer.jwt` with every value a string.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { JWTPayload } from 'jose';
import { LOCAL_ACCOUNT_ID } from './aws-identity.js';

export interface GatewayRequest {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
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
  const headers = headersOf(request.headers);
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
  if (Object.keys(route.pathParameters).length > 0) event.pathParameters = route.pathParameters;
  if (request.body.length > 0) {
    const binary = !isTextual(headers['content-type']);
    event.body = request.body.toString(binary ? 'base64' : 'utf8');
    event.isBase64Encoded = binary;
  }
  return event;
}

function headersOf(raw: IncomingHttpHeaders): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  return headers;
}

function queryParametersOf(params: URLSearchParams): Record<string, string> | undefined {
  const query: Record<string, string> = {};
  for (const [key, value] of params) query[key] = key in query ? `${query[key]},${value}` : value;
  return Object.keys(query).length > 0 ? query : undefined;
}

/** API Gateway hands every claim to the function as a string (arrays as `[a b]`, objects as JSON). */
function claimStrings(claims: JWTPayload): Record<string, string> {
  return Object.fromEntries(
    Object.entries(claims).map(([name, value]) => {
      if (typeof value === 'string') return [name, value];
      if (Array.isArray(value)) return [name, `[${value.map(String).join(' ')}]`];
      if (typeof value === 'object' && value !== null) return [name, JSON.stringify(value)];
      return [name, String(value)];
    }),
  );
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
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {}))
    headers[name.toLowerCase()] = String(value);
  if (result.cookies && result.cookies.length > 0) headers['set-cookie'] = result.cookies;
  const text = result.body ?? '';
  return { statusCode, headers, body: Buffer.from(text, result.isBase64Encoded ? 'base64' : 'utf8') };
}

function isStructured(result: unknown): result is APIGatewayProxyStructuredResultV2 {
  return typeof result === 'object' && result !== null && 'statusCode' in result;
}
