/**
 * The OpenAPI document tells the truth about real answers: through the local runtime, a sample of responses of
 * every kind (lists, an item before and after each action, history, summary, stats, the webhook, health, MCP, and
 * problems 400, 401, 403, 404, 409) validates (ajv, JSON Schema 2020-12, strict, formats on) against the response
 * schema the served GET /openapi.json gives for that route, status and content type. Response schemas forbid
 * undocumented members, so a field added to an answer and not to the document fails here.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '../../shared/openapi/document.js';
import { emailOf } from '../support/items.js';
import { type OpenApiValidator, openApiValidator } from '../support/openapi.js';
import {
  type ApiClient,
  type ApiItem,
  type ApiResponse,
  type Proposed,
  type Scenario,
  startScenario,
  unique,
} from '../support/scenario.js';

const ADMIN = 'u_admin';
const ALICE = 'u_alice';
const RECORD_ID = unique('acc');

let scenario: Scenario;
let validator: OpenApiValidator;
let alice: ApiClient;
let admin: ApiClient;
let items: Proposed[];
const checked: string[] = [];

beforeAll(async () => {
  scenario = await startScenario('ws_openapi');
  await scenario.members(
    { userId: ADMIN, role: 'admin', mailboxes: [] },
    { userId: ALICE, role: 'member', mailboxes: ['alice@acme.com'] },
  );
  items = [];
  for (let n = 0; n < 4; n++) {
    items.push(
      await scenario.propose({
        relatedRecords: [{ type: 'account', id: RECORD_ID, name: 'Globex', ownerId: ALICE }],
        expiresAt: new Date(Date.now() + 24 * 3600 * 1000).toISOString(),
        draft: {
          subject: unique('OpenAPI'),
          bodyHtml: '<p>Hi</p>',
          threadId: unique('thread'),
          externalDraftId: unique('draft'),
        },
      }),
    );
  }
  alice = await scenario.as(ALICE);
  admin = await scenario.as(ADMIN);
  const served = await alice.get<Parameters<typeof openApiValidator>[0]>('/openapi.json');
  expect(served.status).toBe(200);
  validator = openApiValidator(served.body);
});

afterAll(async () => {
  await scenario?.stop();
});

/** Validates a real response against the document: (path template, method) → its status and content type. */
function expectDocumented(template: string, method: string, response: ApiResponse) {
  const contentType = response.contentType.split(';')[0]?.trim() ?? '';
  const errors = validator.responseErrors(template, method, response.status, contentType, response.body);
  expect({ route: `${method} ${template} ${response.status}`, errors }).toEqual({
    route: `${method} ${template} ${response.status}`,
    errors: [],
  });
  checked.push(`${method} ${template} ${response.status}`);
}

