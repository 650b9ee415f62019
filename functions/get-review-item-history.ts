/** GET /review-items/{id}/history: every change of the item, oldest first. */
import { json } from '../shared/http/request.js';
import { routeFunction } from '../shared/http/route-function.js';
import { getReviewItemHistoryRoute } from '../shared/http/routes/get-review-item-history.js';
import { getHistory } from '../shared/use-cases/read-items.js';
import { readDeps } from '../shared/wiring.js';

const deps = readDeps();

export const handler = routeFunction(getReviewItemHistoryRoute, async ({ caller, path }) =>
  json(200, await getHistory(deps, caller, path.id)),
);
