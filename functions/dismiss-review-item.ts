/** POST /review-items/{id}/dismiss: discard the draft, with an optional note. */

import { httpFunction } from '../shared/http/http-function.js';
import { bodyOf, callerOf, json, pathParamOf } from '../shared/http/request.js';
import { dismissRequestSchema } from '../shared/http/requests.js';
import { dismissItem } from '../shared/use-cases/decide.js';
import { writeDeps } from '../shared/wiring.js';

const deps = writeDeps();

export const handler = httpFunction(async (event) => {
  const caller = callerOf(event);
  return json(
    200,
    await dismissItem(deps, caller, pathParamOf(event, 'id'), bodyOf(event, dismissRequestSchema)),
  );
});
