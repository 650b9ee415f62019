/**
 * Every HTTP route, the request side (route.ts): what each function under functions/ is called with. A handler
 * imports its own route from here; infra/manifest.ts wires each to its function and shared/openapi/document.ts
 * documents each, with what it answers (shared/openapi/operations.ts).
 */
import * as z from 'zod/mini';
import { emailWebhookSchema } from '../domain/email-webhook.js';
import { headerSafe, idSchema, relatedRecordSchema } from '../domain/primitives.js';
import {
  approveRequestSchema,
  bulkRequestSchema,
  dismissRequestSchema,
  editRequestSchema,
  listQuerySchema,
  pageQuerySchema,
  reassignRequestSchema,
  summaryQuerySchema,
} from './requests.js';
import { defineRoute, type ParamSpec, type RouteSpec } from './route.js';

/** Ids are looked up, never trusted: one past the bounds of an id is not found (404), as an unknown one is. */
const itemId = { id: { description: 'The review item id', documented: idSchema } } satisfies Record<
  string,
  ParamSpec
>;
const automationId = { automationId: { description: 'The automation id', schema: idSchema } };

export const listReviewItemsRoute = defineRoute({
  fn: 'list-review-items',
  method: 'GET',
  path: '/review-items',
  auth: 'jwt',
  query: listQuerySchema,
});

export const getReviewSummaryRoute = defineRoute({
  fn: 'get-review-summary',
  method: 'GET',
  path: '/review-items/summary',
  auth: 'jwt',
  query: summaryQuerySchema,
});

export const getReviewItemRoute = defineRoute({
  fn: 'get-review-item',
  method: 'GET',
  path: '/review-items/{id}',
  auth: 'jwt',
  params: itemId,
});

export const getReviewItemHistoryRoute = defineRoute({
  fn: 'get-review-item-history',
  method: 'GET',
  path: '/review-items/{id}/history',
  auth: 'jwt',
  params: itemId,
});

/** As related records are stored: a record type like `account`, an id without CR/LF/NUL. */
export const listRecordReviewItemsRoute = defineRoute({
  fn: 'list-record-review-items',
  method: 'GET',
  path: '/records/{recordType}/{recordId}/review-items',
  auth: 'jwt',
  params: {
    recordType: { description: 'A record type such as account', schema: relatedRecordSchema.shape.type },
    recordId: { description: 'The record id', schema: idSchema },
  },
  query: pageQuerySchema,
});

export const editReviewItemRoute = defineRoute({
  fn: 'edit-review-item',
  method: 'PATCH',
  path: '/review-items/{id}',
  auth: 'jwt',
  params: itemId,
  body: { schema: editRequestSchema, required: true },
});

export const approveReviewItemRoute = defineRoute({
  fn: 'approve-review-item',
  method: 'POST',
  path: '/review-items/{id}/approve',
  auth: 'jwt',
  params: itemId,
  body: { schema: approveRequestSchema, required: false },
});

export const dismissReviewItemRoute = defineRoute({
  fn: 'dismiss-review-item',
  method: 'POST',
  path: '/review-items/{id}/dismiss',
  auth: 'jwt',
  params: itemId,
  body: { schema: dismissRequestSchema, required: false },
});

export const reassignReviewItemRoute = defineRoute({
  fn: 'reassign-review-item',
  method: 'POST',
  path: '/review-items/{id}/reviewers',
  auth: 'jwt',
  params: itemId,
  body: { schema: reassignRequestSchema, required: true },
});

export const decideReviewItemsRoute = defineRoute({
  fn: 'decide-review-items',
  method: 'POST',
  path: '/review-items/bulk',
  auth: 'jwt',
  body: { schema: bulkRequestSchema, required: true },
});

const upTo = (max: number) => z.string().check(z.maxLength(max));

/**
 * Not JWT-authenticated: the Standard Webhooks signature is the auth. The headers are bounded before anything uses
 * them (the id keys the delivery: Standard Webhooks ids are short, `msg_` + a ULID or UUID; the timestamp is Unix
 * seconds, the signature a few `v1,<base64>`): an over-long header is a 400, a missing or malformed one fails the
 * signature (401).
 */
export const receiveEmailWebhookRoute = defineRoute({
  fn: 'receive-email-webhook',
  method: 'POST',
  path: '/webhooks/email',
  auth: 'none',
  subject: 'webhook',
  headers: {
    'webhook-id': {
      description:
        'Unique per delivery; a repeat is a no-op that answers the first answer (at most 256 characters)',
      schema: headerSafe(256),
      documented: z.string().check(z.minLength(1), z.maxLength(256)),
    },
    'webhook-timestamp': {
      description: 'Unix seconds when the delivery was signed',
      schema: upTo(20),
      documented: z.string().check(z.regex(/^\d+$/)),
    },
    'webhook-signature': {
      description: 'Space-separated signatures, `v1,<base64>`',
      schema: headerSafe(4096),
      documented: z.string().check(z.regex(/^v1,/)),
    },
  },
  body: { schema: emailWebhookSchema, required: true, signed: true },
});

export const listAutomationsRoute = defineRoute({
  fn: 'list-automations',
  method: 'GET',
  path: '/automations',
  auth: 'jwt',
  query: pageQuerySchema,
});

export const getReviewStatsRoute = defineRoute({
  fn: 'get-review-stats',
  method: 'GET',
  path: '/automations/{automationId}/review-stats',
  auth: 'jwt',
  params: automationId,
});

export const getReviewFeedbackRoute = defineRoute({
  fn: 'get-review-feedback',
  method: 'GET',
  path: '/automations/{automationId}/review-feedback',
  auth: 'jwt',
  params: automationId,
});

/** The MCP SDK parses the JSON-RPC body itself (shared/mcp/server.ts). */
export const mcpRoute = defineRoute({ fn: 'mcp', method: 'POST', path: '/mcp', auth: 'jwt' });

/** No server-initiated stream in stateless mode: the same function answers 405. */
export const mcpStreamRoute = defineRoute({ fn: 'mcp', method: 'GET', path: '/mcp', auth: 'jwt' });

/** Public, like the document in docs/: it describes the API, it reads no data. */
export const getOpenApiRoute = defineRoute({
  fn: 'get-openapi',
  method: 'GET',
  path: '/openapi.json',
  auth: 'none',
});

export const healthRoute = defineRoute({ fn: 'health', method: 'GET', path: '/health', auth: 'none' });

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
  reassignReviewItemRoute,
  decideReviewItemsRoute,
  receiveEmailWebhookRoute,
  listAutomationsRoute,
  getReviewStatsRoute,
  getReviewFeedbackRoute,
  mcpRoute,
  mcpStreamRoute,
  getOpenApiRoute,
  healthRoute,
];
