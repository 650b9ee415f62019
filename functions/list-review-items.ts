/** GET /review-items: the caller's queue, newest first (or `scope=workspace`). */

import { cursorKeySource } from '../shared/cursor-key-source.js';
import { json } from '../shared/http/request.js';
import { routeFunction } from '../shared/http/route-function.js';
import { listReviewItemsRoute } from '../shared/http/routes/list-review-items.js';
import { listReviewItems } from '../shared/use-cases/read-items.js';
import { readDeps } from '../shared/wiring.js';

const deps = readDeps(cursorKeySource());

export const handler = routeFunction(listReviewItemsRoute, async ({ caller, query }) =>
  json(200, await listReviewItems(deps, caller, query)),
);
