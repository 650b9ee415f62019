import { defineRoute } from '../route.js';

export const getDelegationRoute = defineRoute({
  fn: 'get-delegation',
  method: 'GET',
  path: '/me/delegation',
  auth: 'jwt',
});
