import { listQuerySchema } from '../requests.js';
import { defineRoute } from '../route.js';

export const listReviewItemsRoute = defineRoute({
  fn: 'list-review-items',
  method: 'GET',
  path: '/review-items',
  auth: 'jwt',
  query: listQuerySchema,
});
