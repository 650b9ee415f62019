import { undoRequestSchema } from '../requests.js';
import { defineRoute } from '../route.js';
import { itemId } from './params.js';

export const undoReviewItemRoute = defineRoute({
  fn: 'undo-review-item',
  method: 'POST',
  path: '/review-items/{id}/undo',
  auth: 'jwt',
  params: itemId,
  body: { schema: undoRequestSchema, required: false },
});
