/**
 * Reading an API Gateway HTTP API (v2) request at the edge: the caller from the JWT authorizer's claims,
 * the body and the query validated with zod. Nothing past this layer sees raw input.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import { workspaceIdSchema } from '../domain/primitives.js';
import { zodIssues } from '../domain/schemas.js';
import { UnauthorizedError, ValidationError } from '../errors.js';

/** Handlers read the request and write the answer through this one module (response.ts holds `json`). */
export { json } from './response.js';

export interface Caller {
  userId: string;
  workspaceId: string;
}

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

/** Parses and validates a JSON body. An empty body is treated as `{}`. */
export function bodyOf<S extends z.ZodMiniType>(event: APIGatewayProxyEventV2, schema: S): z.output<S> {
  const raw = rawBodyOf(event);
  let json: unknown = {};
  if (raw.trim() !== '') {
    try {
      json = JSON.parse(raw);
    } catch (cause) {
      throw new ValidationError('The body is not valid JSON', [{ path: '', message: 'invalid JSON' }], {
        cause,
      });
    }
  }
  return validate(schema, json, 'The body is invalid');
}

export function queryOf<S extends z.ZodMiniType>(event: APIGatewayProxyEventV2, schema: S): z.output<S> {
  return validate(schema, event.queryStringParameters ?? {}, 'The query is invalid');
}

/** What every path parameter must be before a use case sees it (ids are then looked up, never trusted). */
export const pathParamSchema = z.string().check(z.minLength(1), z.maxLength(200));

export function pathParamOf(event: APIGatewayProxyEventV2, name: string): string {
  const value = event.pathParameters?.[name];
  const parsed = pathParamSchema.safeParse(value);
  if (!parsed.success)
    throw new ValidationError(`Path parameter ${name} is invalid`, [{ path: name, message: 'required' }]);
  return parsed.data;
}

export function validate<S extends z.ZodMiniType>(schema: S, input: unknown, message: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new ValidationError(message, zodIssues(parsed.error));
  return parsed.data;
}
