import { defineRoute } from '../route.js';

/** Public, like the document in docs/: it describes the API, it reads no data. */
export const getOpenApiRoute = defineRoute({
  fn: 'get-openapi',
  method: 'GET',
  path: '/openapi.json',
  auth: 'none',
});
