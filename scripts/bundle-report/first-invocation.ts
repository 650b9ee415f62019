/**
 * The event of a function's first invocation, built from its first trigger in the manifest: what API Gateway,
 * EventBridge, the table's stream or the scheduler would hand it in AWS. The AWS stub answers "nothing found,
 * everything accepted", so an item route answers 404 after its lookup and an event is ingested; the report
 * shows each outcome and the AWS calls it made.
 *
 * A new function needs nothing here to be measured. A route whose body must be valid to reach the store gets an
 * entry in ROUTE_REQUESTS, an event detail-type a detail in EVENT_DETAILS (else its first invocation is a
 * rejection, which the report flags).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { marshall } from '@aws-sdk/util-dynamodb';
import { Webhook } from 'standardwebhooks';
import { apiGatewayEvent } from '../../infra/local/api-gateway-event.js';
import type { FunctionSpec, Trigger } from '../../infra/manifest.js';
import { PROJECT_ROOT } from '../../infra/stacks/bundling.js';
import { STUB_WEBHOOK_SECRET } from './aws-stub.js';

/** The caller of every JWT route. */
const CLAIMS = { sub: 'u_alice', workspace_id: 'ws_acme' };

/** Path parameter values, by name; any other parameter gets `sample_<name>`. */
const PATH_VALUES: Record<string, string> = {
  id: 'ri_01JD3Y4Q8ZQXW8R6M2K5T7V9BN',
  automationId: 'auto_renewal',
  recordType: 'account',
  recordId: 'acc_1',
};

interface RouteRequest {
  headers?: Record<string, string>;
  body?: string;
}

const jsonBody = (value: unknown): RouteRequest => ({
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(value),
});

/** Requests for routes whose empty request would be refused before the function reaches its store. */
const ROUTE_REQUESTS: Record<string, () => RouteRequest> = {
  'PATCH /review-items/{id}': () => jsonBody({ version: 1, draft: { subject: 'Renewal, revised' } }),
  'POST /review-items/{id}/approve': () => jsonBody({ version: 1 }),
  'POST /review-items/{id}/dismiss': () => jsonBody({ version: 1 }),
  'POST /review-items/{id}/undo': () => jsonBody({ version: 1 }),
  'POST /review-items/{id}/reviewers': () => jsonBody({ version: 1, add: ['u_bob'] }),
  'POST /review-items/bulk': () => jsonBody({ action: 'dismiss', items: [{ id: 'ri_1', version: 1 }] }),
  'POST /privacy/erasures': () => jsonBody({ email: 'dana@globex.com' }),
  // What an agent's client sends: a tool call (stateless, so no session), answered as JSON.
  'POST /mcp': () => ({
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-06-18',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'list_review_items', arguments: { scope: 'workspace' } },
    }),
  }),
  // Signed with the secret the stub's Secrets Manager answers, so the signature verifies.
  'POST /webhooks/email': () => {
    const body = JSON.stringify({
      type: 'message.sent',
      workspaceId: 'ws_acme',
      mailbox: 'alice@acme.com',
      messageId: '<m1@acme.com>',
      to: ['carol@globex.com'],
      subject: 'Renewal',
      occurredAt: new Date().toISOString(),
    });
    const id = 'msg_bundle_report';
    const now = new Date();
    return {
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': new Webhook(STUB_WEBHOOK_SECRET).sign(id, now, body),
      },
      body,
    };
  },
};

const fixture = (name: string) => () =>
  JSON.parse(readFileSync(join(PROJECT_ROOT, 'test', 'fixtures', name), 'utf8')) as unknown;

/** A valid detail per detail-type, from the fixtures the tests use. */
const EVENT_DETAILS: Record<string, () => unknown> = {
  'Review Draft Proposed': fixture('draft-proposed.json'),
  'Workspace Member Changed': fixture('member-changed.json'),
  'Workspace Deleted': () => ({ workspaceId: 'ws_acme', deletedAt: '2026-12-06T09:00:00.000Z' }),
  'Email Bounced': fixture('ses-bounce.json'),
  'Email Delivered': () => {
    const { mail, bounce } = fixture('ses-bounce.json')() as { mail: unknown; bounce: { timestamp: string } };
    return {
      eventType: 'Delivery',
      mail,
      delivery: { timestamp: bounce.timestamp, recipients: ['carol@globex.com'] },
    };
  },
  'Record Change Applied': fixture('record-change-applied.json'),
  'Record Changed': fixture('record-changed.json'),
};

