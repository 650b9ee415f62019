/** PATCH /review-items/{id}: edit a pending draft (optimistic `version`; `from` cannot change). */

import { httpFunction } from '../shared/http/http-function.js';
import { bodyOf, callerOf, json, pathParamOf } from '../shared/http/request.js';
import { editRequestSchema } from '../shared/http/requests.js';
import { editItem } from '../shared/use-cases/decide.js';
import { writeDeps } from '../shared/wiring.js';

const deps = writeDeps();

export const handler = httpFunction(async (event) => {
  const caller = callerOf(event);
  return json(200, await editItem(deps, caller, pathParamOf(event, 'id'), bodyOf(event, editRequestSchema)));
});
