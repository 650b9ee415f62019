/** POST /review-items/{id}/approve: claim, send once through SES, answer the sent item. */
import { json } from '../shared/http/request.js';
import { routeFunction } from '../shared/http/route-function.js';
import { approveReviewItemRoute } from '../shared/http/routes/approve-review-item.js';
import { approveItem } from '../shared/use-cases/decide.js';
import { sendDeps } from '../shared/wiring.js';

const deps = sendDeps();

export const handler = routeFunction(approveReviewItemRoute, async ({ caller, path, body }) =>
  json(200, await approveItem(deps, caller, path.id, body)),
);
