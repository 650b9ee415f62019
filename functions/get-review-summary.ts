/** GET /review-items/summary: pending count, counts by automation, the latest items (Up next). */

import { httpFunction } from '../shared/http/http-function.js';
import { callerOf, json, queryOf } from '../shared/http/request.js';
import { summaryQuerySchema } from '../shared/http/requests.js';
import { summarize } from '../shared/use-cases/read-items.js';
import { readDeps } from '../shared/wiring.js';

const deps = readDeps();

export const handler = httpFunction(async (event) => {
  const { latest } = queryOf(event, summaryQuerySchema);
  return json(200, await summarize(deps, callerOf(event), latest));
});
