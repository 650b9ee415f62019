/** POST /review-items/{id}/undo: a scheduled approval returned to pending before it executes. */
import { json } from '../shared/http/request.js';
import { routeFunction } from '../shared/http/route-function.js';
import { undoReviewItemRoute } from '../shared/http/routes/undo-review-item.js';
import { undoItem } from '../shared/use-cases/held-items.js';
import { writeDeps } from '../shared/wiring.js';

const deps = writeDeps();

export const handler = routeFunction(undoReviewItemRoute, async ({ caller, path, body }) =>
  json(200, await undoItem(deps, caller, path.id, body ?? {})),
);
