/** GET /review-items/summary: pending count, counts by automation, the latest items (Up next). */
import { z } from 'zod';
import { httpFunction } from '../shared/http/http-function.js';
import { callerOf, json, queryOf } from '../shared/http/request.js';
import { summarize } from '../shared/use-cases/read-items.js';
import { readDeps } from '../shared/wiring.js';

const deps = readDeps();
const querySchema = z.object({ latest: z.coerce.number().int().min(0).max(20).default(5) }).strict();

export const handler = httpFunction(async (event) => {
  const { latest } = queryOf(event, querySchema);
  return json(200, await summarize(deps, callerOf(event), latest));
});
