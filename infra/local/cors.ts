/**
 * CORS on the local API, as the CDK HttpApi's `corsPreflight` configures it in AWS (infra/stacks/
 * stateless-stack.ts: methods GET, POST, PATCH, OPTIONS; headers authorization, content-type; max age 1 h).
 * API Gateway answers a preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) itself, with
 * no OPTIONS route, and adds `Access-Control-Allow-Origin` to every answer to an allowed origin, ignoring any
 * CORS header the function returns.
 *
 * Origins come from CORS_ORIGINS (comma-separated): an exact origin (`https://app.example.com`), `*`,
 * `http://*` or `https://*` (API Gateway's own forms), and locally also `scheme://host:*` (any port: a front
 * end's dev server moves between ports; API Gateway has no such form, so list exact origins for AWS). Unset
 * or empty: `http://localhost:*,http://127.0.0.1:*`. `none` turns CORS off (preflights then get 404, as
 * from an API without CORS).
 */
import { StartupError } from './errors.js';

export interface CorsConfig {
  allowOrigins: string[];
  allowMethods: string[];
  allowHeaders: string[];
  maxAgeSeconds: number;
}

export const DEFAULT_LOCAL_ORIGINS = ['http://localhost:*', 'http://127.0.0.1:*'];

/** What the CDK stack gives API Gateway besides the origins. */
const STACK_CORS = {
  allowMethods: ['GET', 'POST', 'PATCH', 'OPTIONS'],
  allowHeaders: ['authorization', 'content-type'],
  maxAgeSeconds: 3_600,
};

const ORIGIN = /^(https?):\/\/([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:(\d{1,5}|\*))?$/;

export function corsConfig(allowOrigins: string[]): CorsConfig {
  for (const origin of allowOrigins) {
    if (!isOriginPattern(origin)) {
      throw new StartupError(
        `CORS_ORIGINS: "${origin}" is not an origin (scheme://host[:port], scheme://host:*, http://*, https://* or *)`,
      );
    }
  }
  return { allowOrigins, ...STACK_CORS };
}

/** The CORS configuration named by CORS_ORIGINS (undefined when it says `none`). */
export function corsFromEnv(env: NodeJS.ProcessEnv): CorsConfig | undefined {
  const raw = env.CORS_ORIGINS?.trim();
  if (raw === undefined || raw === '') return corsConfig(DEFAULT_LOCAL_ORIGINS);
  if (raw.toLowerCase() === 'none') return undefined;
  return corsConfig(
    raw
      .split(',')
      .map((origin) => origin.trim())
      .filter((origin) => origin !== ''),
  );
}

function isOriginPattern(origin: string): boolean {
  return origin === '*' || origin === 'http://*' || origin === 'https://*' || ORIGIN.test(origin);
}

/** The `Access-Control-Allow-Origin` value for a request's Origin, or undefined when it is not allowed. */
export function allowedOrigin(cors: CorsConfig, origin: string | undefined): string | undefined {
  if (origin === undefined || origin === '') return undefined;
  if (cors.allowOrigins.includes('*')) return '*';
  return cors.allowOrigins.some((pattern) => originMatches(pattern, origin)) ? origin : undefined;
}

function originMatches(pattern: string, origin: string): boolean {
  if (pattern === origin) return true;
  if (pattern === 'http://*' || pattern === 'https://*') return origin.startsWith(pattern.slice(0, -1));
  if (!pattern.endsWith(':*')) return false;
  const base = pattern.slice(0, -2);
  return (
    origin === base || (origin.startsWith(`${base}:`) && /^\d{1,5}$/.test(origin.slice(base.length + 1)))
  );
}

// The function behind the `$default` route tells a preflight by the same test.
export { isPreflight } from '../../shared/http/route-match.js';

/** The headers of a preflight answer (204); none when the origin is not allowed. */
export function preflightHeaders(cors: CorsConfig, origin: string | undefined): Record<string, string> {
  const allowed = allowedOrigin(cors, origin);
  if (allowed === undefined) return {};
  return {
    'access-control-allow-origin': allowed,
    'access-control-allow-methods': cors.allowMethods.join(','),
    'access-control-allow-headers': cors.allowHeaders.join(','),
    'access-control-max-age': String(cors.maxAgeSeconds),
    ...(allowed === '*' ? {} : { vary: 'Origin' }),
  };
}

/**
 * The headers of any other answer: the function's CORS headers are dropped (API Gateway ignores them when
 * CORS is configured) and, for an allowed origin, `Access-Control-Allow-Origin` is added.
 */
export function withCorsHeaders(
  cors: CorsConfig,
  origin: string | undefined,
  headers: Record<string, string | string[]>,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!name.toLowerCase().startsWith('access-control-')) out[name] = value;
  }
  const allowed = allowedOrigin(cors, origin);
  if (allowed === undefined) return out;
  out['access-control-allow-origin'] = allowed;
  if (allowed !== '*') out.vary = out.vary ? `${out.vary}, Origin` : 'Origin';
  return out;
}
