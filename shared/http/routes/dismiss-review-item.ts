import { dismissRequestSchema } from '../requests.js';
import { defineRoute } from '../route.js';
import { itemId } from './params.js';

export const dismissReviewItemRoute = defineRoute({
  fn: 'dismiss-review-item',
  method: 'POST',
  path: '/review-items/{id}/dismiss',
  auth: 'jwt',
  params: itemId,
  body: { schema: dismissRequestSchema, required: false },
});
