import { approveRequestSchema } from '../requests.js';
import { defineRoute } from '../route.js';
import { itemId } from './params.js';

export const approveReviewItemRoute = defineRoute({
  fn: 'approve-review-item',
  method: 'POST',
  path: '/review-items/{id}/approve',
  auth: 'jwt',
  params: itemId,
  body: { schema: approveRequestSchema, required: false },
});
