/**
 * Shared helpers for the e2e tests (test/e2e): the full local runtime, events sent as an automation run
 * sends them (the AWS SDK's PutEventsCommand against the runtime's bus endpoint), a small fetch-based API
 * client carrying a real JWT from the runtime's issuer, and Standard Webhooks signing for the email webhook.
 *
 * Nothing here reaches past the public surfaces a user or an automation has: HTTP, PutEvents, the bus's
 * published events and dead letters (the CloudWatch / DLQ stand-ins), and the local SES store.
 */
import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { Webhook } from 'standardwebhooks';
import type { EventEnvelope } from '../../infra/local/put-events.js';
import type { RuntimeHandle, RuntimeOptions } from '../../infra/local/runtime.js';
import type { DraftProposed, MemberChanged } from '../../shared/events/in-schemas.js';
import { member as memberFixture, proposal as proposalFixture } from '../fixtures/index.js';
import { startTestRuntime } from './runtime.js';

/** A short random suffix: workspace ids, run ids, subjects unique to one test. */
export const unique = (prefix: string): string => `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 10)}`;

// ---------------------------------------------------------------- HTTP

export interface ApiResponse<T = unknown> {
  status: number;
  contentType: string;
  /** The parsed JSON body, or undefined when the body is not JSON. */
  body: T;
  text: string;
}

export interface RequestOptions {
  /** Sent as JSON, or as is when a string (to send invalid JSON). */
  body?: unknown;
  headers?: Record<string, string>;
}

/** A fetch-based client for the local API: `Authorization: Bearer <token>` when a token is given. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly token?: string,
  ) {}

  get<T = unknown>(path: string, options?: RequestOptions): Promise<ApiResponse<T>> {
    return this.request<T>('GET', path, options);
  }

  post<T = unknown>(path: string, body?: unknown, options?: RequestOptions): Promise<ApiResponse<T>> {
    return this.request<T>('POST', path, { ...options, body });
  }

  patch<T = unknown>(path: string, body?: unknown, options?: RequestOptions): Promise<ApiResponse<T>> {
    return this.request<T>('PATCH', path, { ...options, body });
  }

  put<T = unknown>(path: string, body?: unknown, options?: RequestOptions): Promise<ApiResponse<T>> {
    return this.request<T>('PUT', path, { ...options, body });
  }

  async request<T = unknown>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body });
    const text = await response.text();
    return {
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
      body: parseJson(text) as T,
      text,
    };
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** RFC 9457 problem details, as the handlers answer errors. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: { path: string; message: string }[];
  current?: { status: string; version: number };
}

/** The item as `GET /review-items/{id}` answers it (the fields the e2e tests read). */
export interface ApiItem {
  id: string;
  workspaceId: string;
  type: string;
  status: string;
  version: number;
  draft: {
    from: string;
    to: string[];
    cc: string[];
    bcc: string[];
    subject: string;
    bodyText?: string;
    bodyHtml?: string;
    threadId?: string;
    inReplyTo?: string;
    externalDraftId?: string;
  };
  edited: boolean;
  reason: string;
  relatedRecords: { type: string; id: string; name?: string; ownerId?: string }[];
  origin: {
    automationId: string;
    automationName: string | null;
    runId: string;
    stepId: string;
    runUrl: string | null;
    executedAs: { kind: 'user'; userId: string } | { kind: 'workspace' };
  };
  reviewers: string[];
  permissions: { canEdit: boolean; canApprove: boolean; canDismiss: boolean };
  createdAt: string;
  updatedAt: string;
  decision: { action: string; by: string | null; at: string; messageId?: string; note?: string } | null;
}

export interface ApiPage {
  items: ApiItem[];
  nextCursor: string | null;
}

export interface ApiSummary {
  pendingCount: number;
  byAutomation: { automationId: string; automationName: string | null; count: number }[];
  latest: ApiItem[];
}

export interface ApiHistoryEntry {
  action: string;
  actor: { kind: string; userId?: string; runId?: string; reason?: string };
  at: string;
  runId: string;
  version: number;
  status: string;
  draft?: ApiItem['draft'];
  detail?: Record<string, string>;
}

// ---------------------------------------------------------------- webhooks

export interface WebhookDelivery {
  /** The raw body as sent; an object is JSON-encoded. */
  body: unknown;
  /** `webhook-id`; default a fresh `msg_...`. */
  id?: string;
  /** `webhook-timestamp`; default now. */
  timestamp?: Date;
  /** Signing secret; default the runtime's. */
  secret?: string;
  /** Sign this instead of the body (a tampered body: the signature is over something else). */
  signedBody?: string;
  /** Headers left out of the request. */
  omit?: ('webhook-id' | 'webhook-timestamp' | 'webhook-signature')[];
  /** Header values sent instead of the computed ones (malformed headers). */
  override?: Partial<Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string>>;
}

/** Standard Webhooks headers for a payload, signed with the reference package. */
export function webhookHeaders(
  secret: string,
  id: string,
  timestamp: Date,
  payload: string,
): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1_000)),
    'webhook-signature': new Webhook(secret).sign(id, timestamp, payload),
  };
}

// ---------------------------------------------------------------- the scenario

export interface Proposed {
  itemId: string;
  runId: string;
  proposal: DraftProposed;
}

