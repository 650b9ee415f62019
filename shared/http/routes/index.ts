/**
 * Every HTTP route, the request side (route.ts): what each function under functions/ is called with, one module per
 * function so that a handler bundles its own route's spec only. infra/manifest.ts wires each to its function and
 * shared/openapi/document.ts documents each, with what it answers (shared/openapi/operations.ts).
 */
import type { RouteSpec } from '../route.js';
import { approveReviewItemRoute } from './approve-review-item.js';
import { decideReviewItemsRoute } from './decide-review-items.js';
import { deleteDelegationRoute } from './delete-delegation.js';
import { dismissReviewItemRoute } from './dismiss-review-item.js';
import { editReviewItemRoute } from './edit-review-item.js';
import { getDelegationRoute } from './get-delegation.js';
import { getErasureRoute } from './get-erasure.js';
import { getOpenApiRoute } from './get-openapi.js';
import { getReviewFeedbackRoute } from './get-review-feedback.js';
import { getReviewItemRoute } from './get-review-item.js';
import { getReviewItemHistoryRoute } from './get-review-item-history.js';
import { getReviewStatsRoute } from './get-review-stats.js';
import { getReviewSummaryRoute } from './get-review-summary.js';
import { getSettingsRoute } from './get-settings.js';
import { healthRoute } from './health.js';
import { listAutomationsRoute } from './list-automations.js';
import { listRecordReviewItemsRoute } from './list-record-review-items.js';
import { listReviewItemsRoute } from './list-review-items.js';
import { mcpRoute, mcpStreamRoute } from './mcp.js';
import { putDelegationRoute } from './put-delegation.js';
import { putSettingsRoute } from './put-settings.js';
import { reassignReviewItemRoute } from './reassign-review-item.js';
import { receiveEmailWebhookRoute } from './receive-email-webhook.js';
import { requestErasureRoute } from './request-erasure.js';
import { undoReviewItemRoute } from './undo-review-item.js';

export {
  approveReviewItemRoute,
  decideReviewItemsRoute,
  deleteDelegationRoute,
  dismissReviewItemRoute,
  editReviewItemRoute,
  getDelegationRoute,
  getErasureRoute,
  getOpenApiRoute,
  getReviewFeedbackRoute,
  getReviewItemHistoryRoute,
  getReviewItemRoute,
  getReviewStatsRoute,
  getReviewSummaryRoute,
  getSettingsRoute,
  healthRoute,
  listAutomationsRoute,
  listRecordReviewItemsRoute,
  listReviewItemsRoute,
  mcpRoute,
  mcpStreamRoute,
  putDelegationRoute,
  putSettingsRoute,
  reassignReviewItemRoute,
  receiveEmailWebhookRoute,
  requestErasureRoute,
  undoReviewItemRoute,
};

/** In the order the manifest and the document list them. */
export const routes: readonly RouteSpec[] = [
  listReviewItemsRoute,
  getReviewSummaryRoute,
  getReviewItemRoute,
  getReviewItemHistoryRoute,
  listRecordReviewItemsRoute,
  editReviewItemRoute,
  approveReviewItemRoute,
  dismissReviewItemRoute,
  undoReviewItemRoute,
  reassignReviewItemRoute,
  decideReviewItemsRoute,
  receiveEmailWebhookRoute,
  listAutomationsRoute,
  getReviewStatsRoute,
  getReviewFeedbackRoute,
  requestErasureRoute,
  getErasureRoute,
  getSettingsRoute,
  putSettingsRoute,
  getDelegationRoute,
  putDelegationRoute,
  deleteDelegationRoute,
  mcpRoute,
  mcpStreamRoute,
  getOpenApiRoute,
  healthRoute,
];
