/**
 * What the OpenAPI document says about each HTTP route besides its input: its texts and what it answers, keyed by
 * `METHOD /path` exactly as its route spec (shared/http/routes/) spells it. The input is the route spec's, which the
 * handlers parse with; response schemas are shared/http/responses.ts. document.ts refuses a route without an entry
 * here, and an entry without a route, so the document cannot drift from the API.
 */
import * as z from 'zod';
import {
  automationListSchema,
  bulkAnswerSchema,
  delegationSchema,
  erasureSchema,
  healthSchema,
  historySchema,
  reviewFeedbackSchema,
  reviewItemListSchema,
  reviewItemSchema,
  reviewStatsSchema,
  reviewSummarySchema,
  webhookAnswerSchema,
  workspaceSettingsSchema,
} from '../http/responses.js';

/** Problem statuses an operation can answer (problem+json), besides its successes. */
export type ProblemStatus = 400 | 401 | 403 | 404 | 409 | 500 | 502 | 504;

export interface SuccessResponse {
  description: string;
  /** The JSON body; none for an empty answer. */
  schema?: z.core.$ZodType;
  /** Default application/json. */
  contentType?: string;
}

export interface OperationSpec {
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  /**
   * The body the document shows for a route whose handler hands it on unparsed (the MCP SDK parses JSON-RPC); every
   * other route's body is its route spec's.
   */
  body?: { schema: z.core.$ZodType; required: boolean };
  responses: Record<number, SuccessResponse>;
  problems: ProblemStatus[];
}

/** A JSON-RPC 2.0 message as the MCP Streamable HTTP transport carries it (request, notification or response). */
export const jsonRpcMessageSchema = z
  .looseObject({
    jsonrpc: z.literal('2.0'),
    id: z.union([z.string(), z.number().int()]).nullable().optional(),
    method: z.string().optional(),
    params: z.record(z.string(), z.unknown()).optional(),
    result: z.record(z.string(), z.unknown()).optional(),
    error: z.looseObject({ code: z.number().int(), message: z.string() }).optional(),
  })
  .describe('A JSON-RPC 2.0 message (MCP)');
export const jsonRpcPayloadSchema = z.union([jsonRpcMessageSchema, z.array(jsonRpcMessageSchema).min(1)]);

const ITEM_PROBLEMS: ProblemStatus[] = [400, 401, 404, 500];
const ACTION_PROBLEMS: ProblemStatus[] = [400, 401, 403, 404, 409, 500];

