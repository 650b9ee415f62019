/** GET /me/delegation: the caller's out-of-office delegation while it lasts. */
import { json } from '../shared/http/request.js';
import { routeFunction } from '../shared/http/route-function.js';
import { getDelegationRoute } from '../shared/http/routes/get-delegation.js';
import { getDelegation } from '../shared/use-cases/delegation.js';
import { readDeps } from '../shared/wiring.js';

const deps = readDeps();

export const handler = routeFunction(getDelegationRoute, async ({ caller }) =>
  json(200, await getDelegation(deps, caller)),
);
