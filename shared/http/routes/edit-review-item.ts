import { editRequestSchema } from '../requests.js';
import { defineRoute } from '../route.js';
import { itemId } from './params.js';

export const editReviewItemRoute = defineRoute({
  fn: 'edit-review-item',
  method: 'PATCH',
  path: '/review-items/{id}',
  auth: 'jwt',
  params: itemId,
  body: { schema: editRequestSchema, required: true },
});
