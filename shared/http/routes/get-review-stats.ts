import { defineRoute } from '../route.js';
import { automationId } from './params.js';

export const getReviewStatsRoute = defineRoute({
  fn: 'get-review-stats',
  method: 'GET',
  path: '/automations/{automationId}/review-stats',
  auth: 'jwt',
  params: automationId,
});
