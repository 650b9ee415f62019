/**
 * Out-of-office delegation (spec 3, Delegation) through the local runtime as users would: `/me/delegation` over
 * HTTP with real tokens, proposals with PutEvents, the delegation job run as its schedule would
 * (`scheduler.runNow`), the events as the bus published them. The security table of the issue: a private run's
 * delegate, an admin delegate, an inactive delegate, self, another workspace, chains, and the delegation ending
 * while the delegate edits.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiClient,
  type ApiItem,
  type Problem,
  type Scenario,
  startScenario,
  unique,
} from '../support/scenario.js';

type DelegatedItem = ApiItem & { away: { userId: string; until: string }[] };
interface DelegationAnswer {
  delegateTo: string;
  until: string;
  note: string | null;
  createdAt: string;
}

const ALICE_MAILBOX = 'alice@acme.com';
const DAY = 24 * 60 * 60 * 1000;
const inDays = (days: number) => new Date(Date.now() + days * DAY).toISOString();

let s: Scenario;
let alice: ApiClient;
let carol: ApiClient;
let admin: ApiClient;
let otherWorkspaceId: string;

beforeAll(async () => {
  s = await startScenario('ws_deleg');
  otherWorkspaceId = unique('ws_other');
  await s.members(
    { userId: 'u_alice', role: 'member', mailboxes: [ALICE_MAILBOX], active: true },
    { userId: 'u_bob', role: 'member', mailboxes: ['bob@acme.com'], active: true },
    { userId: 'u_carol', role: 'member', mailboxes: ['carol@acme.com'], active: true },
    { userId: 'u_admin', role: 'admin', mailboxes: [], active: true },
    { userId: 'u_gone', role: 'member', mailboxes: [], active: false },
  );
  await s.members({ workspaceId: otherWorkspaceId, userId: 'u_stranger', role: 'admin', active: true });
  alice = await s.as('u_alice');
  carol = await s.as('u_carol');
  admin = await s.as('u_admin');
}, 180_000);

const agents: Client[] = [];

afterAll(async () => {
  await Promise.allSettled(agents.map((agent) => agent.close()));
  await s?.stop();
});

/** The SDK's own MCP client as `userId`; listing the tools makes it check every answer against its schema. */
async function agentOf(userId: string, workspaceId = s.workspaceId): Promise<Client> {
  const agent = new Client({ name: 'delegation-e2e', version: '1.0.0' });
  const token = await s.runtime.token(workspaceId, userId);
  await agent.connect(
    new StreamableHTTPClientTransport(new URL(`${s.runtime.urls.api}/mcp`), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    }),
  );
  agents.push(agent);
  await agent.listTools();
  return agent;
}

async function tool(agent: Client, name: string, args: Record<string, unknown> = {}) {
  const result = (await agent.callTool({ name, arguments: args })) as CallToolResult;
  expect(result.isError).toBeFalsy();
  return {
    structured: result.structuredContent as Record<string, unknown>,
    text: result.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n'),
  };
}

const put = (client: ApiClient, body: unknown) =>
  client.request<DelegationAnswer & Problem>('PUT', '/me/delegation', { body });
const end = (client: ApiClient) => client.request('DELETE', '/me/delegation');
const item = async (client: ApiClient, id: string) =>
  (await client.get<DelegatedItem>(`/review-items/${id}`)).body;

/** Runs the delegation job as its schedule would, then waits for its events to be published. */
async function runJob() {
  const result = await s.runtime.scheduler.runNow('apply-delegations');
  await s.runtime.streams.sync();
  await s.runtime.bus.idle();
  return result;
}

/** An email from alice's mailbox: a workspace run (anyone may see it) or alice's private run. */
async function aliceItem(run: 'workspace' | 'private', ownerId?: string) {
  const { itemId } = await s.propose({
    run: { executedAs: run === 'private' ? { kind: 'user', userId: 'u_alice' } : { kind: 'workspace' } },
    relatedRecords: [{ type: 'account', id: unique('acc'), name: 'Globex', ...(ownerId ? { ownerId } : {}) }],
    draft: { from: ALICE_MAILBOX, to: ['carol@globex.com'], subject: `Renewal ${unique('d')}` },
  });
  return itemId;
}

const delegationEvents = (itemId: string) =>
  s
    .itemEvents(itemId, 'Review Item Reassigned')
    .filter((event) => event.detail.reason === 'delegation')
    .map((event) => ({ added: event.detail.added, removed: event.detail.removed }));

