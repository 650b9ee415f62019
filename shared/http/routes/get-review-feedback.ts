import { defineRoute } from '../route.js';
import { automationId } from './params.js';

export const getReviewFeedbackRoute = defineRoute({
  fn: 'get-review-feedback',
  method: 'GET',
  path: '/automations/{automationId}/review-feedback',
  auth: 'jwt',
  params: automationId,
});
