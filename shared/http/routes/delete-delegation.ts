import { defineRoute } from '../route.js';

export const deleteDelegationRoute = defineRoute({
  fn: 'delete-delegation',
  method: 'DELETE',
  path: '/me/delegation',
  auth: 'jwt',
});
