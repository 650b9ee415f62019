import { defineRoute } from '../route.js';
import { itemId } from './params.js';

export const getReviewItemHistoryRoute = defineRoute({
  fn: 'get-review-item-history',
  method: 'GET',
  path: '/review-items/{id}/history',
  auth: 'jwt',
  params: itemId,
});