describe('PUT /me/delegation refuses what the spec refuses (400, nothing written)', () => {
  it.each([
    ['self', { delegateTo: 'u_alice', until: inDays(3) }, 'delegateTo'],
    ['an inactive member', { delegateTo: 'u_gone', until: inDays(3) }, 'delegateTo'],
    ['an unknown user', { delegateTo: 'u_nobody', until: inDays(3) }, 'delegateTo'],
    ["another workspace's user", { delegateTo: 'u_stranger', until: inDays(3) }, 'delegateTo'],
    ['an until in the past', { delegateTo: 'u_carol', until: inDays(-1) }, 'until'],
    ['an until over 90 days ahead', { delegateTo: 'u_carol', until: inDays(91) }, 'until'],
    [
      'a note over 280 characters',
      { delegateTo: 'u_carol', until: inDays(3), note: 'x'.repeat(281) },
      'note',
    ],
  ])('%s', async (_case, body, path) => {
    const answer = await put(alice, body);
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body.errors)).toContain(path);
    expect((await alice.get('/me/delegation')).status).toBe(404);
  });

  it('answers 403 to a caller who is no member of the workspace, and 404 to GET without a delegation', async () => {
    const stranger = await s.as('u_stranger', otherWorkspaceId);
    const answer = await put(await s.as('u_nobody'), { delegateTo: 'u_carol', until: inDays(3) });
    expect(answer.status).toBe(403);
    expect((await stranger.get('/me/delegation')).status).toBe(404);
  });
});

describe('a delegation on and off', () => {
  it('adds the delegate to open items they may see, marks the rest away, and takes them off at DELETE', async () => {
    const shared = await aliceItem('workspace');
    const ownCarol = await aliceItem('workspace', 'u_carol');
    const privateRun = await aliceItem('private');
    const until = inDays(5);

    const set = await put(alice, { delegateTo: 'u_carol', until, note: 'Back on Monday' });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ delegateTo: 'u_carol', until, note: 'Back on Monday' });
    expect((await alice.get<DelegationAnswer>('/me/delegation')).body).toEqual(set.body);

    const first = await runJob();
    expect(first).toMatchObject({ jobs: 1, changed: 2 });
    // Workspace run: carol reviews it for alice. She reviewed ownCarol already: nothing changes there.
    expect((await item(admin, shared)).reviewers).toEqual(['u_alice', 'u_carol']);
    expect((await item(admin, ownCarol)).reviewers.sort()).toEqual(['u_alice', 'u_carol']);
    expect(delegationEvents(shared)).toEqual([{ added: ['u_carol'], removed: [] }]);
    expect(delegationEvents(ownCarol)).toEqual([]);
    // Alice's private run: carol may not see it, so it shows alice away and carol still gets 404.
    const hidden = await item(admin, privateRun);
    expect(hidden.reviewers).toEqual(['u_alice']);
    expect(hidden.away).toEqual([{ userId: 'u_alice', until }]);
    expect((await carol.get(`/review-items/${privateRun}`)).status).toBe(404);

    // The delegate may edit and dismiss, never send from alice's mailbox: permissions and the 403 say why.
    const asCarol = await item(carol, shared);
    expect(asCarol.permissions).toEqual({ canEdit: true, canApprove: false, canDismiss: true });
    const approve = await carol.post<Problem>(`/review-items/${shared}/approve`, {});
    expect(approve.status).toBe(403);
    expect(approve.body.detail).toMatch(new RegExp(ALICE_MAILBOX));

    // A new item routed to alice gets the delegate at ingest.
    const fresh = await aliceItem('workspace');
    expect((await item(admin, fresh)).reviewers).toEqual(['u_alice', 'u_carol']);
    const freshPrivate = await aliceItem('private');
    expect((await item(admin, freshPrivate)).away).toEqual([{ userId: 'u_alice', until }]);

    // Off: carol leaves what the delegation added, stays where she reviews for her own reason.
    expect((await end(alice)).status).toBe(204);
    expect((await alice.get('/me/delegation')).status).toBe(404);
    await runJob();
    expect((await item(admin, shared)).reviewers).toEqual(['u_alice']);
    expect((await item(admin, fresh)).reviewers).toEqual(['u_alice']);
    expect((await item(admin, ownCarol)).reviewers.sort()).toEqual(['u_alice', 'u_carol']);
    expect((await item(admin, privateRun)).away).toEqual([]);
    expect(delegationEvents(shared)).toEqual([
      { added: ['u_carol'], removed: [] },
      { added: [], removed: ['u_carol'] },
    ]);
    const history = await admin.get<{ items: { action: string; actor: unknown }[] }>(
      `/review-items/${shared}/history`,
    );
    expect(history.body.items.map((h) => h.action)).toEqual(['created', 'reassigned', 'reassigned']);
    expect(history.body.items[1]?.actor).toEqual({ kind: 'system', reason: 'delegation' });
  });

  it("an admin delegate covers the member's private runs too", async () => {
    const privateRun = await aliceItem('private');
    expect((await put(alice, { delegateTo: 'u_admin', until: inDays(2) })).status).toBe(200);
    await runJob();
    const covered = await item(admin, privateRun);
    expect(covered.reviewers).toEqual(['u_alice', 'u_admin']);
    expect(covered.away).toEqual([]);
    await end(alice);
    await runJob();
    expect((await item(admin, privateRun)).reviewers).toEqual(['u_alice']);
  });

  it('does not follow chains: the delegate of a delegate is not added', async () => {
    expect((await put(carol, { delegateTo: 'u_bob', until: inDays(2) })).status).toBe(200);
    expect((await put(alice, { delegateTo: 'u_carol', until: inDays(2) })).status).toBe(200);
    const fresh = await aliceItem('workspace');
    expect((await item(admin, fresh)).reviewers).toEqual(['u_alice', 'u_carol']);
    await runJob();
    expect((await item(admin, fresh)).reviewers).toEqual(['u_alice', 'u_carol']);
    await Promise.all([end(alice), end(carol)]);
    await runJob();
    expect((await item(admin, fresh)).reviewers).toEqual(['u_alice']);
  });

  it('a PUT that replaces the delegate moves the items from the old delegate to the new', async () => {
    const shared = await aliceItem('workspace');
    await put(alice, { delegateTo: 'u_carol', until: inDays(2) });
    await runJob();
    await put(alice, { delegateTo: 'u_bob', until: inDays(2) });
    await runJob();
    expect((await item(admin, shared)).reviewers).toEqual(['u_alice', 'u_bob']);
    expect(delegationEvents(shared)).toEqual([
      { added: ['u_carol'], removed: [] },
      { added: ['u_bob'], removed: ['u_carol'] },
    ]);
    await end(alice);
    await runJob();
    expect((await item(admin, shared)).reviewers).toEqual(['u_alice']);
  });

  it('the delegation ending while the delegate edits: an edit before the removal lands and the removal follows; after it, 403', async () => {
    const before = await aliceItem('workspace');
    const after = await aliceItem('workspace');
    await put(alice, { delegateTo: 'u_carol', until: inDays(2) });
    await runJob();
    const seenBefore = await item(carol, before);
    const seenAfter = await item(carol, after);

    const edit = await carol.patch<DelegatedItem>(`/review-items/${before}`, {
      version: seenBefore.version,
      draft: { subject: 'Edited by the delegate' },
    });
    expect(edit.status).toBe(200);
    await end(alice);
    await runJob();

    const landed = await item(admin, before);
    expect(landed.draft.subject).toBe('Edited by the delegate');
    expect(landed.reviewers).toEqual(['u_alice']);
    const late = await carol.patch<Problem>(`/review-items/${after}`, {
      version: seenAfter.version,
      draft: { subject: 'Too late' },
    });
    expect(late.status).toBe(403);
    expect((await item(admin, after)).draft.subject).not.toBe('Too late');
  });
});

