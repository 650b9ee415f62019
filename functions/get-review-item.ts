/** GET /review-items/{id}: one item, or 404 when it does not exist for the caller. */
import { json } from '../shared/http/request.js';
import { routeFunction } from '../shared/http/route-function.js';
import { getReviewItemRoute } from '../shared/http/routes/get-review-item.js';
import { getReviewItem } from '../shared/use-cases/read-items.js';
import { readDeps } from '../shared/wiring.js';

const deps = readDeps();

export const handler = routeFunction(getReviewItemRoute, async ({ caller, path }) =>
  json(200, await getReviewItem(deps, caller, path.id)),
);
