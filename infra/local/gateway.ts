/**
 * The local HTTP API gateway: routes from the manifest, the JWT authorizer (against the local issuer),
 * API Gateway v2 events handed to the same handlers, their results written back as API Gateway would.
 *
 * Beside the routes: `GET /.well-known/jwks.json` (the issuer's public keys) and `GET /health`, which
 * answers 200 only when every stand-in answers and the manifest's own health function says so.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { JWTPayload } from 'jose';
import { apiGatewayEvent, type HttpResult, httpResultOf } from './api-gateway-event.js';
import { type HandlerInvoker, HandlerLoadError } from './handlers.js';
import { BodyTooLargeError, closeServer, listenLocal, readBody, sendJson } from './http-server.js';
import type { LocalIssuer } from './jwt-issuer.js';
import { describeError, type LocalLog } from './log.js';
import { LOCAL_HOST } from './ports.js';
import { type HttpRoute, routeTable } from './routes.js';

/** Default request body limit (API Gateway allows 10 MB; a review item's bodies are 200 KB at most). */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
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
}

export interface LocalGateway {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const MESSAGES: Record<number, string> = {
  401: 'Unauthorized',
  404: 'Not Found',
  413: 'Request Entity Too Large',
  500: 'Internal Server Error',
};

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

  async function authorize(request: IncomingMessage): Promise<JWTPayload | undefined> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    if (!match?.[1]) return undefined;
    try {
      return await issuer.verify(match[1]);
    } catch (error) {
      log.debug(`token refused: ${describeError(error)}`);
      return undefined;
    }
  }

  async function route(request: IncomingMessage, url: URL, requestId: string): Promise<HttpResult> {
    const method = request.method ?? 'GET';
    const match = table.match(method, url.pathname);
    if (!match.found) return gatewayAnswer(404);

    let claims: JWTPayload | undefined;
    if (match.route.auth === 'jwt') {
      claims = await authorize(request);
      if (!claims) return gatewayAnswer(401);
    }
    let body: Buffer;
    try {
      body = await readBody(request, maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyTooLargeError) return gatewayAnswer(413);
      throw error;
    }
    const event = apiGatewayEvent(
      { method, url, headers: request.headers, body, sourceIp: request.socket.remoteAddress ?? LOCAL_HOST },
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

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const started = Date.now();
    const url = new URL(request.url ?? '/', `http://${request.headers.host ?? LOCAL_HOST}`);
    if (request.method === 'GET' && url.pathname === '/.well-known/jwks.json') {
      return sendJson(response, 200, issuer.jwks);
    }
    const requestId = randomUUID();
    const result =
      request.method === 'GET' && url.pathname === '/health'
        ? await health(request, url, requestId)
        : await route(request, url, requestId);
    response.writeHead(result.statusCode, {
      ...result.headers,
      'content-length': result.body.length,
      'apigw-requestid': requestId,
    });
    response.end(result.body);
    log.info(
      `${request.method} ${url.pathname}${url.search} → ${result.statusCode} (${Date.now() - started} ms)`,
    );
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      log.error(`gateway error on ${request.method} ${request.url}: ${describeError(error)}`);
      if (!response.headersSent) sendJson(response, 500, { message: MESSAGES[500] });
      else response.destroy();
    });
  });
  const port = await listenLocal(server, options.port, 'the local API');
  return { url: `http://${LOCAL_HOST}:${port}`, port, stop: () => closeServer(server) };
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
