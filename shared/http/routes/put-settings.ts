import { settingsRequestSchema } from '../requests.js';
import { defineRoute } from '../route.js';

export const putSettingsRoute = defineRoute({
  fn: 'put-settings',
  method: 'PUT',
  path: '/settings',
  auth: 'jwt',
  body: { schema: settingsRequestSchema, required: true },
});
