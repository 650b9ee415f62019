/** GET /records/{recordType}/{recordId}/review-items: the record page banner. */
import * as z from 'zod/mini';
import { idSchema, relatedRecordSchema } from '../shared/domain/primitives.js';
import { pageQuerySchema } from '../shared/domain/schemas.js';
import { httpFunction } from '../shared/http/http-function.js';
import { callerOf, json, pathParamOf, queryOf, validate } from '../shared/http/request.js';
import { listRecordItems } from '../shared/use-cases/read-items.js';
import { readDeps } from '../shared/wiring.js';

const deps = readDeps();
/** As the document says and as related records are stored: a record type like `account`, an id without CR/LF/NUL. */
const pathSchema = z.object({ type: relatedRecordSchema.shape.type, id: idSchema });

export const handler = httpFunction(async (event) => {
  const caller = callerOf(event);
  const record = validate(
    pathSchema,
    { type: pathParamOf(event, 'recordType'), id: pathParamOf(event, 'recordId') },
    'The path is invalid',
  );
  return json(200, await listRecordItems(deps, caller, record, queryOf(event, pageQuerySchema)));
});
