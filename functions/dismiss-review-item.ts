/** POST /review-items/{id}/dismiss: discard the draft, with an optional note. */
import { json } from '../shared/http/request.js';
import { routeFunction } from '../shared/http/route-function.js';
import { dismissReviewItemRoute } from '../shared/http/routes/dismiss-review-item.js';
import { dismissItem } from '../shared/use-cases/decide.js';
import { writeDeps } from '../shared/wiring.js';

const deps = writeDeps();

export const handler = routeFunction(dismissReviewItemRoute, async ({ caller, path, body }) =>
  json(200, await dismissItem(deps, caller, path.id, body)),
);
