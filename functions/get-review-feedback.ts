/** GET /automations/{automationId}/review-feedback: what reviewers did with its drafts, per automation version. */
import * as z from 'zod/mini';
import { idSchema } from '../shared/domain/primitives.js';
import { httpFunction } from '../shared/http/http-function.js';
import { callerOf, json, pathParamOf, validate } from '../shared/http/request.js';
import { reviewFeedback } from '../shared/use-cases/review-feedback.js';
import { readDeps } from '../shared/wiring.js';

const deps = readDeps();
const pathSchema = z.object({ automationId: idSchema });

export const handler = httpFunction(async (event) => {
  const caller = callerOf(event);
  const { automationId } = validate(
    pathSchema,
    { automationId: pathParamOf(event, 'automationId') },
    'The path is invalid',
  );
  return json(200, await reviewFeedback(deps, caller, automationId));
});
