/** GET /review-items: the caller's queue, newest first (or `scope=workspace`). */

import { httpFunction } from '../shared/http/http-function.js';
import { callerOf, json, queryOf } from '../shared/http/request.js';
import { listQuerySchema } from '../shared/http/requests.js';
import { listReviewItems } from '../shared/use-cases/read-items.js';
import { readDeps } from '../shared/wiring.js';

const deps = readDeps();

export const handler = httpFunction(async (event) =>
  json(200, await listReviewItems(deps, callerOf(event), queryOf(event, listQuerySchema))),
);
