/** GET /automations/{automationId}/review-stats: review outcomes over the runs the caller may see. */
import * as z from 'zod/mini';
import { idSchema } from '../shared/domain/primitives.js';
import { httpFunction } from '../shared/http/http-function.js';
import { callerOf, json, pathParamOf, validate } from '../shared/http/request.js';
import { reviewStats } from '../shared/use-cases/review-stats.js';
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
  return json(200, await reviewStats(deps, caller, automationId));
});
