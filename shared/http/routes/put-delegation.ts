import { delegationRequestSchema } from '../requests.js';
import { defineRoute } from '../route.js';

export const putDelegationRoute = defineRoute({
  fn: 'put-delegation',
  method: 'PUT',
  path: '/me/delegation',
  auth: 'jwt',
  body: { schema: delegationRequestSchema, required: true },
});