export interface Scenario {
  runtime: RuntimeHandle;
  /** The workspace this test file owns. */
  workspaceId: string;
  /** The SDK client an automation run would use, pointed at the runtime's bus endpoint. */
  eventBridge: EventBridgeClient;
  /** Sends events with PutEventsCommand, checks EventBridge accepted every entry, waits for `bus.idle()`. */
  putEvents(entries: { source: string; detailType: string; detail: unknown }[]): Promise<void>;
  /** `Workspace Member Changed` for each member (workspace defaults to the scenario's). */
  members(...changes: Partial<MemberChanged>[]): Promise<void>;
  /**
   * Sends a valid `Review Draft Proposed` (the fixture with these overrides, in the scenario's workspace, a
   * unique run id and dedup key unless given) and answers the item it created or replaced.
   */
  propose(overrides?: Parameters<typeof proposalFixture>[0]): Promise<Proposed>;
  /** A client with a real token for that user (workspace defaults to the scenario's). */
  as(userId: string, workspaceId?: string): Promise<ApiClient>;
  /** A client with this exact token (or none). */
  withToken(token?: string): ApiClient;
  /** Published events about one item, oldest first. */
  itemEvents(itemId: string, detailType?: string): EventEnvelope[];
  /** POST /webhooks/email through the gateway, signed with the runtime's secret unless told otherwise. */
  webhook(delivery: WebhookDelivery): Promise<ApiResponse<{ resolved: number; stale: number }>>;
  stop(): Promise<void>;
}

export async function startScenario(
  workspacePrefix: string,
  options: RuntimeOptions = {},
): Promise<Scenario> {
  const runtime = await startTestRuntime(options);
  const workspaceId = unique(workspacePrefix);
  const eventBridge = new EventBridgeClient({
    region: 'us-east-1',
    endpoint: runtime.urls.events,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const api = runtime.urls.api;

  const putEvents: Scenario['putEvents'] = async (entries) => {
    for (let start = 0; start < entries.length; start += 10) {
      const batch = entries.slice(start, start + 10);
      const out = await eventBridge.send(
        new PutEventsCommand({
          Entries: batch.map((entry) => ({
            EventBusName: runtime.eventBusName,
            Source: entry.source,
            DetailType: entry.detailType,
            Detail: JSON.stringify(entry.detail),
          })),
        }),
      );
      if (out.FailedEntryCount) {
        const failed = out.Entries?.find((e) => e.ErrorCode);
        throw new Error(
          `PutEvents refused ${out.FailedEntryCount} entries: ${failed?.ErrorCode} ${failed?.ErrorMessage}`,
        );
      }
    }
    await runtime.bus.idle();
  };

  const itemEvents: Scenario['itemEvents'] = (itemId, detailType) =>
    runtime.bus
      .events({ source: 'for-review', ...(detailType ? { detailType } : {}) })
      .filter((event) => event.detail.itemId === itemId);

  return {
    runtime,
    workspaceId,
    eventBridge,
    putEvents,
    members: (...changes) =>
      putEvents(
        changes.map((change) => ({
          source: 'directory',
          detailType: 'Workspace Member Changed',
          detail: memberFixture({ workspaceId, changedAt: new Date().toISOString(), ...change }),
        })),
      ),
    propose: async (overrides = {}) => {
      const runId = unique('run');
      const { run, ...rest } = overrides as { run?: Record<string, unknown> } & Record<string, unknown>;
      const proposal = proposalFixture({
        workspaceId,
        proposedAt: new Date().toISOString(),
        dedupKey: unique('dedup'),
        ...rest,
        run: { id: runId, ...run },
      });
      const dropsBefore = runtime.bus.events({ detailType: 'Review Draft Dropped' }).length;
      await putEvents([{ source: 'automations', detailType: 'Review Draft Proposed', detail: proposal }]);
      const made = runtime.bus
        .events({ source: 'for-review' })
        .filter(
          (e) =>
            (e['detail-type'] === 'Review Item Created' || e['detail-type'] === 'Review Item Replaced') &&
            e.detail.runId === proposal.run.id,
        )
        .at(-1);
      if (!made || typeof made.detail.itemId !== 'string') {
        const dropped = runtime.bus.events({ detailType: 'Review Draft Dropped' }).slice(dropsBefore);
        const dead = runtime.bus
          .deadLetters()
          .filter((d) => JSON.stringify(d.event.detail).includes(proposal.run.id));
        throw new Error(
          `The proposal of run ${proposal.run.id} made no item. Dropped: ${JSON.stringify(dropped.map((e) => e.detail.reason))}; ` +
            `dead letters: ${JSON.stringify(dead.map((d) => d.error))}`,
        );
      }
      return { itemId: made.detail.itemId, runId: proposal.run.id, proposal };
    },
    as: async (userId, ws = workspaceId) => new ApiClient(api, await runtime.token(ws, userId)),
    withToken: (token) => new ApiClient(api, token),
    itemEvents,
    webhook: async (delivery) => {
      const payload = typeof delivery.body === 'string' ? delivery.body : JSON.stringify(delivery.body);
      const headers = webhookHeaders(
        delivery.secret ?? runtime.webhookSecret,
        delivery.id ?? `msg_${randomUUID()}`,
        delivery.timestamp ?? new Date(),
        delivery.signedBody ?? payload,
      );
      for (const name of delivery.omit ?? []) delete headers[name];
      Object.assign(headers, delivery.override);
      const result = await new ApiClient(api).post<{ resolved: number; stale: number }>(
        '/webhooks/email',
        payload,
        {
          headers,
        },
      );
      await runtime.bus.idle();
      return result;
    },
    stop: async () => {
      eventBridge.destroy();
      await runtime.stop();
    },
  };
}
