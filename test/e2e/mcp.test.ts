/**
 * The MCP endpoint as an agent meets it: the SDK's own Client and Streamable HTTP transport, a real JWT in the
 * Authorization header, through the local gateway to the `mcp` function. The agent acts as its user: a member
 * never gets anything of another user's private runs, by any tool or filter; an admin gets them; answers equal
 * the HTTP routes' for the same caller (the same use cases); a bad or missing token is refused with 401.
 */

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReviewStats } from '../../shared/use-cases/review-stats.js';
import { emailOf } from '../support/items.js';
import { rawRequest } from '../support/raw-http.js';
import { type ApiPage, type Proposed, type Scenario, startScenario, unique } from '../support/scenario.js';

const ADMIN = 'u_admin';
const ALICE = 'u_alice';
const BOB = 'u_bob';
const RENEWAL = { automationId: 'auto_renewal', automationName: 'Renewal follow-up' };
const CHURN = { automationId: 'auto_churn', automationName: 'Churn rescue' };
const RECORD = { type: 'account', id: unique('acc') };
const ALICE_NOTE = 'Too pushy for a private renewal';

let scenario: Scenario;
const clients: Client[] = [];
/** Items of Alice's private runs: Bob must never get any of them. */
let alicePrivate: Proposed[];
let aliceDismissed: Proposed;
let bobPrivate: Proposed;
let workspaceItems: Proposed[];
let churnItem: Proposed;

const userRun = (userId: string) => ({ kind: 'user' as const, userId });
const workspaceRun = { kind: 'workspace' as const };

beforeAll(async () => {
  scenario = await startScenario('ws_mcp');
  await scenario.members(
    { userId: ADMIN, role: 'admin', mailboxes: ['admin@acme.com'] },
    { userId: ALICE, role: 'member', mailboxes: ['alice@acme.com'] },
    { userId: BOB, role: 'member', mailboxes: ['bob@acme.com'] },
  );
  const propose = (
    executedAs: { kind: 'user'; userId: string } | { kind: 'workspace' },
    from: string,
    automation = RENEWAL,
    automationVersion = 'v6',
  ) =>
    scenario.propose({
      run: { ...automation, executedAs, automationVersion },
      relatedRecords: [{ type: RECORD.type, id: RECORD.id, name: 'Globex' }],
      draft: { from, subject: unique('Subject') },
    });
  // Alice's private runs use version 7 of the renewal automation; every other run version 6.
  alicePrivate = [
    await propose(userRun(ALICE), 'alice@acme.com', RENEWAL, 'v7'),
    await propose(userRun(ALICE), 'alice@acme.com', RENEWAL, 'v7'),
  ];
  aliceDismissed = await propose(userRun(ALICE), 'alice@acme.com', RENEWAL, 'v7');
  bobPrivate = await propose(userRun(BOB), 'bob@acme.com');
  workspaceItems = [
    await propose(workspaceRun, 'bob@acme.com'),
    await propose(workspaceRun, 'alice@acme.com'),
  ];
  churnItem = await propose(workspaceRun, 'bob@acme.com', CHURN);

  // Decisions, so the stats have something besides proposals: one in Alice's private scope, one workspace's.
  const alice = await scenario.as(ALICE);
  expect(
    (
      await alice.post(`/review-items/${aliceDismissed.itemId}/dismiss`, {
        reason: 'tone',
        note: ALICE_NOTE,
      })
    ).status,
  ).toBe(200);
  const bob = await scenario.as(BOB);
  expect((await bob.post(`/review-items/${workspaceItems[0]!.itemId}/dismiss`, { note: 'no' })).status).toBe(
    200,
  );
});

afterAll(async () => {
  await Promise.allSettled(clients.map((client) => client.close()));
  await scenario?.stop();
});

