/**
 * The local HTTP API gateway: routes from the manifest, the JWT authorizer (against the local issuer),
 * API Gateway v2 events handed to the same handlers, their results written back as API Gateway would,
 * CORS as the CDK HttpApi configures it (cors.ts), and API Gateway's bound on the request line and headers.
 *
 * Beside the routes: `GET /.well-known/jwks.json` (the issuer's public keys) and `GET /health`, which
 * answers 200 only when every stand-in answers and the manifest's own health function says so.
 *
 * A refused token gets API Gateway's bare 401 `{"message":"Unauthorized"}`, which AWS does not let an HTTP API
 * change; the reason (another data folder's key, expired, wrong issuer or audience) goes to the runtime's log,
 * where a developer looks. A request no route takes is answered as problem details: 404 when no route has its
 * path, 405 with `Allow` when routes have the path but not the method, the answers the manifest's `no-route`
 * function gives on the `$default` route in AWS (this gateway gives them without invoking it).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { JWTPayload } from 'jose';
import { noRouteAnswer } from '../../shared/http/gateway-problem.js';
import { apiGatewayEvent, type HttpResult, httpResultOf } from './api-gateway-event.js';
import { type CorsConfig, isPreflight, preflightHeaders, withCorsHeaders } from './cors.js';
import { type HandlerInvoker, HandlerLoadError } from './handlers.js';
import { BodyTooLargeError, closeServer, listenLocal, readBody, sendJson } from './http-server.js';
import { KEY_FILE_NAME, type LocalIssuer, TokenRejectedError } from './jwt-issuer.js';
import { describeError, type LocalLog } from './log.js';
import { LOCAL_HOST } from './ports.js';
import { type HttpRoute, routeTable } from './routes.js';

/** Default request body limit (API Gateway allows 10 MB; a review item's bodies are 200 KB at most). */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** API Gateway HTTP API quota: "total combined size of request line and header values", 10,240 bytes. */
export const MAX_REQUEST_LINE_AND_HEADERS_BYTES = 10_240;
/** Node's own limit (16 KB by default) is raised so that our answer, not a bare socket error, says why. */
const NODE_MAX_HEADER_BYTES = 64 * 1024;
const HEALTH_CHECK_TIMEOUT_MS = 3_000;

export type HealthCheck = () => Promise<void>;

export interface GatewayOptions {
  port: number;
  routes: HttpRoute[];
  invoker: HandlerInvoker;
  issuer: LocalIssuer;
  log: LocalLog;
  maxBodyBytes?: number;
  /** Checks `GET /health` runs besides the manifest's health function (name → throws when down). */
  healthChecks?: Record<string, HealthCheck>;
  /** CORS as the CDK stack configures it; undefined: none (preflights get 404, as without corsPreflight). */
  cors?: CorsConfig;
  /** The data folder whose key signs accepted tokens (named in the log when a token is refused). */
  dataDir?: string;
}

export interface LocalGateway {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const MESSAGES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  413: 'Request Entity Too Large',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
};

type Authorization = { claims: JWTPayload } | { refused: string };

