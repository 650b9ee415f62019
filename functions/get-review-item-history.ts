/** GET /review-items/{id}/history: every change of the item, oldest first. */
import { httpFunction } from '../shared/http/http-function.js';
import { callerOf, json, pathParamOf } from '../shared/http/request.js';
import { getHistory } from '../shared/use-cases/read-items.js';
import { readDeps } from '../shared/wiring.js';

const deps = readDeps();

export const handler = httpFunction(async (event) =>
  json(200, await getHistory(deps, callerOf(event), pathParamOf(event, 'id'))),
);
