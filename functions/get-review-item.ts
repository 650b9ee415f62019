/** GET /review-items/{id}: one item, or 404 when it does not exist for the caller. */
import { httpFunction } from '../shared/http/http-function.js';
import { callerOf, json, pathParamOf } from '../shared/http/request.js';
import { getReviewItem } from '../shared/use-cases/read-items.js';
import { readDeps } from '../shared/wiring.js';

const deps = readDeps();

export const handler = httpFunction(async (event) =>
  json(200, await getReviewItem(deps, callerOf(event), pathParamOf(event, 'id'))),
);
