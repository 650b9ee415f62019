/** PUT /me/delegation: sets (or replaces) the caller's out-of-office delegation. */
import { json } from '../shared/http/request.js';
import { routeFunction } from '../shared/http/route-function.js';
import { putDelegationRoute } from '../shared/http/routes/put-delegation.js';
import { putDelegation } from '../shared/use-cases/set-delegation.js';
import { writeDeps } from '../shared/wiring.js';

const deps = writeDeps();

export const handler = routeFunction(putDelegationRoute, async ({ caller, body }) =>
  json(200, await putDelegation(deps, caller, body)),
);
