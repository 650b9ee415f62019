/** GET /automations/{automationId}/review-feedback: what reviewers did with its drafts, per automation version. */
import { json } from '../shared/http/request.js';
import { routeFunction } from '../shared/http/route-function.js';
import { getReviewFeedbackRoute } from '../shared/http/routes/get-review-feedback.js';
import { reviewFeedback } from '../shared/use-cases/review-feedback.js';
import { readDeps } from '../shared/wiring.js';

const deps = readDeps();

export const handler = routeFunction(getReviewFeedbackRoute, async ({ caller, path }) =>
  json(200, await reviewFeedback(deps, caller, path.automationId)),
);
