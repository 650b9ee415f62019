import { erasureRequestSchema } from '../requests.js';
import { defineRoute } from '../route.js';

export const requestErasureRoute = defineRoute({
  fn: 'request-erasure',
  method: 'POST',
  path: '/privacy/erasures',
  auth: 'jwt',
  body: { schema: erasureRequestSchema, required: true },
});
