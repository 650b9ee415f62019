/** POST /privacy/erasures: an admin asks to erase everything about an email address or a record (202, running). */
import { json } from '../shared/http/request.js';
import { routeFunction } from '../shared/http/route-function.js';
import { requestErasureRoute } from '../shared/http/routes/request-erasure.js';
import { requestErasure } from '../shared/use-cases/request-erasure.js';
import { writeDeps } from '../shared/wiring.js';

const deps = writeDeps();

export const handler = routeFunction(requestErasureRoute, async ({ caller, body }) =>
  json(202, await requestErasure(deps, caller, body)),
);
