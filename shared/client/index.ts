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
 */
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, paths } from './openapi.js';

export type { components, operations, paths } from './openapi.js';

export type ReviewClient = Client<paths>;

/** The caller's JWT, or a function answering the current one (asked before every request). */
export type TokenSource = string | (() => string | Promise<string>);

type Schemas = components['schemas'];
export type ReviewItem = Schemas['ReviewItem'];
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
  const client = createClient<paths>({ ...options, baseUrl: baseUrl.replace(/\/+$/, '') });
  client.use({
    async onRequest({ request }) {
      const value = typeof token === 'string' ? token : await token();
      request.headers.set('authorization', `Bearer ${value}`);
      return request;
    },
  });
  return client;
}
