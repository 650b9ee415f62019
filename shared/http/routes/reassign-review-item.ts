import { reassignRequestSchema } from '../requests.js';
import { defineRoute } from '../route.js';
import { itemId } from './params.js';

export const reassignReviewItemRoute = defineRoute({
  fn: 'reassign-review-item',
  method: 'POST',
  path: '/review-items/{id}/reviewers',
  auth: 'jwt',
  params: itemId,
  body: { schema: reassignRequestSchema, required: true },
});
