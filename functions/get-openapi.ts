/** GET /openapi.json: the OpenAPI 3.1 document, built once per container from the route specs and the zod schemas. */
import { httpFunction } from '../shared/http/http-function.js';
import { json } from '../shared/http/request.js';
import { openApiDocument } from '../shared/openapi/document.js';

const body = openApiDocument();

export const handler = httpFunction(async () => json(200, body));
