import { bulkRequestSchema } from '../requests.js';
import { defineRoute } from '../route.js';

export const decideReviewItemsRoute = defineRoute({
  fn: 'decide-review-items',
  method: 'POST',
  path: '/review-items/bulk',
  auth: 'jwt',
  body: { schema: bulkRequestSchema, required: true },
});
