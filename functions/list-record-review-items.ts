/** GET /records/{recordType}/{recordId}/review-items: the record page banner. */
import { pageQuerySchema } from '../shared/domain/schemas.js';
import { httpFunction } from '../shared/http/http-function.js';
import { callerOf, json, pathParamOf, queryOf } from '../shared/http/request.js';
import { listRecordItems } from '../shared/use-cases/read-items.js';
import { readDeps } from '../shared/wiring.js';

const deps = readDeps();

export const handler = httpFunction(async (event) => {
  const caller = callerOf(event);
  const record = { type: pathParamOf(event, 'recordType'), id: pathParamOf(event, 'recordId') };
  return json(200, await listRecordItems(deps, caller, record, queryOf(event, pageQuerySchema)));
});
