/** GET /automations/{automationId}/review-stats: review outcomes over the runs the caller may see. */
import { json } from '../shared/http/request.js';
import { routeFunction } from '../shared/http/route-function.js';
import { getReviewStatsRoute } from '../shared/http/routes/get-review-stats.js';
import { reviewStats } from '../shared/use-cases/review-stats.js';
import { readDeps } from '../shared/wiring.js';

const deps = readDeps();

export const handler = routeFunction(getReviewStatsRoute, async ({ caller, path }) =>
  json(200, await reviewStats(deps, caller, path.automationId)),
);
