/**
 * A typed client for the HTTP API: openapi-fetch over the types openapi-typescript generates from
 * docs/openapi.json (`npm run client` writes ./openapi.ts; CI checks it is current). Paths, parameters, bodies and
 * answers are typed per route and status; nothing is generated at run time, and the client itself is a thin
 * wrapper on `fetch`.
 *
 *   const api = createReviewClient('https://api.example.com', token);
 *   const { data, error, response } = await api.GET('/review-items/{id}', { params: { path: { id } } });
 *   if (error) console.log(response.status, error.detail); // RFC 9457 problem details
 *
 * `data` is the answer of a 2xx, `error` the problem details of anything else, typed from the route's responses.
 * The gateway's own `{ "message" }` answers (API Gateway's 401, which cannot be changed) reach `error` as problem
 * details too, so `error` has one shape. The README's example (type-checked by test/unit/doc-examples.test.ts)
 * shows more.
 */
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import { isGatewayMessage, problemOfGatewayMessage } from '../http/gateway-problem.js';
import type { components, paths } from './openapi.js';

export type { components, operations, paths } from './openapi.js';

/**
 * The routes as this client answers them: where a route's answer may be the gateway's own `{ "message" }` beside
 * problem details (a 401), only the problem details remain, since the client turns the one into the other.
 */
export type ClientPaths = {
  [Path in keyof paths]: { [Method in keyof paths[Path]]: WithoutGatewayMessages<paths[Path][Method]> };
};
type WithoutGatewayMessages<Operation> = Operation extends { responses: infer Responses }
  ? Omit<Operation, 'responses'> & {
      responses: { [Status in keyof Responses]: ProblemsOnly<Responses[Status]> };
    }
  : Operation;
type ProblemsOnly<Response> = Response extends { content: infer Content }
  ? 'application/problem+json' extends keyof Content
    ? Omit<Response, 'content'> & { content: Pick<Content, 'application/problem+json'> }
    : Response
  : Response;

export type ReviewClient = Client<ClientPaths>;

/** The caller's JWT, or a function answering the current one (asked before every request). */
export type TokenSource = string | (() => string | Promise<string>);

type Schemas = components['schemas'];
export type ReviewItem = Schemas['ReviewItem'];
/** An item as lists answer it (`GET /review-items`, the summary's `latest`): the draft's `bodyPreview`, no bodies. */
export type ReviewItemSummary = Schemas['ReviewItemSummary'];
export type ReviewItemList = Schemas['ReviewItemList'];
export type ReviewSummary = Schemas['ReviewSummary'];
export type History = Schemas['History'];
export type ReviewStats = Schemas['ReviewStats'];
export type Problem = Schemas['Problem'];

/** A client acting as the user whose JWT `token` is: every request carries `Authorization: Bearer <token>`. */
export function createReviewClient(
  baseUrl: string,
  token: TokenSource,
  options: Omit<ClientOptions, 'baseUrl'> = {},
): ReviewClient {
  const client = createClient<ClientPaths>({ ...options, baseUrl: baseUrl.replace(/\/+$/, '') });
  client.use({
    async onRequest({ request }) {
      const value = typeof token === 'string' ? token : await token();
      request.headers.set('authorization', `Bearer ${value}`);
      return request;
    },
    onResponse: ({ response }) => asProblem(response),
  });
  return client;
}

/** A gateway's `{ "message" }` error answer as problem details; any other answer unchanged (undefined). */
async function asProblem(response: Response): Promise<Response | undefined> {
  if (response.ok || !/^application\/json\b/i.test(response.headers.get('content-type') ?? ''))
    return undefined;
  const body: unknown = await response
    .clone()
    .json()
    .catch(() => undefined);
  if (!isGatewayMessage(body)) return undefined;
  const headers = new Headers(response.headers);
  headers.set('content-type', 'application/problem+json');
  headers.delete('content-length');
  return new Response(JSON.stringify(problemOfGatewayMessage(response.status, body.message)), {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}
