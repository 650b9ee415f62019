/** POST /review-items/bulk: approve or dismiss up to 25 items, each answered with its own status. */

import { httpFunction } from '../shared/http/http-function.js';
import { bodyOf, callerOf, json } from '../shared/http/request.js';
import { bulkRequestSchema } from '../shared/http/requests.js';
import { decideItems } from '../shared/use-cases/bulk.js';
import { sendDeps } from '../shared/wiring.js';

const deps = sendDeps();

export const handler = httpFunction(async (event) => {
  const caller = callerOf(event);
  return json(200, await decideItems(deps, caller, bodyOf(event, bulkRequestSchema)));
});
