/**
 * The wiring manifest: every Lambda function, its entry file, what triggers it and what it may touch.
 *
 * Both the CDK app (`infra/stacks`) and the local runtime (`infra/local`) are generated from this list,
 * so a route, rule or schedule cannot exist in one and not the other. Add a function here and both pick
 * it up; `test/infra` proves the synthesized template matches it entry for entry.
 */

import { EVENT_PATTERNS, type EventPattern } from '../shared/events/patterns.js';
import type { HttpMethod, RouteSpec } from '../shared/http/route.js';
import * as routes from '../shared/http/routes/index.js';
import type { IndexName } from '../shared/store/table-schema.js';

export { EVENT_PATTERNS, type EventPattern, type HttpMethod };

/**
 * A Lambda event source mapping filter on the table's stream records (Lambda's filter-criteria syntax, the
 * subset both Lambda and the local stream reader understand): every field named must hold one of the listed
 * values. `dynamodb.NewImage` values are in DynamoDB JSON (`{ S: [...] }`).
 */
export interface StreamFilterPattern {
  eventName?: ('INSERT' | 'MODIFY' | 'REMOVE')[];
  dynamodb?: { NewImage?: Record<string, { S: string[] }> };
}

export type Trigger =
  /** An API Gateway HTTP API route. `auth: 'jwt'` puts the JWT authorizer in front of it. */
  | { kind: 'http'; method: HttpMethod; path: string; auth: 'jwt' | 'none' }
  /**
   * The HTTP API's `$default` route: every request no `http` trigger takes, OPTIONS included, without the JWT
   * authorizer. One function at most. The local gateway gives those requests the same answers itself.
   */
  | { kind: 'http-default' }
  /**
   * An EventBridge rule on the configured bus, or (`bus: 'default'`) on the account's default bus, where AWS
   * services such as SES publish their events.
   */
  | { kind: 'event'; ruleName: string; pattern: EventPattern; bus?: 'default' }
  /**
   * The table's DynamoDB stream through a Lambda event source mapping: records matching `filter`, in batches,
   * retried `retryAttempts` times (halving the batch on error when `bisectOnError`), then sent to the
   * function's on-failure queue. The handler reports partial failures (ReportBatchItemFailures).
   */
  | {
      kind: 'stream';
      name: string;
      filter: StreamFilterPattern;
      batchSize: number;
      maxBatchingWindowSeconds: number;
      retryAttempts: number;
      bisectOnError: boolean;
    }
  /** An EventBridge Scheduler / rate rule. */
  | { kind: 'schedule'; ruleName: string; everyMinutes: number };

/**
 * What a function may touch. Each grant also sets the environment variable that names the resource:
 * - table: `TABLE_NAME` (describe, read-only or read-write grant); partiql adds PartiQL on named indexes
 * - publishEvents: `EVENT_BUS_NAME` (events:PutEvents on that bus only)
 * - sendEmail: `SES_CONFIGURATION_SET` (ses:SendEmail on the configured identities)
 * - webhookSecret: `WEBHOOK_SECRET_ARN` in AWS (Secrets Manager), `WEBHOOK_SECRET` locally
 * - cursorKeys: `CURSOR_KEYS_SECRET_ARN` in AWS (Secrets Manager), `CURSOR_KEYS` locally: the key ring list
 *   cursors are signed with (shared/store/cursor-keys.ts), for the functions that answer a list
 */
export interface Access {
  /**
   * `describe`: DescribeTable on the table only (the health probe reads no item); `read`: GetItem, BatchGetItem and
   * Query on the table and its indexes; `readwrite`: also the writes and the transactions' condition checks.
   * test/unit/table-access.test.ts checks each function's level against the code its bundle reaches.
   */
  table?: 'describe' | 'read' | 'readwrite';
  /**
   * The indexes the function reads with a PartiQL SELECT (several partitions in one request, `WHERE <pk> IN [...]`):
   * PartiQLSelect on those indexes only, and a full-table-scan SELECT is denied.
   */
  partiql?: readonly IndexName[];
  publishEvents?: boolean;
  sendEmail?: boolean;
  webhookSecret?: boolean;
  cursorKeys?: boolean;
}

