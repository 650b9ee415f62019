import { defineRoute } from '../route.js';
import { itemId } from './params.js';

export const getReviewItemRoute = defineRoute({
  fn: 'get-review-item',
  method: 'GET',
  path: '/review-items/{id}',
  auth: 'jwt',
  params: itemId,
});
