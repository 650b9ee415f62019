import { pageQuerySchema } from '../requests.js';
import { defineRoute } from '../route.js';

export const listAutomationsRoute = defineRoute({
  fn: 'list-automations',
  method: 'GET',
  path: '/automations',
  auth: 'jwt',
  query: pageQuerySchema,
});
