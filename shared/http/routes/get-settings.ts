import { defineRoute } from '../route.js';

export const getSettingsRoute = defineRoute({
  fn: 'get-settings',
  method: 'GET',
  path: '/settings',
  auth: 'jwt',
});