export interface FunctionSpec {
  /** kebab-case, unique; also the file name under functions/ */
  name: string;
  description: string;
  triggers: Trigger[];
  access: Access;
  timeoutSeconds?: number;
  memoryMb?: number;
  /**
   * The most invocations of this function at once: reserved concurrency in AWS, a queue per function on the
   * local bus. For functions fed by bursty events, so that a burst waits instead of failing (docs/deploy.md,
   * "Bursts"). Only for functions whose every trigger is an EventBridge rule, or every trigger a schedule
   * (`SCHEDULE_CONCURRENCY`: a run never overlaps the one before; locally the scheduler skips a tick while its
   * run is under way). Unset: no cap.
   */
  concurrency?: number;
}

/**
 * The cap of every function an EventBridge rule feeds: an automation run proposes for thousands of records at
 * once, a CRM bulk update or a directory sync sends thousands of events in seconds. docs/deploy.md ("Bursts") says why 4.
 */
export const BURST_CONCURRENCY = 4;

/**
 * The cap of every scheduled job: one run at a time. A run that would overlap the one before waits in Lambda's
 * async queue instead, and finds less to do.
 */
export const SCHEDULE_CONCURRENCY = 1;

/** Source and detail-type of events the system itself publishes (spec 5). */
/**
 * The timeout of a function that sends email on an HTTP route (approve, bulk): under API Gateway's own 30 s
 * integration limit, so the function answers (or is stopped) before the gateway's 504 can come while a send goes on.
 * The SES call's own budget (shared/aws-clients.ts) and bulk's start window (shared/use-cases/bulk.ts) fit in it.
 */
export const API_FUNCTION_TIMEOUT_SECONDS = 29;

export const OWN_EVENT_SOURCE = 'for-review';

/** Stream records that carry events out: new history entries and outbox records (shared/events/outbox.ts). */
export const OUTBOX_STREAM_FILTER: StreamFilterPattern = {
  eventName: ['INSERT'],
  dynamodb: { NewImage: { entity: { S: ['History', 'Outbox'] } } },
};

/**
 * Stream records that carry tallies (shared/store/entities/tally.ts): the same new history and outbox records.
 * @alias OUTBOX_STREAM_FILTER, named for what its consumer reads them for
 */
export const TALLY_STREAM_FILTER: StreamFilterPattern = OUTBOX_STREAM_FILTER;

/** A route's trigger, from its spec (shared/http/routes/: its method, path, auth and input). */
const http = ({ method, path, auth }: RouteSpec): Trigger => ({ kind: 'http', method, path, auth });

