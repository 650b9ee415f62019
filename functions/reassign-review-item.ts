/** POST /review-items/{id}/reviewers: add or remove reviewers by hand. */

import { httpFunction } from '../shared/http/http-function.js';
import { bodyOf, callerOf, json, pathParamOf } from '../shared/http/request.js';
import { reassignRequestSchema } from '../shared/http/requests.js';
import { reassignItem } from '../shared/use-cases/reassign.js';
import { writeDeps } from '../shared/wiring.js';

const deps = writeDeps();

export const handler = httpFunction(async (event) => {
  const caller = callerOf(event);
  return json(
    200,
    await reassignItem(deps, caller, pathParamOf(event, 'id'), bodyOf(event, reassignRequestSchema)),
  );
});
