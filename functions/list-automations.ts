/** GET /automations: the automations that have proposed in the workspace, with the open items the caller may see. */

import { httpFunction } from '../shared/http/http-function.js';
import { callerOf, json, queryOf } from '../shared/http/request.js';
import { pageQuerySchema } from '../shared/http/requests.js';
import { listAutomations } from '../shared/use-cases/read-items.js';
import { readDeps } from '../shared/wiring.js';

const deps = readDeps();

export const handler = httpFunction(async (event) =>
  json(200, await listAutomations(deps, callerOf(event), queryOf(event, pageQuerySchema))),
);
