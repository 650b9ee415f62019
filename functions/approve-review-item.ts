/** POST /review-items/{id}/approve: claim, send once through SES, answer the sent item. */

import { httpFunction } from '../shared/http/http-function.js';
import { bodyOf, callerOf, json, pathParamOf } from '../shared/http/request.js';
import { approveRequestSchema } from '../shared/http/requests.js';
import { approveItem } from '../shared/use-cases/decide.js';
import { sendDeps } from '../shared/wiring.js';

const deps = sendDeps();

export const handler = httpFunction(async (event) => {
  const caller = callerOf(event);
  return json(
    200,
    await approveItem(deps, caller, pathParamOf(event, 'id'), bodyOf(event, approveRequestSchema)),
  );
});
