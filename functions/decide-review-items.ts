/** POST /review-items/bulk: approve or dismiss up to 25 items, each answered with its own status. */
import { json } from '../shared/http/request.js';
import { routeFunction } from '../shared/http/route-function.js';
import { decideReviewItemsRoute } from '../shared/http/routes/decide-review-items.js';
import { decideItems } from '../shared/use-cases/bulk.js';
import { sendDeps } from '../shared/wiring.js';

const deps = sendDeps();

export const handler = routeFunction(decideReviewItemsRoute, async ({ caller, body }) =>
  json(200, await decideItems(deps, caller, body)),
);