export interface FirstInvocation {
  /** What it is, for the report: `GET /review-items`, `Review Draft Proposed`... */
  label: string;
  event: unknown;
  /** Why the invocation is not representative, when it is not. */
  caveat?: string;
}

/** The first invocation of `fn`; built again for every run (a webhook signature carries the time). */
export function firstInvocationOf(fn: FunctionSpec): FirstInvocation {
  const trigger = fn.triggers[0];
  if (!trigger) throw new Error(`${fn.name} has no trigger in the manifest`);
  return invocationFor(trigger);
}

function invocationFor(trigger: Trigger): FirstInvocation {
  switch (trigger.kind) {
    case 'http':
      return httpInvocation(trigger.method, trigger.path, trigger.auth === 'jwt');
    // A path no route has: the 404 that most requests reaching the `$default` route get.
    case 'http-default':
      return {
        ...httpInvocation('GET', '/no-such-route', false, '$default'),
        label: '$default (GET /no-such-route)',
      };
    case 'event': {
      const detailType = trigger.pattern['detail-type'][0] ?? '';
      const detail = EVENT_DETAILS[detailType];
      return {
        label: detailType,
        event: eventBridgeEvent(trigger.pattern.source[0] ?? '', detailType, detail ? detail() : {}),
        ...(detail ? {} : { caveat: `no detail for ${detailType} in EVENT_DETAILS: the event is rejected` }),
      };
    }
    case 'stream':
      return { label: `${trigger.name} stream record`, event: outboxStreamEvent() };
    case 'schedule':
      return {
        label: 'Scheduled Event',
        event: eventBridgeEvent('aws.events', 'Scheduled Event', {}, [
          `arn:aws:events:us-east-1:123456789012:rule/${trigger.ruleName}`,
        ]),
      };
  }
}

function httpInvocation(
  method: string,
  path: string,
  jwt: boolean,
  routeKey = `${method} ${path}`,
): FirstInvocation {
  const pathParameters: Record<string, string> = {};
  const rawPath = path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    pathParameters[name] = PATH_VALUES[name] ?? `sample_${name}`;
    return pathParameters[name];
  });
  const request = ROUTE_REQUESTS[routeKey]?.() ?? {};
  const event = apiGatewayEvent(
    {
      method,
      url: new URL(`https://api.example.com${rawPath}`),
      headers: { host: 'api.example.com', 'user-agent': 'bundle-report', ...request.headers },
      body: Buffer.from(request.body ?? ''),
      sourceIp: '127.0.0.1',
    },
    { routeKey, pathParameters },
    { requestId: 'bundle-report', ...(jwt ? { claims: CLAIMS } : {}) },
  );
  return { label: routeKey, event };
}

function eventBridgeEvent(source: string, detailType: string, detail: unknown, resources: string[] = []) {
  return {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': detailType,
    source,
    account: '123456789012',
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: 'us-east-1',
    resources,
    detail,
  };
}

/** One new outbox record carrying one event, as the table's stream delivers it (shared/events/outbox.ts). */
function outboxStreamEvent() {
  const image = {
    pk: 'WS#ws_acme#OUTBOX',
    sk: 'OUTBOX#01JD3Y4Q8ZQXW8R6M2K5T7V9BN',
    entity: 'Outbox',
    outbox: [
      {
        detailType: 'Review Draft Dropped',
        detail: { eventId: 'ev_1', workspaceId: 'ws_acme', reason: 'bundle-report' },
      },
    ],
  };
  return {
    Records: [
      {
        eventID: '1',
        eventName: 'INSERT',
        eventVersion: '1.1',
        eventSource: 'aws:dynamodb',
        awsRegion: 'us-east-1',
        dynamodb: {
          ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
          Keys: marshall({ pk: image.pk, sk: image.sk }),
          NewImage: marshall(image),
          SequenceNumber: '100000000000000000001',
          SizeBytes: 256,
          StreamViewType: 'NEW_IMAGE',
        },
        eventSourceARN:
          'arn:aws:dynamodb:us-east-1:123456789012:table/bundle-report/stream/2026-01-01T00:00:00.000',
      },
    ],
  };
}
