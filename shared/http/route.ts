/**
 * A route's one declaration: its method and path, the function that answers it, who may call it and what it takes
 * (path parameters, query, headers, body). The request middleware (request.ts `parseRequest`) parses every request
 * by it, the OpenAPI document (shared/openapi/document.ts) describes the route from it, and infra/manifest.ts wires
 * it to its function, so none of them can disagree about a route's input. What a route answers is
 * shared/openapi/operations.ts: the handlers never load the response schemas.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type * as z from 'zod/mini';

/** Who calls a JWT route: the `sub` and `workspace_id` claims of the token the gateway verified. */
export interface Caller {
  userId: string;
  workspaceId: string;
}

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** A path parameter or a header. */
export interface ParamSpec {
  description?: string;
  /** What the value is held to (400 when it fails). Every path parameter is first held to pathParamSchema. */
  schema?: z.ZodMiniType;
  /**
   * What the document promises of the value, where that is more than the request is held to here: an item id is
   * bounded like every id, yet one outside the bounds is simply not found (404); a webhook header's format is the
   * signature check's to refuse (401).
   */
  documented?: z.ZodMiniType;
}

export interface RouteSpec {
  /** The function under functions/ that answers the route (the manifest's name for it). */
  fn: string;
  method: HttpMethod;
  path: string;
  /** `jwt`: behind the JWT authorizer, and the caller comes from its claims. */
  auth: 'jwt' | 'none';
  /** By name as in the path; a parameter not named here is held to pathParamSchema only. */
  params?: Record<string, ParamSpec>;
  /** A strict object of the query parameters. */
  query?: z.ZodMiniType;
  /** Header parameters, all required; a missing header is read as ''. */
  headers?: Record<string, ParamSpec & { schema: z.ZodMiniType }>;
  body?: {
    schema: z.ZodMiniType;
    /** What the document says; the middleware reads a missing body as `{}` either way. */
    required: boolean;
    /**
     * A signed body: the handler checks the signature over the raw body first, then validates what it holds with
     * `signedBodyOf` (a bad signature answers 401 whatever the body).
     */
    signed?: true;
  };
  /** Names the input in the answers to invalid input ("The webhook body is invalid"). */
  subject?: string;
}

/** A route spec, kept as literal as written so that a handler's input is typed by it. */
export const defineRoute = <const R extends RouteSpec>(route: R): R => route;

type PathParamNames<P extends string> = P extends `${string}{${infer Name}}${infer Rest}`
  ? Name | PathParamNames<Rest>
  : never;
type OutputOf<S> = S extends z.ZodMiniType ? z.output<S> : undefined;

/** What a route's handler receives: the request parsed by its route spec, and the event as it came. */
export interface RouteRequest<R extends RouteSpec> {
  caller: R['auth'] extends 'jwt' ? Caller : undefined;
  path: Record<PathParamNames<R['path']>, string>;
  query: OutputOf<R['query']>;
  headers: R['headers'] extends Record<string, { schema: z.ZodMiniType }>
    ? { [K in keyof R['headers']]: z.output<R['headers'][K]['schema']> }
    : undefined;
  body: R['body'] extends { signed: true } ? undefined : OutputOf<NonNullable<R['body']>['schema']>;
  event: APIGatewayProxyEventV2;
}