async function mcpClient(token: string | undefined): Promise<Client> {
  const client = new Client({ name: 'for-review-e2e', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${scenario.runtime.urls.api}/mcp`), {
    requestInit: token === undefined ? {} : { headers: { Authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  clients.push(client);
  // Listing the tools makes the client check every structuredContent against the tool's output schema (ajv).
  await client.listTools();
  return client;
}

const agentOf = async (userId: string) =>
  mcpClient(await scenario.runtime.token(scenario.workspaceId, userId));

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

const ids = (result: CallToolResult) =>
  ((result.structuredContent as unknown as ApiPage | undefined)?.items ?? []).map((item) => item.id).sort();
const textOf = (result: CallToolResult) =>
  result.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');

/** Nothing of Alice's private runs anywhere in the answer: ids, subjects, run ids. */
function expectNothingOfAlice(result: CallToolResult) {
  const whole = JSON.stringify(result);
  for (const item of [...alicePrivate, aliceDismissed]) {
    expect(whole).not.toContain(item.itemId);
    expect(whole).not.toContain(emailOf(item.proposal.draft).subject);
    expect(whole).not.toContain(item.runId);
  }
}

const LIST_FILTERS: [string, Record<string, unknown>][] = [
  ['automation id, workspace scope', { automationId: RENEWAL.automationId, scope: 'workspace' }],
  ['automation name, any case, workspace scope', { automationName: 'RENEWAL', scope: 'workspace' }],
  ['record', { recordType: RECORD.type, recordId: RECORD.id }],
  [
    'record and automation id',
    { recordType: RECORD.type, recordId: RECORD.id, automationId: RENEWAL.automationId },
  ],
  ['workspace scope', { scope: 'workspace' }],
  ['status pending, workspace scope', { status: 'pending', scope: 'workspace' }],
  ['my queue', {}],
];

describe('the MCP endpoint', () => {
  it('lists the six read-only tools with input and output schemas', async () => {
    const agent = await agentOf(BOB);

    const { tools } = await agent.listTools();

    expect(tools.map((tool) => tool.name).sort()).toEqual([
      'automation_feedback',
      'get_review_item',
      'list_automations',
      'list_review_items',
      'review_stats',
      'who_is_away',
    ]);
    for (const tool of tools) {
      expect(tool.inputSchema.type).toBe('object');
      expect(tool.outputSchema?.type).toBe('object');
      expect(tool.annotations?.readOnlyHint).toBe(true);
    }
    const list = tools.find((tool) => tool.name === 'list_review_items');
    expect(Object.keys(list?.inputSchema.properties ?? {}).sort()).toEqual(
      [
        'automationId',
        'automationName',
        'cursor',
        'limit',
        'recordId',
        'recordType',
        'scope',
        'status',
      ].sort(),
    );
  });

  it.each(LIST_FILTERS)(
    'gives a member nothing of another user’s private runs: list_review_items by %s',
    async (_name, args) => {
      const agent = await agentOf(BOB);

      const result = await call(agent, 'list_review_items', args);

      expect(result.isError).toBeFalsy();
      expectNothingOfAlice(result);
      expect(ids(result).length).toBeGreaterThan(0);
    },
  );

  it('answers a member exactly what the HTTP routes answer them, and an admin more', async () => {
    const bobAgent = await agentOf(BOB);
    const adminAgent = await agentOf(ADMIN);
    const bobApi = await scenario.as(BOB);
    const pending = (items: Proposed[]) => items.map((item) => item.itemId).sort();

    const byAutomation = await call(bobAgent, 'list_review_items', {
      automationId: RENEWAL.automationId,
      scope: 'workspace',
    });
    const http = await bobApi.get<ApiPage>(
      `/review-items?scope=workspace&automationId=${RENEWAL.automationId}`,
    );
    expect(byAutomation.structuredContent).toEqual(http.body);
    expect(ids(byAutomation)).toEqual(pending([bobPrivate, workspaceItems[1]!]));

    const byRecord = await call(bobAgent, 'list_review_items', {
      recordType: RECORD.type,
      recordId: RECORD.id,
    });
    const recordHttp = await bobApi.get<ApiPage>(`/records/${RECORD.type}/${RECORD.id}/review-items`);
    expect(byRecord.structuredContent).toEqual(recordHttp.body);

    const byName = await call(bobAgent, 'list_review_items', {
      automationName: 'renewal FOLLOW',
      scope: 'workspace',
    });
    expect(ids(byName)).toEqual(pending([bobPrivate, workspaceItems[1]!]));

    const adminByName = await call(adminAgent, 'list_review_items', {
      automationName: 'Renewal',
      scope: 'workspace',
    });
    expect(ids(adminByName)).toEqual(pending([...alicePrivate, bobPrivate, workspaceItems[1]!]));
    const adminByRecord = await call(adminAgent, 'list_review_items', {
      recordType: RECORD.type,
      recordId: RECORD.id,
    });
    expect(ids(adminByRecord)).toEqual(pending([...alicePrivate, bobPrivate, workspaceItems[1]!, churnItem]));
    expect(textOf(adminByRecord)).toContain(emailOf(alicePrivate[0]!.proposal.draft).subject);
  });

  it('pages with the cursor it answers, never repeating or skipping an item', async () => {
    const agent = await agentOf(ADMIN);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const result = await call(agent, 'list_review_items', {
        scope: 'workspace',
        automationName: 'renewal',
        limit: 2,
        ...(cursor ? { cursor } : {}),
      });
      const page = result.structuredContent as unknown as ApiPage;
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);

    expect(seen.slice().sort()).toEqual(
      [...alicePrivate, bobPrivate, workspaceItems[1]!].map((i) => i.itemId).sort(),
    );
  });

  it('gets an item with its history and origin, and refuses another user’s private item as not found', async () => {
    const agent = await agentOf(BOB);
    const visible = workspaceItems[1]!;

    const found = await call(agent, 'get_review_item', { id: visible.itemId });

    expect(found.isError).toBeFalsy();
    const { item, history, origin } = found.structuredContent as {
      item: { id: string; draft: { bodyText: string } };
      history: { action: string; runId: string }[];
      origin: Record<string, unknown>;
    };
    expect(item.id).toBe(visible.itemId);
    expect(item.draft.bodyText).toBe(emailOf(visible.proposal.draft).bodyText);
    expect(history.map((entry) => [entry.action, entry.runId])).toEqual([['created', visible.runId]]);
    expect(origin).toEqual({
      ...RENEWAL,
      runId: visible.runId,
      stepId: visible.proposal.run.stepId,
      runUrl: visible.proposal.run.url,
      executedAs: workspaceRun,
      automationVersion: 'v6',
    });
    expect(textOf(found)).toContain(`run link ${visible.proposal.run.url}`);

    for (const hidden of [...alicePrivate, aliceDismissed]) {
      const refused = await call(agent, 'get_review_item', { id: hidden.itemId });
      expect(refused.isError).toBe(true);
      expect(textOf(refused)).toBe(`Not found: No review item ${hidden.itemId}`);
      expect(refused.structuredContent).toBeUndefined();
      expect(JSON.stringify(refused)).not.toContain(emailOf(hidden.proposal.draft).subject);
    }
    const admin = await agentOf(ADMIN);
    expect((await call(admin, 'get_review_item', { id: alicePrivate[0]!.itemId })).isError).toBeFalsy();
  });

  it('counts in review_stats only the runs the caller may see, as the HTTP route does', async () => {
    const expected = {
      [ADMIN]: { proposed: 6, dismissed: 2 },
      [ALICE]: { proposed: 5, dismissed: 2 },
      [BOB]: { proposed: 3, dismissed: 1 },
    };
    for (const [userId, counts] of Object.entries(expected)) {
      const agent = await agentOf(userId);
      const result = await call(agent, 'review_stats', { automationId: RENEWAL.automationId });
      const stats = result.structuredContent as unknown as ReviewStats;
      expect({ userId, stats }).toMatchObject({
        userId,
        stats: { ...RENEWAL, ...counts, decided: counts.dismissed, replaced: 0, dropped: 0 },
      });
      expect(stats.medianSecondsToDecision).not.toBeNull();
      const http = await (await scenario.as(userId)).get<ReviewStats>(
        `/automations/${RENEWAL.automationId}/review-stats`,
      );
      expect(http.status).toBe(200);
      expect(stats).toEqual(http.body);
    }
  });

  it('answers "what is open from Churn rescue?" as an agent asks it: list_automations, then list_review_items', async () => {
    // Alice reviews none of the churn items (they went to Bob's mailbox), yet she may see them.
    const agent = await agentOf(ALICE);

    const automations = await call(agent, 'list_automations', {});
    const listed = (
      automations.structuredContent as {
        items: { automationId: string; automationName: string | null; openItems: number }[];
      }
    ).items.find((entry) => entry.automationName === CHURN.automationName);
    expect(listed).toMatchObject({ automationId: CHURN.automationId, openItems: 1 });
    expect(textOf(automations)).toContain(
      `${CHURN.automationName} (${CHURN.automationId}): 1 open item you may see`,
    );

    const open = await call(agent, 'list_review_items', { automationId: listed!.automationId });

    expect(open.isError).toBeFalsy();
    expect(ids(open)).toEqual([churnItem.itemId]);
    expect(textOf(open)).toMatch(/^1 review item, newest first:/);
    const byName = await call(agent, 'list_review_items', { automationName: 'churn' });
    expect(ids(byName)).toEqual([churnItem.itemId]);
    const queue = await call(agent, 'list_review_items', { automationId: CHURN.automationId, scope: 'mine' });
    expect(ids(queue)).toEqual([]);
    expect(textOf(queue)).toContain('scope workspace lists every open item you may see');
  });

  it('answers automation_feedback per version over only the runs the caller may see, as the HTTP route does', async () => {
    const bob = await agentOf(BOB);
    const names = await call(bob, 'list_automations', {});
    expect(names.isError).toBeFalsy();
    expect(textOf(names)).toContain(`${RENEWAL.automationName} (${RENEWAL.automationId})`);

    const asBob = await call(bob, 'automation_feedback', { automationId: RENEWAL.automationId });
    expect(asBob.isError).toBeFalsy();
    expectNothingOfAlice(asBob);
    expect(JSON.stringify(asBob)).not.toContain(ALICE_NOTE);
    const bobFeedback = asBob.structuredContent as { versions: { automationVersion: string | null }[] };
    expect(bobFeedback.versions.map((v) => v.automationVersion)).toEqual(['v6']);
    expect(bobFeedback).toMatchObject({
      versions: [{ created: 3, dismissed: 1, dismissReasons: { none: 1 } }],
      latestDismissNotes: [{ itemId: workspaceItems[0]!.itemId, note: 'no' }],
    });
    const http = await (await scenario.as(BOB)).get(`/automations/${RENEWAL.automationId}/review-feedback`);
    expect(asBob.structuredContent).toEqual(http.body);

    const admin = await agentOf(ADMIN);
    const asAdmin = await call(admin, 'automation_feedback', { automationId: RENEWAL.automationId });
    // Oldest version first: Alice's v7 runs proposed first in this scenario.
    expect(asAdmin.structuredContent).toMatchObject({
      versions: [
        { automationVersion: 'v7', created: 3, dismissed: 1, dismissReasons: { tone: 1 } },
        { automationVersion: 'v6', created: 3, dismissed: 1 },
      ],
    });
    expect(textOf(asAdmin)).toContain(ALICE_NOTE);
    const v7 = await call(admin, 'automation_feedback', {
      automationId: RENEWAL.automationId,
      automationVersion: 'v7',
    });
    expect(v7.structuredContent).toMatchObject({
      versions: [{ automationVersion: 'v7' }],
      latestDismissNotes: [{ itemId: aliceDismissed.itemId, reason: 'tone', note: ALICE_NOTE }],
    });
  });

  it('answers invalid tool input as a tool error the model can read', async () => {
    const agent = await agentOf(BOB);

    const result = await call(agent, 'list_review_items', { recordType: RECORD.type, limit: 500 });

    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/recordId|limit/);
  });

  it('answers an unknown tool and an unknown method with JSON-RPC errors', async () => {
    const agent = await agentOf(BOB);

    await expect(agent.callTool({ name: 'delete_everything', arguments: {} })).rejects.toMatchObject({
      code: -32602,
    });
    await expect(agent.listResources()).rejects.toMatchObject({ code: -32601 });
    expect(await agent.ping()).toEqual({});
  });

  it.each([
    ['no token', undefined],
    ['a bad token', 'not-a-jwt'],
  ])('refuses %s with 401 before any tool runs', async (_name, token) => {
    const refused = await mcpClient(token).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(StreamableHTTPError);
    expect((refused as StreamableHTTPError).code).toBe(401);
    const raw = await fetch(`${scenario.runtime.urls.api}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    });
    expect(raw.status).toBe(401);
    expect(await raw.json()).toEqual({ message: 'Unauthorized' });
  });

  it('answers whatever Host header the client sends, never 500 (the local gateway hands it on as the domain name)', async () => {
    const token = await scenario.runtime.token(scenario.workspaceId, BOB);
    for (const host of ['a b', 'exa_mple.com:99999', '[', '..']) {
      const response = await rawRequest(scenario.runtime.urls.api, {
        method: 'POST',
        target: '/mcp',
        headers: [
          ['Host', host],
          ['Authorization', `Bearer ${token}`],
          ['Content-Type', 'application/json'],
          ['Accept', 'application/json, text/event-stream'],
        ],
        body: Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} })),
      });
      expect({ host, status: response.status }).toEqual({ host, status: 200 });
      expect((response.json as { result?: { tools?: unknown[] } }).result?.tools?.length).toBeGreaterThan(0);
    }
  });

  it('answers GET /mcp with 405: no server stream in stateless mode', async () => {
    const token = await scenario.runtime.token(scenario.workspaceId, BOB);
    const response = await fetch(`${scenario.runtime.urls.api}/mcp`, {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });
});