export async function startGateway(options: GatewayOptions): Promise<LocalGateway> {
  const { log, issuer, invoker } = options;
  const table = routeTable(options.routes);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  /** API Gateway's own answers: `{"message": "..."}`. */
  const gatewayAnswer = (status: number): HttpResult => ({
    statusCode: status,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify({ message: MESSAGES[status] ?? 'Error' })),
  });

  /** Our answer to a request no route takes (problem details, unlike API Gateway's own answers). */
  const noRoute = (method: string, path: string): HttpResult => {
    const { problem, headers } = noRouteAnswer(method, path, table.methods(path));
    return { statusCode: problem.status, headers, body: Buffer.from(JSON.stringify(problem)) };
  };

  async function authorize(request: IncomingMessage): Promise<Authorization> {
    const header = request.headers.authorization;
    if (header === undefined) return { refused: 'no Authorization header' };
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) return { refused: 'the Authorization header is not "Bearer <token>"' };
    try {
      return { claims: await issuer.verify(match[1]) };
    } catch (error) {
      return { refused: refusalOf(error) };
    }
  }

  /** Why a token was refused, with what to do about it. */
  function refusalOf(error: unknown): string {
    if (!(error instanceof TokenRejectedError)) return describeError(error);
    const keyFile = options.dataDir ? join(options.dataDir, KEY_FILE_NAME) : 'its data folder';
    if (error.kind === 'unknown-key' || error.kind === 'signature')
      return `${error.message}: a token made with another data folder? This runtime signs with ${keyFile}; \`npm run token\` uses LOCAL_DATA_DIR (default .local/)`;
    if (error.kind === 'expired') return `${error.message}: make a new one with \`npm run -s token\``;
    return error.message;
  }

  async function route(request: IncomingMessage, url: URL, requestId: string): Promise<HttpResult> {
    const method = request.method ?? 'GET';
    const match = table.match(method, url.pathname);
    if (!match.found) return noRoute(method, url.pathname);

    let claims: JWTPayload | undefined;
    if (match.route.auth === 'jwt') {
      const authorization = await authorize(request);
      if ('refused' in authorization) {
        log.info(`${method} ${url.pathname} → 401, token refused: ${authorization.refused}`);
        return gatewayAnswer(401);
      }
      claims = authorization.claims;
    }
    let body: Buffer;
    try {
      body = await readBody(request, maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyTooLargeError) return gatewayAnswer(413);
      throw error;
    }
    const event = apiGatewayEvent(
      {
        method,
        url,
        headers: request.headers,
        rawHeaders: request.rawHeaders,
        body,
        sourceIp: request.socket.remoteAddress ?? LOCAL_HOST,
      },
      match,
      { requestId, claims },
    );
    const { fn } = match.route;
    try {
      const result = httpResultOf(await invoker.invoke(fn, event));
      if (result) return result;
      log.error(`${fn.name} returned a response API Gateway would reject (statusCode must be 100–599)`);
    } catch (error) {
      if (error instanceof HandlerLoadError) log.error(`${error.message}`);
      else log.error(`${fn.name} threw: ${describeError(error)}`);
    }
    return gatewayAnswer(500);
  }

  async function health(request: IncomingMessage, url: URL, requestId: string): Promise<HttpResult> {
    const checks: Record<string, HealthCheck> = { ...options.healthChecks };
    if (table.match('GET', '/health').found) {
      checks.function = async () => {
        const result = await route(request, url, requestId);
        if (result.statusCode !== 200) throw new Error(`the health function answered ${result.statusCode}`);
      };
    }
    const outcomes = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => [name, await outcomeOf(check)] as const),
    );
    const healthy = outcomes.every(([, outcome]) => outcome === 'ok');
    const body = { status: healthy ? 'ok' : 'unavailable', checks: Object.fromEntries(outcomes) };
    return {
      statusCode: healthy ? 200 : 503,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify(body)),
    };
  }

  async function answer(
    request: IncomingMessage,
    url: URL | undefined,
    requestId: string,
    preflight: boolean,
  ): Promise<HttpResult> {
    if (requestLineAndHeaderBytes(request) > MAX_REQUEST_LINE_AND_HEADERS_BYTES) return gatewayAnswer(431);
    if (!url) return gatewayAnswer(400);
    const method = request.method ?? 'GET';
    if (options.cors && preflight) {
      return {
        statusCode: 204,
        headers: preflightHeaders(options.cors, request.headers.origin),
        body: Buffer.alloc(0),
      };
    }
    if (method === 'GET' && url.pathname === '/.well-known/jwks.json') {
      return {
        statusCode: 200,
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify(issuer.jwks)),
      };
    }
    if (method === 'GET' && url.pathname === '/health') return health(request, url, requestId);
    return route(request, url, requestId);
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const started = Date.now();
    const url = parseUrl(request.url);
    const requestId = randomUUID();
    const preflight =
      options.cors !== undefined &&
      isPreflight(request.method ?? '', request.headers as Record<string, string | undefined>);
    const result = await answer(request, url, requestId, preflight);
    const headers =
      options.cors && !preflight
        ? withCorsHeaders(options.cors, request.headers.origin, result.headers)
        : result.headers;
    response.writeHead(result.statusCode, {
      ...headers,
      'content-length': result.body.length,
      'apigw-requestid': requestId,
    });
    response.end(result.body);
    const path = url ? `${url.pathname}${url.search}` : '(unparsable URL)';
    log.info(`${request.method} ${truncate(path)} → ${result.statusCode} (${Date.now() - started} ms)`);
  }

  const server = createServer({ maxHeaderSize: NODE_MAX_HEADER_BYTES }, (request, response) => {
    handle(request, response).catch((error: unknown) => {
      log.error(`gateway error on ${request.method} ${request.url}: ${describeError(error)}`);
      if (!response.headersSent) sendJson(response, 500, { message: MESSAGES[500] });
      else response.destroy();
    });
  });
  const port = await listenLocal(server, options.port, 'the local API');
  return { url: `http://${LOCAL_HOST}:${port}`, port, stop: () => closeServer(server) };
}

/** The request's URL, parsed against this host (the Host header plays no part in routing). */
function parseUrl(raw: string | undefined): URL | undefined {
  try {
    return new URL(raw ?? '/', `http://${LOCAL_HOST}`);
  } catch {
    return undefined;
  }
}

/** What API Gateway's 10,240-byte quota counts: the request line and every header value. */
export function requestLineAndHeaderBytes(
  request: Pick<IncomingMessage, 'method' | 'url' | 'rawHeaders'>,
): number {
  let bytes = Buffer.byteLength(`${request.method ?? ''} ${request.url ?? ''} HTTP/1.1`);
  for (let index = 1; index < request.rawHeaders.length; index += 2)
    bytes += Buffer.byteLength(request.rawHeaders[index] ?? '');
  return bytes;
}

function truncate(text: string, max = 200): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

async function outcomeOf(check: HealthCheck): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${HEALTH_CHECK_TIMEOUT_MS} ms`)),
      HEALTH_CHECK_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([check(), timeout]);
    return 'ok';
  } catch (error) {
    return describeError(error);
  } finally {
    clearTimeout(timer);
  }
}
