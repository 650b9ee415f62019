/** DELETE /me/delegation: ends the caller's out-of-office delegation now. */
import { routeFunction } from '../shared/http/route-function.js';
import { deleteDelegationRoute } from '../shared/http/routes/delete-delegation.js';
import { deleteDelegation } from '../shared/use-cases/set-delegation.js';
import { writeDeps } from '../shared/wiring.js';

const deps = writeDeps();

export const handler = routeFunction(deleteDelegationRoute, async ({ caller }) => {
  await deleteDelegation(deps, caller);
  return { statusCode: 204 };
});