export const operations: Record<string, OperationSpec> = {
  'GET /review-items': {
    operationId: 'listReviewItems',
    summary: "The caller's queue of open items, newest first",
    description:
      'scope=mine (default): the items the caller reviews. scope=workspace: every open item the caller may see ' +
      '(workspace runs, their own runs, or every run for an admin).',
    tag: 'Review items',
    responses: { 200: { description: 'A page of items', schema: reviewItemListSchema } },
    problems: [400, 401, 500],
  },
  'GET /review-items/summary': {
    operationId: 'getReviewSummary',
    summary: 'For "Up next": the pending count, counts by automation and the latest items',
    tag: 'Review items',
    responses: { 200: { description: 'The summary of the caller’s queue', schema: reviewSummarySchema } },
    problems: [400, 401, 500],
  },
  'GET /review-items/{id}': {
    operationId: 'getReviewItem',
    summary: 'One review item',
    tag: 'Review items',
    responses: { 200: { description: 'The item', schema: reviewItemSchema } },
    problems: ITEM_PROBLEMS,
  },
  'GET /review-items/{id}/history': {
    operationId: 'getReviewItemHistory',
    summary: "The item's history, oldest first",
    tag: 'Review items',
    responses: { 200: { description: 'Every change of the item', schema: historySchema } },
    problems: ITEM_PROBLEMS,
  },
  'GET /records/{recordType}/{recordId}/review-items': {
    operationId: 'listRecordReviewItems',
    summary: 'Open items about one record that the caller may see (the record page banner)',
    tag: 'Records',
    responses: { 200: { description: 'A page of items', schema: reviewItemListSchema } },
    problems: [400, 401, 500],
  },
  'PATCH /review-items/{id}': {
    operationId: 'editReviewItem',
    summary: "Edits a pending item's draft",
    description: '`from` cannot be edited. `version` must be the version the caller saw, else 409.',
    tag: 'Review items',
    responses: { 200: { description: 'The edited item', schema: reviewItemSchema } },
    problems: ACTION_PROBLEMS,
  },
  'POST /review-items/{id}/approve': {
    operationId: 'approveReviewItem',
    summary: 'Approves the item: sends its email once through SES',
    description:
      'Only a caller whose connected mailboxes include the draft’s from may approve (else 403). 502: SES rejected ' +
      'the email, the item is pending again. 504: the send’s outcome is unknown; it is never resent ' +
      'automatically: approve again with confirmResend, or dismiss. 409 with `stale`: a message arrived on the ' +
      'email thread since the draft was proposed; approve with acknowledgeStale to send it anyway. 409 with ' +
      "`drifted`: a record draft's changes the record no longer matches; with `conflicts`: fields other open " +
      'drafts of the record propose different results for (approve with acknowledgeConflicts, or fields without ' +
      'them).',
    tag: 'Review items',
    responses: { 200: { description: 'The sent item, with the SES message id', schema: reviewItemSchema } },
    problems: [...ACTION_PROBLEMS, 502, 504],
  },
  'POST /review-items/{id}/dismiss': {
    operationId: 'dismissReviewItem',
    summary: 'Dismisses the item, with an optional note',
    tag: 'Review items',
    responses: { 200: { description: 'The dismissed item', schema: reviewItemSchema } },
    problems: ACTION_PROBLEMS,
  },
  'POST /review-items/{id}/undo': {
    operationId: 'undoReviewItem',
    summary: 'Undoes a held approval before it executes: the item is pending again, with its edits',
    description:
      "With the workspace's sendHoldSeconds > 0 an approval schedules the item until hold.executeAt. The approver " +
      'or an admin (else 403) may undo it until then; an item not scheduled (already executed, never held) or ' +
      'past its executeAt answers 409 with its status and version.',
    tag: 'Review items',
    responses: { 200: { description: 'The item, pending again', schema: reviewItemSchema } },
    problems: ACTION_PROBLEMS,
  },
  'POST /review-items/{id}/reviewers': {
    operationId: 'reassignReviewItem',
    summary: 'Adds or removes reviewers by hand; their queues change at once',
    description:
      'A reviewer of the pending item, or an admin who can see it, may reassign. An added reviewer must be an active ' +
      'member who can see the item (else 400); the item keeps 1 to 16 reviewers (removing the last answers 409). ' +
      'A replacing proposal keeps the reviewers added by hand and does not bring back those removed by hand.',
    tag: 'Review items',
    responses: { 200: { description: 'The item with its new reviewers', schema: reviewItemSchema } },
    problems: ACTION_PROBLEMS,
  },
  'POST /review-items/bulk': {
    operationId: 'decideReviewItems',
    summary: 'Approves or dismisses up to 25 items, each decided as if alone',
    description:
      'Each item gets its own permission check, version check and exactly-once guarantee, and its own result: the ' +
      'status and item, or the problem details, that its single approve or dismiss route would have answered. ' +
      "One item's failure never blocks or undoes another's; the request itself answers 200.",
    tag: 'Review items',
    responses: { 200: { description: "Each item's outcome", schema: bulkAnswerSchema } },
    problems: [400, 401, 500],
  },
  'POST /webhooks/email': {
    operationId: 'receiveEmailWebhook',
    summary:
      'Email provider events: items sent or discarded elsewhere leave the queue as resolved; a message received on ' +
      "a draft's thread marks it stale",
    description:
      'Signed per Standard Webhooks: `webhook-signature` is `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` ' +
      'with the shared `whsec_` secret. A bad or missing signature, or a timestamp more than 5 minutes off, ' +
      'answers 401 and changes nothing; a repeated webhook-id is a no-op.',
    tag: 'Webhooks',
    responses: {
      200: { description: 'How many items were resolved or marked stale', schema: webhookAnswerSchema },
    },
    problems: [400, 401, 409, 500],
  },
  'GET /health': {
    operationId: 'health',
    summary: 'Answers 200 when the service can reach its table',
    tag: 'Service',
    responses: {
      200: { description: 'Up', schema: healthSchema },
      503: { description: 'Down', schema: healthSchema },
    },
    problems: [],
  },
  'GET /automations': {
    operationId: 'listAutomations',
    summary: 'The automations that have proposed in the workspace, with their latest name and open items',
    description:
      'Every automation that has proposed a draft in the workspace, ordered by id, with the name its latest ' +
      'proposal carried and how many of its items are open for the caller (admins: all; members: workspace runs ' +
      'and their own runs). This is how an agent turns "the renewal automation" into an automationId.',
    tag: 'Automations',
    responses: { 200: { description: 'A page of automations', schema: automationListSchema } },
    problems: [400, 401, 500],
  },
  'GET /automations/{automationId}/review-stats': {
    operationId: 'getReviewStats',
    summary: "An automation's review outcomes and median time to decision, over the runs the caller may see",
    description:
      'Admins count every run; members count workspace runs and their own runs (docs/review-stats.md). ' +
      'An unknown automation, or a caller who is not an active member, gets zeros.',
    tag: 'Automations',
    responses: { 200: { description: 'The stats', schema: reviewStatsSchema } },
    problems: [400, 401, 500],
  },
  'GET /automations/{automationId}/review-feedback': {
    operationId: 'getReviewFeedback',
    summary: "What reviewers did with an automation's drafts, per automation version",
    description:
      'Per automationVersion, over the runs the caller may see (admins: every run; members: workspace runs and their ' +
      'own): proposals, approval rate, approved without edits, dismiss reasons, which fields reviewers edit and how ' +
      'much of bodies they change, stale/resolved/expired rates; and the latest dismiss notes with their item ids ' +
      '(docs/review-feedback.md). An unknown automation, or a caller who is not an active member, gets no versions.',
    tag: 'Automations',
    responses: { 200: { description: 'The feedback', schema: reviewFeedbackSchema } },
    problems: [400, 401, 500],
  },
  'GET /settings': {
    operationId: 'getSettings',
    summary: "The workspace's review settings",
    description:
      'Any active member. A workspace that never saved settings answers the defaults at version 0.',
    tag: 'Settings',
    responses: { 200: { description: 'The settings', schema: workspaceSettingsSchema } },
    problems: [401, 403, 500],
  },
  'PUT /settings': {
    operationId: 'putSettings',
    summary: "Saves the workspace's review settings",
    description:
      'Admins only (others 403). `version` is the version the caller read (0 before the first save), else 409 with ' +
      'the version now; a setting left out takes its default. The overdue and escalation jobs apply a change to ' +
      'the items already pending within one run.',
    tag: 'Settings',
    responses: { 200: { description: 'The saved settings', schema: workspaceSettingsSchema } },
    problems: [400, 401, 403, 409, 500],
  },
  'GET /me/delegation': {
    operationId: 'getDelegation',
    summary: "The caller's out-of-office delegation",
    description: 'While it lasts (until `until`); 404 when the caller has none.',
    tag: 'Delegation',
    responses: { 200: { description: 'The delegation', schema: delegationSchema } },
    problems: [401, 403, 404, 500],
  },
  'PUT /me/delegation': {
    operationId: 'putDelegation',
    summary: "Sets the caller's out-of-office delegation",
    description:
      "The delegate (an active member other than the caller) is added to the caller's open items within minutes " +
      'and to new items at once, where run privacy lets them see the item; items they may not see show the caller ' +
      'away. `until` is in the future and at most 90 days ahead; `note` at most 280 characters. A PUT replaces ' +
      'the delegation: the previous delegate leaves what it added them to. Delegations are not followed in chains.',
    tag: 'Delegation',
    responses: { 200: { description: 'The delegation', schema: delegationSchema } },
    problems: [400, 401, 403, 409, 500],
  },
  'DELETE /me/delegation': {
    operationId: 'deleteDelegation',
    summary: "Ends the caller's out-of-office delegation",
    description:
      'The delegate leaves the items the delegation added them to, unless they review them for another reason.',
    tag: 'Delegation',
    responses: { 204: { description: 'Ended (or there was none)' } },
    problems: [401, 403, 409, 500],
  },
  'POST /privacy/erasures': {
    operationId: 'requestErasure',
    summary: 'Erases everything about an email address or a record',
    description:
      'Admins only (others 403). `{ "email" }` or `{ "record": { "type", "id" } }`: within 15 minutes every item of ' +
      'the workspace created up to now that names the address (anywhere in it) or is about the record, open or ' +
      'decided, is deleted with its history, queue and record entries and notes; the counters stay. Open items ' +
      'leave the queues as the walk reaches them. Answers 202 with the running erasure.',
    tag: 'Privacy',
    responses: { 202: { description: 'The erasure, running', schema: erasureSchema } },
    problems: [400, 401, 403, 500],
  },
  'GET /privacy/erasures/{id}': {
    operationId: 'getErasure',
    summary: 'How far an erasure is and what it removed',
    description: 'Admins only (others 403); counts, never the address or the record. 404 for an unknown id.',
    tag: 'Privacy',
    responses: { 200: { description: 'The erasure', schema: erasureSchema } },
    // 400: a path id past its bound (1–200 characters), as on every route with an id in its path.
    problems: [400, 401, 403, 404, 500],
  },
  'POST /mcp': {
    operationId: 'mcp',
    summary: 'Model Context Protocol endpoint (Streamable HTTP, stateless, JSON responses)',
    description:
      'Read-only tools acting with the caller’s permissions: list_review_items, get_review_item, review_stats, ' +
      'list_automations, automation_feedback. ' +
      'Send `Accept: application/json, text/event-stream`. Notifications answer 202 with no body.',
    tag: 'Agents (MCP)',
    body: { schema: jsonRpcPayloadSchema, required: true },
    responses: {
      200: { description: 'The JSON-RPC response(s)', schema: jsonRpcPayloadSchema },
      202: { description: 'Notifications or responses accepted; no body' },
      400: { description: 'Not a valid JSON-RPC message (a JSON-RPC error)', schema: jsonRpcMessageSchema },
      406: {
        description: 'The Accept header does not allow JSON and event streams',
        schema: jsonRpcMessageSchema,
      },
      415: { description: 'The body is not application/json', schema: jsonRpcMessageSchema },
    },
    problems: [401, 500],
  },
  'GET /mcp': {
    operationId: 'mcpStream',
    summary: 'No server-initiated stream in stateless mode: always 405, as the MCP transport allows',
    tag: 'Agents (MCP)',
    responses: {
      405: { description: 'Method not allowed (a JSON-RPC error)', schema: jsonRpcMessageSchema },
    },
    problems: [401],
  },
  'GET /openapi.json': {
    operationId: 'getOpenApi',
    summary: 'This document',
    tag: 'Service',
    responses: {
      200: { description: 'The OpenAPI 3.1 document', schema: z.record(z.string(), z.unknown()) },
    },
    problems: [401, 500],
  },
};
