/**
 * Reading an API Gateway HTTP API (v2) request at the edge: the caller from the JWT authorizer's claims, the path,
 * query, headers and body validated with zod by the route's spec (route.ts). Nothing past this layer sees raw input.
 */
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import { workspaceIdSchema } from '../domain/primitives.js';
import { UnauthorizedError, ValidationError, zodIssues } from '../errors.js';
import type { Caller, RouteSpec } from './route.js';

/** Handlers read the request and write the answer through this one module (response.ts holds `json`). */
export { json } from './response.js';

export type { Caller } from './route.js';

const claimsSchema = z.object({
  sub: z.string().check(z.minLength(1), z.maxLength(128)),
  workspace_id: workspaceIdSchema,
});

type EventWithAuthorizer = APIGatewayProxyEventV2 & {
  requestContext: { authorizer?: { jwt?: { claims?: Record<string, unknown> } } };
};

/** The authenticated caller. The JWT was verified by the gateway; here we only read its claims. */
export function callerOf(event: APIGatewayProxyEventV2): Caller {
  const claims = (event as EventWithAuthorizer).requestContext.authorizer?.jwt?.claims;
  const parsed = claimsSchema.safeParse(claims ?? {});
  if (!parsed.success) throw new UnauthorizedError('The token does not carry a valid sub and workspace_id');
  return { userId: parsed.data.sub, workspaceId: parsed.data.workspace_id };
}

export function rawBodyOf(event: APIGatewayProxyEventV2): string {
  if (!event.body) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/** The parsed request as the middleware builds it; route.ts `RouteRequest` is its type as a route's handler sees it. */
interface ParsedRequest {
  caller: Caller | undefined;
  path: Record<string, string>;
  query: unknown;
  headers: unknown;
  body: unknown;
  event: APIGatewayProxyEventV2;
}

/**
 * Middy middleware: parses the request by its route spec before the handler runs, and hands the handler the parsed
 * request (`RouteRequest`) in place of the event, as Powertools' parser middleware does. In order: the caller, the
 * path, the query, the headers, the body; the first that fails answers 400 (401 for the caller).
 */
export function parseRequest(
  route: RouteSpec,
): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> {
  const subject = route.subject ? `${route.subject} ` : '';
  const pathNames = pathParamNamesOf(route.path);
  const pathSchema = objectOf(route.params ?? {});
  const headerSchema = objectOf(route.headers ?? {});
  return {
    before: (request) => {
      const event = request.event;
      const parsed: ParsedRequest = {
        caller: route.auth === 'jwt' ? callerOf(event) : undefined,
        path: Object.fromEntries(pathNames.map((name) => [name, pathParamOf(event, name)])),
        query: undefined,
        headers: undefined,
        body: undefined,
        event,
      };
      if (pathSchema) validate(pathSchema, parsed.path, 'The path is invalid');
      if (route.query)
        parsed.query = validate(
          route.query,
          event.queryStringParameters ?? {},
          `The ${subject}query is invalid`,
        );
      if (headerSchema && route.headers) {
        const headers = Object.fromEntries(
          Object.keys(route.headers).map((name) => [name, event.headers?.[name] ?? '']),
        );
        parsed.headers = validate(headerSchema, headers, `The ${subject}headers are invalid`);
      }
      if (route.body && !route.body.signed) parsed.body = bodyOf(event, route.body.schema, subject);
      // The handler takes the parsed request for its event (routeFunction types it so).
      (request as { event: unknown }).event = parsed;
    },
  };
}

/** A signed body, once its signature holds (route.ts `signed`): the JSON it carries, validated by the route's spec. */
export function signedBodyOf<R extends RouteSpec & { body: { schema: z.ZodMiniType } }>(
  route: R,
  json: unknown,
): z.output<R['body']['schema']> {
  return validate<R['body']['schema']>(
    route.body.schema,
    json,
    `The ${route.subject ? `${route.subject} ` : ''}body is invalid`,
  );
}

/** Parses and validates a JSON body. An empty body is treated as `{}`. */
function bodyOf<S extends z.ZodMiniType>(
  event: APIGatewayProxyEventV2,
  schema: S,
  subject: string,
): z.output<S> {
  const raw = rawBodyOf(event);
  let json: unknown = {};
  if (raw.trim() !== '') {
    try {
      json = JSON.parse(raw);
    } catch (cause) {
      throw new ValidationError(
        `The ${subject}body is not valid JSON`,
        [{ path: '', message: 'invalid JSON' }],
        {
          cause,
        },
      );
    }
  }
  return validate(schema, json, `The ${subject}body is invalid`);
}

/** What every path parameter must be before a use case sees it (ids are then looked up, never trusted). */
export const pathParamSchema = z.string().check(z.minLength(1), z.maxLength(200));

function pathParamOf(event: APIGatewayProxyEventV2, name: string): string {
  const value = event.pathParameters?.[name];
  const parsed = pathParamSchema.safeParse(value);
  if (!parsed.success)
    throw new ValidationError(`Path parameter ${name} is invalid`, [{ path: name, message: 'required' }]);
  return parsed.data;
}

/** The names of a path's parameters, in order (`/records/{recordType}/{recordId}` → recordType, recordId). */
export function pathParamNamesOf(path: string): string[] {
  return [...path.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((match) => match[1] as string);
}

/** One object of the parameters that are held to a schema of their own; none when no parameter is. */
function objectOf(params: Record<string, { schema?: z.ZodMiniType }>): z.ZodMiniType | undefined {
  const checked = Object.entries(params).flatMap(([name, { schema }]) =>
    schema ? [[name, schema] as const] : [],
  );
  return checked.length > 0 ? z.object(Object.fromEntries(checked)) : undefined;
}

export function validate<S extends z.ZodMiniType>(schema: S, input: unknown, message: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new ValidationError(message, zodIssues(parsed.error));
  return parsed.data;
}
