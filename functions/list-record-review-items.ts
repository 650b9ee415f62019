/** GET /records/{recordType}/{recordId}/review-items: the record page banner. */

import { cursorKeySource } from '../shared/cursor-key-source.js';
import { json } from '../shared/http/request.js';
import { routeFunction } from '../shared/http/route-function.js';
import { listRecordReviewItemsRoute } from '../shared/http/routes/list-record-review-items.js';
import { listRecordItems } from '../shared/use-cases/read-items.js';
import { readDeps } from '../shared/wiring.js';

const deps = readDeps(cursorKeySource());

export const handler = routeFunction(listRecordReviewItemsRoute, async ({ caller, path, query }) =>
  json(200, await listRecordItems(deps, caller, { type: path.recordType, id: path.recordId }, query)),
);