describe('real responses against the served OpenAPI document', () => {
  it('serves the document the code builds, to anyone (no token needed)', async () => {
    const served = await alice.get('/openapi.json');
    expect(served.body).toEqual(openApiDocument());
    expectDocumented('/openapi.json', 'GET', served);
    const anonymous = await scenario.withToken().get('/openapi.json');
    expect(anonymous.status).toBe(200);
    expect(anonymous.body).toEqual(openApiDocument());
    expectDocumented('/openapi.json', 'GET', anonymous);
  });

  it('documents the reads: lists, summary, one item, its history, a record’s items, automations, stats', async () => {
    const item = items[0]!;
    const reads: [string, string][] = [
      ['/review-items', '/review-items'],
      ['/review-items', '/review-items?scope=workspace&limit=2'],
      ['/review-items/summary', '/review-items/summary?latest=3'],
      ['/review-items/{id}', `/review-items/${item.itemId}`],
      ['/review-items/{id}/history', `/review-items/${item.itemId}/history`],
      ['/records/{recordType}/{recordId}/review-items', `/records/account/${RECORD_ID}/review-items`],
      [
        '/automations/{automationId}/review-stats',
        `/automations/${item.proposal.run.automationId}/review-stats`,
      ],
      ['/automations/{automationId}/review-stats', '/automations/auto_nothing/review-stats'],
      ['/automations', '/automations'],
      ['/automations', '/automations?limit=1'],
    ];
    for (const [template, path] of reads) {
      const response = await alice.get(path);
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
      expectDocumented(template, 'GET', response);
    }
    const list = await alice.get<{ items: ApiItem[] }>('/review-items');
    expect(list.body.items.length).toBe(items.length);

    // The schemas do reject what they do not document: an extra member, a missing one, a wrong type.
    const one = (await alice.get<Record<string, unknown>>(`/review-items/${item.itemId}`)).body;
    const { permissions: _, ...withoutPermissions } = one;
    for (const wrong of [{ ...one, secret: 'x' }, withoutPermissions, { ...one, version: '1' }]) {
      expect(
        validator.responseErrors('/review-items/{id}', 'GET', 200, 'application/json', wrong),
      ).not.toEqual([]);
    }
  });

  it('documents the actions and the items and history they leave', async () => {
    const [, toEdit, toSend, toDismiss] = items as [Proposed, Proposed, Proposed, Proposed];

    const edited = await alice.patch(`/review-items/${toEdit.itemId}`, {
      version: 1,
      draft: { subject: 'Edited', bodyHtml: null, cc: ['dan@globex.com'] },
    });
    expect(edited.status).toBe(200);
    expectDocumented('/review-items/{id}', 'PATCH', edited);

    const sent = await alice.post(`/review-items/${toSend.itemId}/approve`, { version: 1 });
    expect(sent.status).toBe(200);
    expectDocumented('/review-items/{id}/approve', 'POST', sent);

    const dismissed = await alice.post(`/review-items/${toDismiss.itemId}/dismiss`, { note: 'Not now' });
    expect(dismissed.status).toBe(200);
    expectDocumented('/review-items/{id}/dismiss', 'POST', dismissed);

    for (const item of [toEdit, toSend, toDismiss]) {
      expectDocumented('/review-items/{id}', 'GET', await admin.get(`/review-items/${item.itemId}`));
      expectDocumented(
        '/review-items/{id}/history',
        'GET',
        await admin.get(`/review-items/${item.itemId}/history`),
      );
    }
    // The counters count the changes from the stream (their tallies): once it has caught up.
    await scenario.runtime.idle();
    const stats = await admin.get(`/automations/${toSend.proposal.run.automationId}/review-stats`);
    expect(stats.body).toMatchObject({ approvedAsProposed: 1, dismissed: 1, decided: 2 });
    expectDocumented('/automations/{automationId}/review-stats', 'GET', stats);
  });

  it('documents the reviewer tools: reassign, bulk, review feedback', async () => {
    const pending = items[1]!;
    const reassigned = await alice.post(`/review-items/${pending.itemId}/reviewers`, {
      version: 2,
      add: [ADMIN],
    });
    expect(reassigned.status).toBe(200);
    expectDocumented('/review-items/{id}/reviewers', 'POST', reassigned);
    const refused = await alice.post(`/review-items/${pending.itemId}/reviewers`, {
      version: 3,
      add: ['u_nobody'],
    });
    expect(refused.status).toBe(400);
    expectDocumented('/review-items/{id}/reviewers', 'POST', refused);

    const fresh = await scenario.propose({ draft: { subject: unique('Bulk') } });
    const bulk = await alice.post('/review-items/bulk', {
      action: 'dismiss',
      reason: 'not_needed',
      note: 'Covered in the call',
      items: [{ id: fresh.itemId }, { id: 'ri_does_not_exist' }],
    });
    expect(bulk.status).toBe(200);
    expectDocumented('/review-items/bulk', 'POST', bulk);

    const feedback = await admin.get<{ latestDismissNotes: unknown[] }>(
      `/automations/${fresh.proposal.run.automationId}/review-feedback`,
    );
    expect(feedback.status).toBe(200);
    expect(feedback.body.latestDismissNotes[0]).toMatchObject({
      itemId: fresh.itemId,
      reason: 'not_needed',
      note: 'Covered in the call',
    });
    expectDocumented('/automations/{automationId}/review-feedback', 'GET', feedback);
  });

  it('documents the privacy routes: an erasure asked for, then read', async () => {
    const asked = await admin.request('POST', '/privacy/erasures', { body: { email: 'nobody@globex.com' } });
    expect(asked.status).toBe(202);
    expectDocumented('/privacy/erasures', 'POST', asked);
    const read = await admin.get(`/privacy/erasures/${(asked.body as { id: string }).id}`);
    expect(read.status).toBe(200);
    expectDocumented('/privacy/erasures/{id}', 'GET', read);
  });

  it('documents the delegation: set, read, refused, ended', async () => {
    const until = new Date(Date.now() + 2 * 24 * 3600_000).toISOString();
    const none = await alice.get('/me/delegation');
    expect(none.status).toBe(404);
    expectDocumented('/me/delegation', 'GET', none);
    const set = await alice.request('PUT', '/me/delegation', {
      body: { delegateTo: ADMIN, until, note: 'Away' },
    });
    expect(set.status).toBe(200);
    expectDocumented('/me/delegation', 'PUT', set);
    const refused = await alice.request('PUT', '/me/delegation', { body: { delegateTo: ALICE, until } });
    expect(refused.status).toBe(400);
    expectDocumented('/me/delegation', 'PUT', refused);
    const read = await alice.get('/me/delegation');
    expect(read.status).toBe(200);
    expectDocumented('/me/delegation', 'GET', read);
    const ended = await alice.request('DELETE', '/me/delegation');
    // An empty answer has no body to validate: the document must say 204, with no content.
    expect(ended.status).toBe(204);
    expect(ended.text).toBe('');
    const paths = openApiDocument().paths as Record<
      string,
      { delete?: { responses: Record<string, unknown> } }
    >;
    const documented = paths['/me/delegation']?.delete?.responses['204'];
    expect(documented).toEqual({ description: expect.any(String) });
    checked.push('DELETE /me/delegation 204');
  });

  it('documents the problems: 400, 401, 403, 404, 409', async () => {
    const pending = items[1]!;
    const cases: [string, string, () => Promise<ApiResponse>, number][] = [
      ['/review-items', 'GET', () => alice.get('/review-items?limit=0'), 400],
      [
        '/review-items/{id}',
        'PATCH',
        () => alice.patch(`/review-items/${pending.itemId}`, { version: 'x', draft: {} }),
        400,
      ],
      ['/review-items/{id}', 'PATCH', () => alice.patch(`/review-items/${pending.itemId}`, '{not json'), 400],
      [
        '/review-items/{id}',
        'GET',
        () => scenario.withToken('bad').get(`/review-items/${pending.itemId}`),
        401,
      ],
      [
        '/review-items/{id}/approve',
        'POST',
        () => admin.post(`/review-items/${pending.itemId}/approve`, {}),
        403,
      ],
      ['/review-items/{id}', 'GET', () => alice.get('/review-items/ri_does_not_exist'), 404],
      ['/review-items/{id}/history', 'GET', () => alice.get('/review-items/ri_does_not_exist/history'), 404],
      [
        '/review-items/{id}/dismiss',
        'POST',
        () => alice.post(`/review-items/${pending.itemId}/dismiss`, { version: 1 }),
        409,
      ],
      [
        '/review-items/{id}/approve',
        'POST',
        () => alice.post(`/review-items/${items[2]!.itemId}/approve`, {}),
        409,
      ],
      // Not scheduled (no send hold in this workspace): nothing to undo.
      [
        '/review-items/{id}/undo',
        'POST',
        () => alice.post(`/review-items/${items[2]!.itemId}/undo`, {}),
        409,
      ],
    ];
    for (const [template, method, request, status] of cases) {
      const response = await request();
      expect({ template, method, status: response.status }).toEqual({ template, method, status });
      if (status !== 401) expect(response.contentType).toBe('application/problem+json');
      expectDocumented(template, method, response);
    }
  });

  it('documents the webhook, health and the MCP endpoint', async () => {
    const body = {
      type: 'draft.deleted',
      workspaceId: scenario.workspaceId,
      mailbox: 'alice@acme.com',
      draftId: emailOf(items[0]!.proposal.draft).externalDraftId,
      to: [],
      occurredAt: new Date().toISOString(),
    };
    const resolved = await scenario.webhook({ body });
    expect(resolved.body).toEqual({ resolved: 1, stale: 0 });
    expectDocumented('/webhooks/email', 'POST', resolved);
    const tampered = await scenario.webhook({ body, signedBody: '{}' });
    expect(tampered.status).toBe(401);
    expectDocumented('/webhooks/email', 'POST', tampered);
    const invalid = await scenario.webhook({ body: { ...body, mailbox: 'not a mailbox' } });
    expect(invalid.status).toBe(400);
    expectDocumented('/webhooks/email', 'POST', invalid);

    expectDocumented('/health', 'GET', await scenario.withToken().get('/health'));

    const rpc = { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} };
    const headers = { accept: 'application/json, text/event-stream' };
    const listed = await alice.post('/mcp', rpc, { headers });
    expect(listed.status).toBe(200);
    expectDocumented('/mcp', 'POST', listed);
    const notified = await alice.post(
      '/mcp',
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { headers },
    );
    expect(notified.status).toBe(202);
    expect(() => validator.responseSchema('/mcp', 'POST', 202, 'application/json')).toThrow('documents no');
    const garbage = await alice.post('/mcp', '{"jsonrpc":', { headers });
    expect(garbage.status).toBe(400);
    expectDocumented('/mcp', 'POST', garbage);
    expectDocumented('/mcp', 'GET', await alice.get('/mcp', { headers: { accept: 'text/event-stream' } }));
  });

  it('documents the settings: read, saved, refused', async () => {
    const read = await alice.get<{ version: number }>('/settings');
    expectDocumented('/settings', 'GET', read);
    const saved = await admin.put('/settings', { version: read.body.version, overdueAfterMinutes: 90 });
    expect(saved.status).toBe(200);
    expectDocumented('/settings', 'PUT', saved);
    for (const [response, status] of [
      [await alice.put('/settings', { version: 0 }), 403],
      [await admin.put('/settings', { version: 0, escalateAfterMinutes: 10, overdueAfterMinutes: 20 }), 400],
      [await admin.put('/settings', { version: 0 }), 409],
    ] as const) {
      expect(response.status).toBe(status);
      expectDocumented('/settings', 'PUT', response);
    }
  });

  it('checked a response for every manifest route', () => {
    const routes = new Set(checked.map((entry) => entry.split(' ').slice(0, 2).join(' ')));
    expect([...routes].sort()).toEqual(
      Object.entries(openApiDocument().paths)
        .flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`))
        .sort(),
    );
  });
});
