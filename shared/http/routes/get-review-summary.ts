import { summaryQuerySchema } from '../requests.js';
import { defineRoute } from '../route.js';

export const getReviewSummaryRoute = defineRoute({
  fn: 'get-review-summary',
  method: 'GET',
  path: '/review-items/summary',
  auth: 'jwt',
  query: summaryQuerySchema,
});