export const functions: FunctionSpec[] = [
  {
    name: 'ingest-proposal',
    description: 'Turns a Review Draft Proposed event into a routed, deduplicated review item',
    triggers: [{ kind: 'event', ruleName: 'DraftProposed', pattern: EVENT_PATTERNS.draftProposed }],
    access: { table: 'readwrite', publishEvents: true },
    concurrency: BURST_CONCURRENCY,
  },
  {
    name: 'apply-member-change',
    description: 'Keeps the member directory from Workspace Member Changed events',
    triggers: [{ kind: 'event', ruleName: 'MemberChanged', pattern: EVENT_PATTERNS.memberChanged }],
    access: { table: 'readwrite' },
    concurrency: BURST_CONCURRENCY,
  },
  {
    name: 'publish-outbox',
    description: 'Puts the events that committed item changes wrote (the outbox) on the bus, from the stream',
    triggers: [
      {
        kind: 'stream',
        name: 'Outbox',
        filter: OUTBOX_STREAM_FILTER,
        batchSize: 100,
        maxBatchingWindowSeconds: 1,
        retryAttempts: 20,
        bisectOnError: true,
      },
    ],
    access: { publishEvents: true },
  },
  {
    name: 'apply-tallies',
    description:
      'Counts committed changes into the queue counters, open counts, review stats and feedback, exactly once, from the stream',
    triggers: [
      {
        kind: 'stream',
        name: 'Tallies',
        filter: TALLY_STREAM_FILTER,
        batchSize: 100,
        maxBatchingWindowSeconds: 1,
        retryAttempts: 20,
        bisectOnError: true,
      },
    ],
    access: { table: 'readwrite' },
  },
  {
    name: 'record-email-delivery',
    description: "Keeps SES's delivery, bounce and complaint reports on the sent item",
    triggers: [
      { kind: 'event', ruleName: 'EmailDelivery', pattern: EVENT_PATTERNS.emailDelivery, bus: 'default' },
    ],
    access: { table: 'readwrite' },
    concurrency: BURST_CONCURRENCY,
  },
  {
    name: 'list-review-items',
    description: "The caller's pending queue (or every pending item the caller may see)",
    triggers: [http(routes.listReviewItemsRoute)],
    access: { table: 'read', cursorKeys: true },
  },
  {
    name: 'get-review-summary',
    description: 'Pending count, counts by automation and the latest items, for Up next',
    triggers: [http(routes.getReviewSummaryRoute)],
    access: { table: 'read', cursorKeys: true },
  },
  {
    name: 'get-review-item',
    description: 'One review item',
    triggers: [http(routes.getReviewItemRoute)],
    access: { table: 'read' },
  },
  {
    name: 'get-review-item-history',
    description: "One review item's history, oldest first",
    triggers: [http(routes.getReviewItemHistoryRoute)],
    access: { table: 'read' },
  },
  {
    name: 'list-record-review-items',
    description: 'Pending items about one record that the caller may see',
    triggers: [http(routes.listRecordReviewItemsRoute)],
    access: { table: 'read', cursorKeys: true },
  },
  {
    name: 'edit-review-item',
    description: "Edits a pending item's draft",
    triggers: [http(routes.editReviewItemRoute)],
    access: { table: 'readwrite', publishEvents: true },
  },
  {
    name: 'approve-review-item',
    description: 'Approves a pending item: claims it, sends the email once through SES',
    triggers: [http(routes.approveReviewItemRoute)],
    access: { table: 'readwrite', publishEvents: true, sendEmail: true },
    timeoutSeconds: API_FUNCTION_TIMEOUT_SECONDS,
  },
  {
    name: 'dismiss-review-item',
    description: 'Dismisses a pending item',
    triggers: [http(routes.dismissReviewItemRoute)],
    access: { table: 'readwrite', publishEvents: true },
  },
  {
    name: 'undo-review-item',
    description: 'Returns a scheduled (held) approval to pending before it executes',
    triggers: [http(routes.undoReviewItemRoute)],
    access: { table: 'readwrite', publishEvents: true },
  },
  {
    name: 'reassign-review-item',
    description: "Adds or removes a pending item's reviewers by hand",
    triggers: [http(routes.reassignReviewItemRoute)],
    access: { table: 'readwrite', publishEvents: true },
  },
  {
    name: 'decide-review-items',
    description: 'Approves or dismisses up to 25 items, each decided as if alone',
    triggers: [http(routes.decideReviewItemsRoute)],
    access: { table: 'readwrite', publishEvents: true, sendEmail: true },
    timeoutSeconds: API_FUNCTION_TIMEOUT_SECONDS,
  },
  {
    name: 'receive-email-webhook',
    description: 'Email provider webhook: resolves items sent or discarded elsewhere',
    triggers: [http(routes.receiveEmailWebhookRoute)],
    // The thread's and the subject's partitions of `match` in one SELECT (ItemReader.matchCandidates).
    access: { table: 'readwrite', partiql: ['match'], publishEvents: true, webhookSecret: true },
  },
  {
    name: 'expire-review-items',
    description: 'Marks pending items past their expiresAt as expired',
    triggers: [{ kind: 'schedule', ruleName: 'ExpireItems', everyMinutes: 5 }],
    access: { table: 'readwrite', publishEvents: true },
    timeoutSeconds: 60,
    concurrency: SCHEDULE_CONCURRENCY,
  },
  {
    name: 'mark-overdue-items',
    description:
      "Marks open items past their workspace's overdue limit, escalates those past its escalation limit, and gives decided items past its retention their expiry",
    triggers: [{ kind: 'schedule', ruleName: 'MarkOverdue', everyMinutes: 1 }],
    access: { table: 'readwrite' },
    timeoutSeconds: 300,
    concurrency: SCHEDULE_CONCURRENCY,
  },
  {
    name: 'settle-record-change',
    description:
      "Settles an approved record draft with the CRM's answer (applied or rejected) to its command",
    triggers: [
      { kind: 'event', ruleName: 'RecordChangeAnswers', pattern: EVENT_PATTERNS.recordChangeAnswers },
    ],
    access: { table: 'readwrite' },
    concurrency: BURST_CONCURRENCY,
  },
  {
    name: 'apply-record-changed',
    description:
      "Re-classifies the record's pending updates (clean, moot, drifted) when the CRM reports a change",
    triggers: [{ kind: 'event', ruleName: 'RecordChanged', pattern: EVENT_PATTERNS.recordChanged }],
    access: { table: 'readwrite' },
    concurrency: BURST_CONCURRENCY,
  },
  {
    name: 'republish-record-changes',
    description: 'Publishes unanswered record change commands again (same applyId), then shows apply_unknown',
    triggers: [{ kind: 'schedule', ruleName: 'RepublishRecordChanges', everyMinutes: 1 }],
    access: { table: 'readwrite' },
    timeoutSeconds: 60,
    concurrency: SCHEDULE_CONCURRENCY,
  },
  {
    name: 'execute-held-items',
    description:
      'Executes held approvals (send hold) at their executeAt: a pass every ~2 s for the invocation, once a minute',
    triggers: [{ kind: 'schedule', ruleName: 'ExecuteHeldItems', everyMinutes: 1 }],
    access: { table: 'readwrite', publishEvents: true, sendEmail: true },
    // It passes until 58 s after its schedule's time; the rest is room for a last pass's sends.
    timeoutSeconds: 90,
    concurrency: SCHEDULE_CONCURRENCY,
  },
  {
    name: 'recover-interrupted-sends',
    description: 'Surfaces items whose send was interrupted (stuck in sending) as send_unknown',
    triggers: [{ kind: 'schedule', ruleName: 'RecoverSends', everyMinutes: 5 }],
    access: { table: 'readwrite', publishEvents: true },
    timeoutSeconds: 60,
    concurrency: SCHEDULE_CONCURRENCY,
  },
  {
    name: 'list-automations',
    description: 'The automations that have proposed in the workspace, their latest name and open items',
    triggers: [http(routes.listAutomationsRoute)],
    access: { table: 'read', cursorKeys: true },
  },
  {
    name: 'get-review-stats',
    description: "An automation's review outcomes and median time to decision, over runs the caller may see",
    triggers: [http(routes.getReviewStatsRoute)],
    access: { table: 'read' },
  },
  {
    name: 'get-review-feedback',
    description: "An automation's review feedback per version, over runs the caller may see",
    triggers: [http(routes.getReviewFeedbackRoute)],
    access: { table: 'read' },
  },
  {
    name: 'delete-workspace',
    description: 'Begins the deletion of everything of a workspace the directory deleted',
    triggers: [{ kind: 'event', ruleName: 'WorkspaceDeleted', pattern: EVENT_PATTERNS.workspaceDeleted }],
    access: { table: 'readwrite' },
    concurrency: BURST_CONCURRENCY,
  },
  {
    name: 'request-erasure',
    description: 'Asks for the erasure of everything about an email address or a record (admins)',
    triggers: [http(routes.requestErasureRoute)],
    access: { table: 'readwrite' },
  },
  {
    name: 'get-erasure',
    description: 'How far an erasure is and what it removed (admins; counts, never content)',
    triggers: [http(routes.getErasureRoute)],
    access: { table: 'read' },
  },
  {
    name: 'run-privacy-jobs',
    description:
      "Erases what erasures ask for and deletes deleted workspaces, a page of the workspace's records at a time",
    triggers: [{ kind: 'schedule', ruleName: 'RunPrivacyJobs', everyMinutes: 1 }],
    access: { table: 'readwrite' },
    timeoutSeconds: 900,
    concurrency: SCHEDULE_CONCURRENCY,
  },
  {
    name: 'get-settings',
    description: "The workspace's review settings (any active member)",
    triggers: [http(routes.getSettingsRoute)],
    access: { table: 'read' },
  },
  {
    name: 'put-settings',
    description: "Saves the workspace's review settings (admins), conditional on the version read",
    triggers: [http(routes.putSettingsRoute)],
    access: { table: 'readwrite' },
  },
  {
    name: 'get-delegation',
    description: "The caller's out-of-office delegation while it lasts",
    triggers: [http(routes.getDelegationRoute)],
    access: { table: 'read' },
  },
  {
    name: 'put-delegation',
    description: "Sets the caller's out-of-office delegation: the delegate reviews their open and new items",
    triggers: [http(routes.putDelegationRoute)],
    access: { table: 'readwrite' },
  },
  {
    name: 'delete-delegation',
    description: "Ends the caller's out-of-office delegation: the delegate leaves what it added them to",
    triggers: [http(routes.deleteDelegationRoute)],
    access: { table: 'readwrite' },
  },
  {
    name: 'apply-delegations',
    description:
      'Walks the queues of members whose delegation changed or ended: adds or removes the delegate, page by page',
    triggers: [{ kind: 'schedule', ruleName: 'ApplyDelegations', everyMinutes: 1 }],
    access: { table: 'readwrite' },
    // PAGES_PER_RUN (5,000 items) takes well under this; a longer walk resumes at the next run.
    timeoutSeconds: 300,
    concurrency: SCHEDULE_CONCURRENCY,
  },
  {
    name: 'mcp',
    description: 'MCP endpoint (Streamable HTTP, stateless): read-only review tools as the caller',
    // GET answers 405: the SDK client asks for a server stream after initializing, and the transport spec
    // wants 405 from a server that offers none (without the route, the gateway would answer 404).
    triggers: [http(routes.mcpRoute), http(routes.mcpStreamRoute)],
    access: { table: 'read', cursorKeys: true },
  },
  {
    name: 'get-openapi',
    description: 'The OpenAPI 3.1 document of this API, generated from the manifest and the zod schemas',
    // Public, like the document in docs/: it describes the API, it reads no data (PUBLIC_ROUTES says why).
    triggers: [http(routes.getOpenApiRoute)],
    access: {},
  },
  {
    name: 'health',
    description: 'Answers 200 when the function can reach its table',
    triggers: [http(routes.healthRoute)],
    access: { table: 'describe' },
  },
  {
    name: 'no-route',
    description: 'Answers a request no route takes: 404, or 405 with Allow, as problem details',
    // Without it API Gateway answers these 404 {"message":"Not Found"}, whatever the method.
    triggers: [{ kind: 'http-default' }],
    access: {},
  },
];

