/** POST /review-items/{id}/reviewers: add or remove reviewers by hand. */
import { json } from '../shared/http/request.js';
import { routeFunction } from '../shared/http/route-function.js';
import { reassignReviewItemRoute } from '../shared/http/routes/reassign-review-item.js';
import { reassignItem } from '../shared/use-cases/reassign.js';
import { writeDeps } from '../shared/wiring.js';

const deps = writeDeps();

export const handler = routeFunction(reassignReviewItemRoute, async ({ caller, path, body }) =>
  json(200, await reassignItem(deps, caller, path.id, body)),
);
