/**
 * spec 8, "every route × (reviewer, other member, admin, other workspace, no token, bad token): the right
 * status, nothing leaked, nothing written", through the local runtime as a user would: HTTP through the local
 * gateway with real JWTs from the runtime's issuer, items proposed with the AWS SDK's PutEvents.
 *
 * Each route × caller case gets an item of its own (a unique subject and related record), so a case that
 * wrongly writes cannot hide behind, or spoil, another. After every refused call the item as an admin reads
 * it (version, status, draft, decision), its history, its published events and the local SES store are
 * exactly as before.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyPair, importJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_FILE_NAME, LOCAL_AUDIENCE, LOCAL_ISSUER } from '../../infra/local/jwt-issuer.js';
import { httpRoutes } from '../../infra/manifest.js';
import {
  type ApiClient,
  type ApiHistoryEntry,
  type ApiItem,
  type ApiPage,
  type ApiResponse,
  type ApiSummary,
  type Problem,
  type Scenario,
  startScenario,
  unique,
} from '../support/scenario.js';
import { findEmails } from '../support/ses.js';

// ---------------------------------------------------------------- the table

const ROUTES = [
  'GET /review-items',
  'GET /review-items?scope=workspace',
  'GET /review-items/summary',
  'GET /records/{recordType}/{recordId}/review-items',
  'GET /review-items/{id}',
  'GET /review-items/{id}/history',
  'PATCH /review-items/{id}',
  'POST /review-items/{id}/approve',
  'POST /review-items/{id}/dismiss',
  'POST /review-items/{id}/reviewers',
  'POST /review-items/bulk',
  'POST /review-items/{id}/undo',
] as const;
type Route = (typeof ROUTES)[number];

/**
 * - listed / absent: 200, and the case's item is / is not in that listing (every page read)
 * - ok: 200 with the item (or its history)
 * - edited / sent / dismissed: 200 and the item changed accordingly (the only writes allowed)
 * - forbidden: 403 problem+json with a reason; notFound: 404 problem+json, nothing about the item in it
 * - unauthorized: 401 from the gateway itself (API Gateway's `{"message":"Unauthorized"}`): no handler ran
 */
type Outcome =
  | 'listed'
  | 'absent'
  | 'ok'
  | 'edited'
  | 'sent'
  | 'dismissed'
  | 'forbidden'
  | 'notFound'
  | 'unauthorized'
  /** Reassign: 200, u_admin added as a reviewer, with its history entry and event. */
  | 'reassigned'
  /** Bulk dismiss of the one item: 200, and the item's own result is its single route's answer. */
  | 'bulkDismissed'
  /** Undo of an item that is not scheduled (no send hold here): 409 with its status and version, nothing changed. */
  | 'notScheduled'
  | 'bulkForbidden'
  | 'bulkNotFound';

type ItemKind = 'userRun' | 'workspaceRun';
type Permissions = ApiItem['permissions'];

interface Caller {
  name: string;
  /** The item the case acts on: a run executed as u_alice, or as the workspace. */
  item: ItemKind;
  /** Outcomes in ROUTES order. */
  outcomes: Outcome[];
  /** What GET /review-items/{id} says this caller may do (it must agree with the action routes). */
  permissions?: Permissions;
  /** This caller sees nothing at all: every list empty, the summary zero. */
  seesNothing?: boolean;
  /** What a 403 on approve must explain. */
  forbiddenDetail?: RegExp;
  client(): Promise<ApiClient>;
}

const ALICE_MAILBOX = 'alice@acme.com';
const all = (outcome: Outcome): Outcome[] => ROUTES.map(() => outcome);
const NOTHING_VISIBLE: Outcome[] = [
  'absent',
  'absent',
  'absent',
  'absent',
  'notFound',
  'notFound',
  'notFound',
  'notFound',
  'notFound',
  'notFound',
  'bulkNotFound',
  'notFound',
];

let s: Scenario;
let otherWorkspaceId: string;
let admin: ApiClient;

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const kidOf = () => s.runtime.issuer.jwks.keys[0]?.kid ?? 'missing';