export const httpRoutes = functions.flatMap((fn) =>
  fn.triggers.flatMap((t) => (t.kind === 'http' ? [{ fn, ...t }] : [])),
);

// Every route spec is wired, to the function it names, and nothing else is: the document describes what is deployed.
const wired = httpRoutes.map((r) => `${r.method} ${r.path} -> ${r.fn.name}`);
const specified = routes.routes.map((r) => `${r.method} ${r.path} -> ${r.fn}`);
if (wired.join('\n') !== specified.join('\n'))
  throw new Error(
    `The manifest's HTTP routes are not shared/http/routes/index.ts's, in order:\n${wired.join('\n')}`,
  );
export const eventRules = functions.flatMap((fn) =>
  fn.triggers.flatMap((t) => (t.kind === 'event' ? [{ fn, ...t }] : [])),
);
export const schedules = functions.flatMap((fn) =>
  fn.triggers.flatMap((t) => (t.kind === 'schedule' ? [{ fn, ...t }] : [])),
);
export const streamConsumers = functions.flatMap((fn) =>
  fn.triggers.flatMap((t) => (t.kind === 'stream' ? [{ fn, ...t }] : [])),
);

/** Path of a function's entry file, relative to the repository root. */
export const entryOf = (fn: FunctionSpec): string => `functions/${fn.name}.ts`;
