/** GET /automations: the automations that have proposed in the workspace, with the open items the caller may see. */

import { cursorKeySource } from '../shared/cursor-key-source.js';
import { json } from '../shared/http/request.js';
import { routeFunction } from '../shared/http/route-function.js';
import { listAutomationsRoute } from '../shared/http/routes/list-automations.js';
import { listAutomations } from '../shared/use-cases/read-items.js';
import { readDeps } from '../shared/wiring.js';

const deps = readDeps(cursorKeySource());

export const handler = routeFunction(listAutomationsRoute, async ({ caller, query }) =>
  json(200, await listAutomations(deps, caller, query)),
);