describe('the agent knows (MCP)', () => {
  it('who_is_away answers who is away and who covers, the note only for those who may read it', async () => {
    const until = inDays(2);
    await put(alice, { delegateTo: 'u_carol', until, note: 'Surgery' });
    const away = async (userId: string, workspaceId?: string) =>
      (await tool(await agentOf(userId, workspaceId), 'who_is_away')).structured.away;

    expect(await away('u_carol')).toEqual([
      { userId: 'u_alice', until, coveredBy: 'u_carol', note: 'Surgery' },
    ]);
    expect(await away('u_admin')).toEqual([
      { userId: 'u_alice', until, coveredBy: 'u_carol', note: 'Surgery' },
    ]);
    expect(await away('u_bob')).toEqual([{ userId: 'u_alice', until, coveredBy: 'u_carol' }]);
    expect(await away('u_stranger', otherWorkspaceId)).toEqual([]);
    await end(alice);
    expect(await away('u_bob')).toEqual([]);
  });

  it('list_review_items and get_review_item show who is away on an item', async () => {
    const until = inDays(2);
    await put(alice, { delegateTo: 'u_carol', until });
    const privateRun = await aliceItem('private');
    const agent = await agentOf('u_admin');

    const got = await tool(agent, 'get_review_item', { id: privateRun });
    expect((got.structured.item as DelegatedItem).away).toEqual([{ userId: 'u_alice', until }]);
    expect(got.text).toContain(`away, nobody covering here: u_alice until ${until}`);
    const listed = await tool(agent, 'list_review_items', { scope: 'workspace', limit: 100 });
    const row = (listed.structured.items as DelegatedItem[]).find((i) => i.id === privateRun);
    expect(row?.away).toEqual([{ userId: 'u_alice', until }]);
    expect(listed.text).toContain(`${privateRun}`);
    await end(alice);
    await runJob();
  });
});