/** A token exactly like a good one for u_alice, signed by a key that is not the issuer's (same kid). */
async function foreignSignature(): Promise<string> {
  const { privateKey } = await generateKeyPair('RS256');
  return new SignJWT({ workspace_id: s.workspaceId })
    .setProtectedHeader({ alg: 'RS256', kid: kidOf(), typ: 'JWT' })
    .setSubject('u_alice')
    .setIssuer(LOCAL_ISSUER)
    .setAudience(LOCAL_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(privateKey);
}

/** u_carol's valid token with its payload rewritten to say u_admin: the signature no longer matches. */
async function tamperedPayload(): Promise<string> {
  const [header, payload, signature] = (await s.runtime.token(s.workspaceId, 'u_carol')).split('.');
  const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8'));
  return `${header}.${base64url({ ...claims, sub: 'u_admin' })}.${signature}`;
}

/** An unsecured token (`alg: none`) with good claims. */
function algNone(): string {
  const now = Math.floor(Date.now() / 1_000);
  const claims = {
    sub: 'u_admin',
    workspace_id: s.workspaceId,
    iss: LOCAL_ISSUER,
    aud: LOCAL_AUDIENCE,
    iat: now,
    exp: now + 3600,
  };
  return `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.`;
}

/** Algorithm confusion: HS256 "signed" with the issuer's public key as the HMAC secret. */
async function hmacWithPublicKey(): Promise<string> {
  const secret = new TextEncoder().encode(JSON.stringify(s.runtime.issuer.jwks.keys[0]));
  return new SignJWT({ workspace_id: s.workspaceId })
    .setProtectedHeader({ alg: 'HS256', kid: kidOf(), typ: 'JWT' })
    .setSubject('u_admin')
    .setIssuer(LOCAL_ISSUER)
    .setAudience(LOCAL_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(secret);
}

const CALLERS: Caller[] = [
  {
    name: 'reviewer with the from mailbox (u_alice, run user)',
    item: 'userRun',
    outcomes: [
      ...['listed', 'listed', 'listed', 'listed', 'ok', 'ok', 'edited', 'sent', 'dismissed'],
      ...['reassigned', 'bulkDismissed', 'notScheduled'],
    ] as Outcome[],
    permissions: { canEdit: true, canApprove: true, canDismiss: true },
    client: () => s.as('u_alice'),
  },
  {
    name: 'reviewer without the mailbox (u_bob, record owner, workspace run)',
    item: 'workspaceRun',
    outcomes: [
      ...['listed', 'listed', 'listed', 'listed', 'ok', 'ok', 'edited', 'forbidden', 'dismissed'],
      ...['reassigned', 'bulkDismissed', 'notScheduled'],
    ] as Outcome[],
    permissions: { canEdit: true, canApprove: false, canDismiss: true },
    forbiddenDetail: new RegExp(`mailbox.*${ALICE_MAILBOX}|${ALICE_MAILBOX}.*mailbox`),
    client: () => s.as('u_bob'),
  },
  {
    name: 'admin without a mailbox (u_admin)',
    item: 'userRun',
    // Not a reviewer: the item is not in the admin's own queue or summary, but the admin sees it everywhere else.
    outcomes: [
      ...['absent', 'listed', 'absent', 'listed', 'ok', 'ok', 'edited', 'forbidden', 'dismissed'],
      ...['reassigned', 'bulkDismissed', 'notScheduled'],
    ] as Outcome[],
    permissions: { canEdit: true, canApprove: false, canDismiss: true },
    forbiddenDetail: new RegExp(ALICE_MAILBOX),
    client: () => s.as('u_admin'),
  },
  {
    name: 'member who sees a workspace run but is not its reviewer (u_carol)',
    item: 'workspaceRun',
    outcomes: [
      ...['absent', 'listed', 'absent', 'listed', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden'],
      ...['forbidden', 'bulkForbidden', 'notScheduled'],
    ] as Outcome[],
    permissions: { canEdit: false, canApprove: false, canDismiss: false },
    forbiddenDetail: /reviewers/,
    client: () => s.as('u_carol'),
  },
  {
    name: "other member on another user's run (u_carol)",
    item: 'userRun',
    outcomes: NOTHING_VISIBLE,
    client: () => s.as('u_carol'),
  },
  {
    name: 'inactive admin holding the from mailbox (u_dave)',
    item: 'userRun',
    outcomes: NOTHING_VISIBLE,
    seesNothing: true,
    client: () => s.as('u_dave'),
  },
  {
    name: 'other workspace, same user id (u_alice, admin there, same mailbox)',
    item: 'userRun',
    outcomes: NOTHING_VISIBLE,
    seesNothing: true,
    client: () => s.as('u_alice', otherWorkspaceId),
  },
  {
    name: 'not a member of the workspace (u_zed)',
    item: 'userRun',
    outcomes: NOTHING_VISIBLE,
    seesNothing: true,
    client: () => s.as('u_zed'),
  },
  { name: 'no token', item: 'userRun', outcomes: all('unauthorized'), client: async () => s.withToken() },
  {
    name: 'bad token: signed by another key',
    item: 'userRun',
    outcomes: all('unauthorized'),
    client: async () => s.withToken(await foreignSignature()),
  },
  {
    name: 'bad token: payload tampered (sub changed)',
    item: 'userRun',
    outcomes: all('unauthorized'),
    client: async () => s.withToken(await tamperedPayload()),
  },
  {
    name: 'bad token: expired',
    item: 'userRun',
    outcomes: all('unauthorized'),
    client: async () => s.withToken(await s.runtime.token(s.workspaceId, 'u_alice', -60)),
  },
  {
    name: 'bad token: wrong audience',
    item: 'userRun',
    outcomes: all('unauthorized'),
    client: async () =>
      s.withToken(
        await s.runtime.issuer.sign({
          workspaceId: s.workspaceId,
          userId: 'u_alice',
          audience: 'another-api',
        }),
      ),
  },
  {
    name: 'bad token: wrong issuer',
    item: 'userRun',
    outcomes: all('unauthorized'),
    client: async () =>
      s.withToken(
        await s.runtime.issuer.sign({
          workspaceId: s.workspaceId,
          userId: 'u_alice',
          issuer: 'someone-else',
        }),
      ),
  },
  {
    name: 'bad token: alg none',
    item: 'userRun',
    outcomes: all('unauthorized'),
    client: async () => s.withToken(algNone()),
  },
  {
    name: 'bad token: HS256 with the public key as secret',
    item: 'userRun',
    outcomes: all('unauthorized'),
    client: async () => s.withToken(await hmacWithPublicKey()),
  },
  {
    name: 'bad token: not a JWT',
    item: 'userRun',
    outcomes: all('unauthorized'),
    client: async () => s.withToken('not-a-jwt'),
  },
];

/** One client per caller for the whole file (a foreign RSA key is slow to make). */
const clients = new Map<Caller, Promise<ApiClient>>();
const clientOf = (caller: Caller): Promise<ApiClient> => {
  let client = clients.get(caller);
  if (!client) {
    client = caller.client();
    clients.set(caller, client);
  }
  return client;
};

const CASES = CALLERS.flatMap((caller) =>
  ROUTES.map((route, index) => ({ caller, route, outcome: caller.outcomes[index] as Outcome })),
);

// ---------------------------------------------------------------- setup

beforeAll(async () => {
  s = await startScenario('ws_sec');
  otherWorkspaceId = unique('ws_sec_other');
  await s.members(
    { userId: 'u_alice', role: 'member', mailboxes: [ALICE_MAILBOX], active: true },
    { userId: 'u_bob', role: 'member', mailboxes: ['bob@acme.com'], active: true },
    { userId: 'u_carol', role: 'member', mailboxes: ['carol@acme.com'], active: true },
    { userId: 'u_admin', role: 'admin', mailboxes: [], active: true },
    { userId: 'u_dave', role: 'admin', mailboxes: [ALICE_MAILBOX], active: false },
    {
      workspaceId: otherWorkspaceId,
      userId: 'u_alice',
      role: 'admin',
      mailboxes: [ALICE_MAILBOX],
      active: true,
    },
  );
  admin = await s.as('u_admin');
});

afterAll(async () => {
  await s?.stop();
});

interface Target {
  itemId: string;
  subject: string;
  recordId: string;
}

async function proposeItem(kind: ItemKind): Promise<Target> {
  const subject = `Renewal ${unique('sec')}`;
  const recordId = unique('acc');
  const { itemId } = await s.propose({
    run: { executedAs: kind === 'userRun' ? { kind: 'user', userId: 'u_alice' } : { kind: 'workspace' } },
    relatedRecords: [{ type: 'account', id: recordId, name: 'Globex', ownerId: 'u_bob' }],
    draft: { from: ALICE_MAILBOX, to: ['carol@globex.com'], subject },
  });
  return { itemId, subject, recordId };
}

/** Everything a refused call must leave alone, read as the admin and from the outside. */
async function snapshot(target: Target) {
  // Events go out from the outbox, after the change: wait for what was committed to reach the bus.
  await s.runtime.bus.idle();
  const [item, history, emails] = await Promise.all([
    admin.get<ApiItem>(`/review-items/${target.itemId}`),
    admin.get<{ items: ApiHistoryEntry[] }>(`/review-items/${target.itemId}/history`),
    findEmails({ subject: target.subject }),
  ]);
  expect(item.status).toBe(200);
  expect(history.status).toBe(200);
  return {
    item: item.body,
    history: history.body.items,
    emails: emails.length,
    events: s.itemEvents(target.itemId).map((event) => event['detail-type']),
  };
}

/** Every item of a listing, following nextCursor. */
async function listAll(
  client: ApiClient,
  path: string,
): Promise<{ status: number; ids: string[]; first: ApiResponse }> {
  const ids: string[] = [];
  const separator = path.includes('?') ? '&' : '?';
  let cursor: string | null = null;
  let first: ApiResponse | undefined;
  do {
    const query: string = cursor
      ? `${separator}limit=100&cursor=${encodeURIComponent(cursor)}`
      : `${separator}limit=100`;
    const page: ApiResponse<ApiPage> = await client.get<ApiPage>(`${path}${query}`);
    first ??= page;
    if (page.status !== 200) return { status: page.status, ids, first: page };
    ids.push(...page.body.items.map((item) => item.id));
    cursor = page.body.nextCursor;
  } while (cursor);
  return { status: 200, ids, first: first as ApiResponse };
}

function request(route: Route, client: ApiClient, target: Target, version: number): Promise<ApiResponse> {
  const item = `/review-items/${target.itemId}`;
  switch (route) {
    case 'GET /review-items':
      return client.get('/review-items?limit=100');
    case 'GET /review-items?scope=workspace':
      return client.get('/review-items?scope=workspace&limit=100');
    case 'GET /review-items/summary':
      return client.get('/review-items/summary?latest=20');
    case 'GET /records/{recordType}/{recordId}/review-items':
      return client.get(`/records/account/${target.recordId}/review-items`);
    case 'GET /review-items/{id}':
      return client.get(item);
    case 'GET /review-items/{id}/history':
      return client.get(`${item}/history`);
    case 'PATCH /review-items/{id}':
      return client.patch(item, {
        version,
        draft: { subject: `${target.subject} (edited)`, bodyText: 'Edited body' },
      });
    case 'POST /review-items/{id}/approve':
      return client.post(`${item}/approve`, { version });
    case 'POST /review-items/{id}/dismiss':
      return client.post(`${item}/dismiss`, { version, note: 'Not needed' });
    case 'POST /review-items/{id}/reviewers':
      return client.post(`${item}/reviewers`, { version, add: ['u_admin'] });
    case 'POST /review-items/{id}/undo':
      return client.post(`${item}/undo`, { version });
    case 'POST /review-items/bulk':
      return client.post('/review-items/bulk', {
        action: 'dismiss',
        reason: 'not_needed',
        items: [{ id: target.itemId, version }],
      });
  }
}

function expectProblem(response: ApiResponse, status: number): Problem {
  expect(response.status).toBe(status);
  expect(response.contentType).toMatch(/^application\/problem\+json/);
  const problem = response.body as Problem;
  expect(problem).toMatchObject({
    type: expect.stringMatching(/^https?:\/\//),
    title: expect.any(String),
    status,
    detail: expect.any(String),
  });
  expect(problem.detail.length).toBeGreaterThan(0);
  return problem;
}

// ---------------------------------------------------------------- tests

describe('every route × caller (spec 8)', () => {
  it('covers every review-item route of the manifest, and only routes that exist', () => {
    const jwtRoutes = httpRoutes.filter((r) => r.auth === 'jwt').map((r) => `${r.method} ${r.path}`);
    const tableRoutes = [...new Set(ROUTES.map((route) => route.replace(/\?.*$/, '')))];
    // Any route that serves review items (and so carries run privacy) must be in this table.
    const reviewItemRoutes = jwtRoutes.filter((route) => / \/(review-items|records)\b/.test(route));
    expect(tableRoutes.sort()).toEqual(reviewItemRoutes.sort());
  });

  it('routes the two kinds of item as the table assumes', async () => {
    const userRun = await proposeItem('userRun');
    const workspaceRun = await proposeItem('workspaceRun');

    const [u, w] = await Promise.all([
      admin.get<ApiItem>(`/review-items/${userRun.itemId}`),
      admin.get<ApiItem>(`/review-items/${workspaceRun.itemId}`),
    ]);

    // u_bob owns the record but cannot see a run executed as u_alice: he is no reviewer of it.
    expect(u.body.reviewers).toEqual(['u_alice']);
    expect([...w.body.reviewers].sort()).toEqual(['u_alice', 'u_bob']);
  });

  it.each(CASES)('$caller.name → $route: $outcome', async ({ caller, route, outcome }) => {
    // Arrange
    const target = await proposeItem(caller.item);
    const client = await clientOf(caller);
    const before = await snapshot(target);

    // Act
    const response = await request(route, client, target, before.item.version);
    await s.runtime.bus.idle();

    // Assert
    const after = await snapshot(target);
    switch (outcome) {
      case 'listed':
      case 'absent':
        await expectListing(route, client, caller, target, outcome === 'listed', response);
        expect(after).toEqual(before);
        break;
      case 'ok':
        expect(response.status).toBe(200);
        expect(response.contentType).toMatch(/^application\/json/);
        if (route === 'GET /review-items/{id}') {
          const item = response.body as ApiItem;
          expect(item).toMatchObject({ id: target.itemId, status: 'pending', version: before.item.version });
          expect(item.permissions).toEqual(caller.permissions);
        } else {
          const history = response.body as { items: ApiHistoryEntry[] };
          expect(history.items.map((entry) => entry.action)).toEqual(['created']);
        }
        expect(after).toEqual(before);
        break;
      case 'edited': {
        expect(response.status).toBe(200);
        expect(response.body).toMatchObject({
          id: target.itemId,
          status: 'pending',
          version: before.item.version + 1,
          edited: true,
          draft: { subject: `${target.subject} (edited)`, bodyText: 'Edited body', from: ALICE_MAILBOX },
        });
        expect(after.item).toMatchObject({
          version: before.item.version + 1,
          edited: true,
          status: 'pending',
        });
        expect(after.history.map((entry) => entry.action)).toEqual(['created', 'edited']);
        expect(after.history.at(-1)?.actor).toMatchObject({ kind: 'user', userId: expect.any(String) });
        expect(after.events).toEqual([...before.events, 'Review Item Edited']);
        expect(after.emails).toBe(0);
        break;
      }
      case 'sent': {
        expect(response.status).toBe(200);
        const item = response.body as ApiItem;
        expect(item).toMatchObject({
          id: target.itemId,
          status: 'sent',
          decision: { action: 'approved', by: 'u_alice' },
        });
        expect(item.decision?.messageId).toEqual(expect.any(String));
        const emails = await findEmails({ subject: target.subject });
        expect(emails).toHaveLength(1);
        expect(emails[0]).toMatchObject({
          messageId: item.decision?.messageId,
          destination: { to: ['carol@globex.com'] },
        });
        expect(after.item.status).toBe('sent');
        expect(after.history.map((entry) => entry.action)).toEqual(['created', 'approved', 'sent']);
        expect(after.events).toEqual([...before.events, 'Review Item Sent']);
        break;
      }
      case 'dismissed': {
        expect(response.status).toBe(200);
        expect(response.body).toMatchObject({
          id: target.itemId,
          status: 'dismissed',
          decision: { action: 'dismissed' },
        });
        expect(after.item).toMatchObject({ status: 'dismissed', version: before.item.version + 1 });
        expect(after.history.map((entry) => entry.action)).toEqual(['created', 'dismissed']);
        expect(after.events).toEqual([...before.events, 'Review Item Dismissed']);
        expect(after.emails).toBe(0);
        break;
      }
      case 'forbidden': {
        const problem = expectProblem(response, 403);
        if (route === 'POST /review-items/{id}/approve' && caller.forbiddenDetail) {
          expect(problem.detail).toMatch(caller.forbiddenDetail);
        } else {
          expect(problem.detail).toMatch(/reviewers/);
        }
        expect(after).toEqual(before);
        break;
      }
      case 'notScheduled': {
        const problem = expectProblem(response, 409) as Problem & { current?: unknown };
        expect(problem.current).toEqual({ status: 'pending', version: before.item.version });
        expect(after).toEqual(before);
        break;
      }
      case 'notFound': {
        const problem = expectProblem(response, 404);
        // Nothing about the item leaks: not its subject, reason, reviewers or status.
        expect(response.text).not.toContain(target.subject);
        expect(response.text).not.toContain('Renewal in 30 days');
        expect(response.text).not.toContain('u_alice');
        expect(problem).not.toHaveProperty('current');
        expect(after).toEqual(before);
        break;
      }
      case 'reassigned': {
        expect(response.status).toBe(200);
        const item = response.body as ApiItem;
        expect(item).toMatchObject({
          id: target.itemId,
          status: 'pending',
          version: before.item.version + 1,
        });
        expect(item.reviewers).toEqual([...before.item.reviewers, 'u_admin']);
        expect(after.item.reviewers).toEqual(item.reviewers);
        expect(after.history.map((entry) => entry.action)).toEqual(['created', 'reassigned']);
        expect(after.events).toEqual([...before.events, 'Review Item Reassigned']);
        expect(after.emails).toBe(0);
        break;
      }
      case 'bulkDismissed':
      case 'bulkForbidden':
      case 'bulkNotFound': {
        expect(response.status).toBe(200);
        const { results } = response.body as {
          results: { id: string; status: number; item?: ApiItem; problem?: Problem }[];
        };
        expect(results.map((r) => r.id)).toEqual([target.itemId]);
        const [result] = results;
        if (outcome === 'bulkDismissed') {
          expect(result?.status).toBe(200);
          expect(result?.item).toMatchObject({
            status: 'dismissed',
            decision: { action: 'dismissed', reason: 'not_needed' },
          });
          expect(after.history.map((entry) => entry.action)).toEqual(['created', 'dismissed']);
          expect(after.events).toEqual([...before.events, 'Review Item Dismissed']);
        } else {
          expect(result?.status).toBe(outcome === 'bulkForbidden' ? 403 : 404);
          expect(result?.item).toBeUndefined();
          if (outcome === 'bulkNotFound') {
            expect(response.text).not.toContain(target.subject);
            expect(response.text).not.toContain('u_alice');
            expect(result?.problem).not.toHaveProperty('current');
          }
          expect(after).toEqual(before);
        }
        break;
      }
      case 'unauthorized':
        // API Gateway's own answer: the JWT authorizer refused, the handler was never invoked.
        expect(response.status).toBe(401);
        expect(response.contentType).toMatch(/^application\/json/);
        expect(response.body).toEqual({ message: 'Unauthorized' });
        expect(after).toEqual(before);
        break;
    }
  });
});

async function expectListing(
  route: Route,
  client: ApiClient,
  caller: Caller,
  target: Target,
  listed: boolean,
  response: ApiResponse,
) {
  expect(response.status).toBe(200);
  expect(response.contentType).toMatch(/^application\/json/);
  if (route === 'GET /review-items/summary') {
    const summary = response.body as ApiSummary;
    const ids = summary.latest.map((item) => item.id);
    if (listed) expect(ids).toContain(target.itemId);
    else expect(ids).not.toContain(target.itemId);
    // The count is the caller's whole queue, and nothing else.
    const queue = await listAll(client, '/review-items');
    expect(summary.pendingCount).toBe(queue.ids.length);
    if (!listed) expect(response.text).not.toContain(target.subject);
    if (caller.seesNothing)
      expect(summary).toEqual({ pendingCount: 0, overdueCount: 0, byAutomation: [], latest: [] });
    return;
  }
  const path =
    route === 'GET /review-items'
      ? '/review-items'
      : route === 'GET /review-items?scope=workspace'
        ? '/review-items?scope=workspace'
        : `/records/account/${target.recordId}/review-items`;
  const everything = await listAll(client, path);
  expect(everything.status).toBe(200);
  if (listed) expect(everything.ids).toContain(target.itemId);
  else expect(everything.ids).not.toContain(target.itemId);
  if (!listed) expect(response.text).not.toContain(target.subject);
  if (route === 'GET /records/{recordType}/{recordId}/review-items') {
    expect(everything.ids).toEqual(listed ? [target.itemId] : []);
  }
  if (caller.seesNothing) expect(everything.ids).toEqual([]);
}

describe('tokens the gateway accepts but the API cannot use', () => {
  /** Signed with the issuer's own key, so the gateway lets it through: the handler must refuse it. */
  async function signedWithIssuerKey(claims: Record<string, unknown>): Promise<string> {
    const stored = JSON.parse(await readFile(join(s.runtime.dataDir, KEY_FILE_NAME), 'utf8'));
    const key = await importJWK({ ...stored.privateJwk, alg: 'RS256' }, 'RS256');
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: stored.kid, typ: 'JWT' })
      .setSubject('u_alice')
      .setIssuer(LOCAL_ISSUER)
      .setAudience(LOCAL_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key);
  }

  it.each([
    ['no workspace_id claim', {}],
    ['a workspace_id that is not a workspace id', { workspace_id: 'ws acme/../x' }],
  ])('answers 401 problem+json on every route for a token with %s, and writes nothing', async (_, claims) => {
    const target = await proposeItem('userRun');
    const client = s.withToken(await signedWithIssuerKey(claims));
    const before = await snapshot(target);

    for (const route of ROUTES) {
      const response = await request(route, client, target, before.item.version);
      const problem = expectProblem(response, 401);
      expect(problem.title).toBe('Unauthorized');
    }

    await s.runtime.bus.idle();
    expect(await snapshot(target)).toEqual(before);
  });
});

describe('invalid input: 400 problem+json with the paths at fault, never 500, nothing written', () => {
  let target: Target;
  let alice: ApiClient;
  let aliceCursor: string;

  beforeAll(async () => {
    alice = await s.as('u_alice');
    target = await proposeItem('userRun');
    // A real cursor of alice's queue, to replay where it does not belong.
    const page = await alice.get<ApiPage>('/review-items?limit=1');
    expect(page.body.nextCursor).toEqual(expect.any(String));
    aliceCursor = page.body.nextCursor ?? '';
  });

  const item = () => `/review-items/${target.itemId}`;
  type Invalid = [name: string, send: () => Promise<ApiResponse>, paths: string[], message?: RegExp];
  const INVALID: Invalid[] = [
    ['PATCH with a body that is not JSON', () => alice.patch(item(), '{"version": 1,'), ['']],
    [
      'PATCH with an unknown top-level field',
      () => alice.patch(item(), { version: 1, draft: {}, status: 'sent' }),
      [''],
      /status/,
    ],
    [
      'PATCH with an unknown draft field',
      () => alice.patch(item(), { version: 1, draft: { replyTo: 'x@y.com' } }),
      ['draft'],
      /replyTo/,
    ],
    [
      'PATCH that changes from',
      () => alice.patch(item(), { version: 1, draft: { from: 'mallory@evil.com' } }),
      ['draft'],
      /from/,
    ],
    [
      'PATCH with an invalid address',
      () => alice.patch(item(), { version: 1, draft: { to: ['carol@globex.com', 'not an address'] } }),
      ['draft.to.1'],
    ],
    [
      'PATCH with a header injection in the subject',
      () => alice.patch(item(), { version: 1, draft: { subject: 'Hi\r\nBcc: mallory@evil.com' } }),
      ['draft.subject'],
    ],
    [
      'PATCH that leaves no recipient',
      () => alice.patch(item(), { version: 1, draft: { to: [], cc: [], bcc: [] } }),
      ['to'],
    ],
    ['PATCH without a version', () => alice.patch(item(), { draft: { subject: 'x' } }), ['version']],
    [
      'PATCH with a version that is a string',
      () => alice.patch(item(), { version: '1', draft: {} }),
      ['version'],
    ],
    ['approve with a body that is not JSON', () => alice.post(`${item()}/approve`, 'version=1'), ['']],
    [
      'approve with an unknown field',
      () => alice.post(`${item()}/approve`, { version: 1, force: true }),
      [''],
      /force/,
    ],
    [
      'dismiss with a note over 2000 characters',
      () => alice.post(`${item()}/dismiss`, { note: 'x'.repeat(2001) }),
      ['note'],
    ],
    ['dismiss with version 0', () => alice.post(`${item()}/dismiss`, { version: 0 }), ['version']],
    ['list with limit=0', () => alice.get('/review-items?limit=0'), ['limit']],
    ['list with limit=101', () => alice.get('/review-items?limit=101'), ['limit']],
    ['list with limit=ten', () => alice.get('/review-items?limit=ten'), ['limit']],
    ['list with a garbage cursor', () => alice.get('/review-items?cursor=%%%garbage'), ['cursor']],
    [
      'list with a well-formed cursor of another partition',
      () =>
        alice.get(
          `/review-items?cursor=${Buffer.from('{"pk":"WS#ws_x#QUEUE#u_x","sk":"x"}').toString('base64url')}`,
        ),
      ['cursor'],
    ],
    [
      "u_bob's list with u_alice's cursor",
      async () => (await s.as('u_bob')).get(`/review-items?cursor=${aliceCursor}`),
      ['cursor'],
    ],
    ['list with scope=everyone', () => alice.get('/review-items?scope=everyone'), ['scope']],
    ['list with an unknown parameter', () => alice.get('/review-items?owner=u_bob'), [''], /owner/],
    ['summary with latest=21', () => alice.get('/review-items/summary?latest=21'), ['latest']],
    [
      'record banner with limit=0',
      () => alice.get(`/records/account/${target.recordId}/review-items?limit=0`),
      ['limit'],
    ],
    [
      "record banner with the queue's cursor",
      () => alice.get(`/records/account/${target.recordId}/review-items?cursor=${aliceCursor}`),
      ['cursor'],
    ],
  ];

  it.each(INVALID)('%s', async (_, send, paths, message) => {
    const before = await snapshot(target);

    const response = await send();
    await s.runtime.bus.idle();

    const problem = expectProblem(response, 400);
    expect(problem.errors).toEqual(expect.any(Array));
    expect(problem.errors?.map((error) => error.path)).toEqual(expect.arrayContaining(paths));
    for (const error of problem.errors ?? []) expect(error.message).toEqual(expect.any(String));
    if (message) expect(JSON.stringify(problem.errors)).toMatch(message);
    expect(await snapshot(target)).toEqual(before);
  });
});

describe('conflicts and unknown ids', () => {
  it('answers 409 with current.status and current.version for a stale version, and writes nothing', async () => {
    const target = await proposeItem('userRun');
    const alice = await s.as('u_alice');
    const edited = await alice.patch(`/review-items/${target.itemId}`, {
      version: 1,
      draft: { bodyText: 'v2' },
    });
    expect(edited.body).toMatchObject({ version: 2 });
    const before = await snapshot(target);

    const stale = await Promise.all([
      alice.patch(`/review-items/${target.itemId}`, { version: 1, draft: { bodyText: 'lost update' } }),
      alice.post(`/review-items/${target.itemId}/approve`, { version: 1 }),
      alice.post(`/review-items/${target.itemId}/dismiss`, { version: 1 }),
    ]);
    await s.runtime.bus.idle();

    for (const response of stale) {
      const problem = expectProblem(response, 409);
      expect(problem.current).toEqual({ status: 'pending', version: 2 });
    }
    expect(await snapshot(target)).toEqual(before);
  });

  it('answers 409 with the decided status when the item was dismissed first', async () => {
    const target = await proposeItem('workspaceRun');
    const bob = await s.as('u_bob');
    const alice = await s.as('u_alice');
    expect((await bob.post(`/review-items/${target.itemId}/dismiss`, {})).status).toBe(200);
    const before = await snapshot(target);

    const approve = await alice.post(`/review-items/${target.itemId}/approve`, {});
    const edit = await alice.patch(`/review-items/${target.itemId}`, {
      version: 2,
      draft: { subject: 'late' },
    });
    await s.runtime.bus.idle();

    expect(expectProblem(approve, 409).current).toEqual({ status: 'dismissed', version: 2 });
    expect(expectProblem(edit, 409).current).toEqual({ status: 'dismissed', version: 2 });
    expect(await findEmails({ subject: target.subject })).toEqual([]);
    expect(await snapshot(target)).toEqual(before);
  });

  it.each([
    ['GET', ''],
    ['GET', '/history'],
    ['PATCH', ''],
    ['POST', '/approve'],
    ['POST', '/dismiss'],
  ])('answers 404 problem+json for %s of an unknown id%s', async (method, suffix) => {
    const admin = await s.as('u_admin');
    const body = method === 'GET' ? undefined : method === 'PATCH' ? { version: 1, draft: {} } : {};

    const response = await admin.request(method, `/review-items/ri_01UNKNOWN00000000000000000${suffix}`, {
      body,
    });

    expectProblem(response, 404);
  });
});

describe('every JWT route of the manifest refuses missing and bad tokens at the gateway', () => {
  const UNAUTHENTICATED = CALLERS.filter((caller) =>
    caller.outcomes.every((outcome) => outcome === 'unauthorized'),
  );
  const SWEEP = httpRoutes
    .filter((route) => route.auth === 'jwt')
    .flatMap((route) =>
      UNAUTHENTICATED.map((caller) => ({ route: `${route.method} ${route.path}`, caller })),
    );

  it("sweeps at least the table's routes with every unauthenticated caller", () => {
    expect(UNAUTHENTICATED.length).toBeGreaterThanOrEqual(8);
    expect(SWEEP.length).toBeGreaterThanOrEqual(8 * UNAUTHENTICATED.length);
  });

  it.each(SWEEP)('$route with $caller.name → 401 from the gateway', async ({ route, caller }) => {
    const [method = 'GET', template = '/'] = route.split(' ');
    const path = template.replace(/\{(\w+)\+?\}/g, (_, name: string) => `${name}_1`);
    const client = await clientOf(caller);
    const eventsBefore = s.runtime.bus.events().length;

    const response = await client.request(method, path, method === 'GET' ? {} : { body: {} });
    await s.runtime.bus.idle();

    expect(response.status).toBe(401);
    expect(response.body).toEqual({ message: 'Unauthorized' });
    expect(s.runtime.bus.events()).toHaveLength(eventsBefore);
  });
});

describe('run privacy survives dedup replacement', () => {
  /**
   * A replaced draft is kept in history (spec 3), and GET /history shows drafts. Visibility is decided on the
   * item's current origin, so whoever may see the replacing run must not be shown what a private run wrote.
   */
  async function privateProposal(dedupKey: string | undefined, recordId: string) {
    const secret = unique('ALICE-PRIVATE');
    const proposed = await s.propose({
      ...(dedupKey ? { dedupKey } : { dedupKey: undefined }),
      proposedAt: new Date(Date.now() - 60_000).toISOString(),
      run: { executedAs: { kind: 'user', userId: 'u_alice' }, automationId: 'auto_shared', stepId: 'step_1' },
      relatedRecords: [{ type: 'account', id: recordId }],
      draft: { from: ALICE_MAILBOX, to: ['carol@globex.com'], subject: secret, bodyText: `${secret} body` },
    });
    return { ...proposed, secret };
  }

  async function expectNothingOf(
    client: ApiClient,
    itemId: string,
    leaked: { secret: string; runId: string },
  ) {
    for (const path of [
      `/review-items/${itemId}`,
      `/review-items/${itemId}/history`,
      '/review-items?scope=workspace&limit=100',
    ]) {
      const response = await client.get(path);
      expect(response.status).toBe(200);
      expect(response.text).not.toContain(leaked.secret);
      expect(response.text).not.toContain(leaked.runId);
    }
  }

  it('does not show a user-run draft to members once a workspace run with the same dedupKey replaces it', async () => {
    const dedupKey = unique('same-change');
    const recordId = unique('acc');
    const alicesRun = await privateProposal(dedupKey, recordId);
    const carol = await s.as('u_carol');
    expect((await carol.get(`/review-items/${alicesRun.itemId}`)).status).toBe(404);

    const workspaceRun = await s.propose({
      dedupKey,
      run: { executedAs: { kind: 'workspace' }, automationId: 'auto_shared', stepId: 'step_1' },
      relatedRecords: [{ type: 'account', id: recordId, ownerId: 'u_bob' }],
      draft: { from: ALICE_MAILBOX, to: ['carol@globex.com'], subject: 'Workspace take' },
    });

    await expectNothingOf(carol, workspaceRun.itemId, alicesRun);
  });

  it("does not show one user's run draft to another user whose run of the same automation step replaces it", async () => {
    // No dedupKey: the derived key (automation, step, type, recipients, records) is the same for both runs.
    const recordId = unique('acc');
    const alicesRun = await privateProposal(undefined, recordId);
    const bob = await s.as('u_bob');
    expect((await bob.get(`/review-items/${alicesRun.itemId}`)).status).toBe(404);

    const bobsRun = await s.propose({
      dedupKey: undefined,
      run: { executedAs: { kind: 'user', userId: 'u_bob' }, automationId: 'auto_shared', stepId: 'step_1' },
      relatedRecords: [{ type: 'account', id: recordId }],
      draft: { from: 'bob@acme.com', to: ['carol@globex.com'], subject: "Bob's take" },
    });

    await expectNothingOf(bob, bobsRun.itemId, alicesRun);
  });
});

describe('the privacy routes (spec 3, Data lifecycle): admins only, their own workspace only', () => {
  it('answers a member 403, another workspace 404, the admin 202 then 200, and no token 401', async () => {
    const member = await s.as('u_bob');
    const other = await s.as('u_alice', otherWorkspaceId);
    const body = { email: 'someone@globex.com' };

    expectProblem(await member.request('POST', '/privacy/erasures', { body }), 403);
    const created = await admin.request('POST', '/privacy/erasures', { body });
    expect(created.status).toBe(202);
    const { id } = created.body as { id: string };
    expect(JSON.stringify(created.body)).not.toContain('someone@globex.com');

    expect((await admin.request('GET', `/privacy/erasures/${id}`)).status).toBe(200);
    expectProblem(await member.request('GET', `/privacy/erasures/${id}`), 403);
    expectProblem(await other.request('GET', `/privacy/erasures/${id}`), 404);
    expect((await s.withToken().request('GET', `/privacy/erasures/${id}`)).status).toBe(401);
    expectProblem(
      await admin.request('POST', '/privacy/erasures', { body: { email: 'not an address' } }),
      400,
    );
  });
});
