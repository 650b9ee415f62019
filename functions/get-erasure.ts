/** GET /privacy/erasures/{id}: how far an erasure is and what it removed (admins; counts, never content). */
import { json } from '../shared/http/request.js';
import { routeFunction } from '../shared/http/route-function.js';
import { getErasureRoute } from '../shared/http/routes/get-erasure.js';
import { getErasure } from '../shared/use-cases/erasure-status.js';
import { readDeps } from '../shared/wiring.js';

const deps = readDeps();

export const handler = routeFunction(getErasureRoute, async ({ caller, path }) =>
  json(200, await getErasure(deps, caller, path.id)),
);
