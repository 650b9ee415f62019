/** GET /review-items/summary: pending count, counts by automation, the latest items (Up next). */

import { cursorKeySource } from '../shared/cursor-key-source.js';
import { json } from '../shared/http/request.js';
import { routeFunction } from '../shared/http/route-function.js';
import { getReviewSummaryRoute } from '../shared/http/routes/get-review-summary.js';
import { summarize } from '../shared/use-cases/read-items.js';
import { readDeps } from '../shared/wiring.js';

const deps = readDeps(cursorKeySource());

export const handler = routeFunction(getReviewSummaryRoute, async ({ caller, query }) =>
  json(200, await summarize(deps, caller, query.latest)),
);
