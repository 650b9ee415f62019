/** PATCH /review-items/{id}: edit a pending draft (optimistic `version`; `from` cannot change). */
import { json } from '../shared/http/request.js';
import { routeFunction } from '../shared/http/route-function.js';
import { editReviewItemRoute } from '../shared/http/routes/edit-review-item.js';
import { editItem } from '../shared/use-cases/decide.js';
import { writeDeps } from '../shared/wiring.js';

const deps = writeDeps();

export const handler = routeFunction(editReviewItemRoute, async ({ caller, path, body }) =>
  json(200, await editItem(deps, caller, path.id, body)),
);
