/**
 * spec 3, "Trust boundaries": each workspace has its own share of the API. Through the local runtime as a user
 * would, with a limit of 3 requests per window: a token-holding caller of workspace A over its limit gets 429 with
 * Retry-After and problem details, while workspace B is served. The window is set so long (10⁹ s, 2001–2033) that
 * the test's requests all fall in one window: nothing here depends on timing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeHandle } from '../../infra/local/runtime.js';
import { startTestRuntime } from '../support/runtime.js';
import { ApiClient, type Problem } from '../support/scenario.js';

const LIMIT = 3;
let runtime: RuntimeHandle;

beforeAll(async () => {
  runtime = await startTestRuntime({
    env: { WORKSPACE_RATE_LIMIT: String(LIMIT), WORKSPACE_RATE_WINDOW_SECONDS: '1000000000' },
  });
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
});

const client = async (workspaceId: string, userId: string) =>
  new ApiClient(runtime.urls.api, await runtime.token(workspaceId, userId));

describe('per-workspace limit (local runtime)', () => {
  it('answers 429 with Retry-After to a workspace over its limit while another workspace is served', async () => {
    const alice = await client('ws_limit_a', 'u_alice');
    const bob = await client('ws_limit_a', 'u_bob');
    const carol = await client('ws_limit_b', 'u_carol');

    // Workspace A's share, used up by two of its users: the limit is the workspace's, not the user's.
    for (const api of [alice, bob, alice]) expect((await api.get('/review-items')).status).toBe(200);
    const refused = await getWithHeaders(alice, '/review-items');
    const refusedOther = await bob.get('/review-items/summary');

    expect(refused.status).toBe(429);
    expect(refused.contentType).toBe('application/problem+json');
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect(refused.body).toMatchObject({
      status: 429,
      title: 'Too many requests',
    } satisfies Partial<Problem>);
    expect(refusedOther.status).toBe(429);

    // Workspace B has its own share, untouched by A's.
    for (let i = 0; i < LIMIT; i++) expect((await carol.get('/review-items')).status).toBe(200);
    expect((await carol.get('/review-items')).status).toBe(429);
  });

  it('does not count the public routes (no workspace): health still answers', async () => {
    const noToken = new ApiClient(runtime.urls.api);
    expect((await noToken.get('/health')).status).toBe(200);
  });
});

/** A GET that also hands back the Retry-After header. */
async function getWithHeaders(api: ApiClient, path: string) {
  const response = await fetch(`${api.baseUrl}${path}`, {
    headers: { authorization: `Bearer ${api.token}` },
  });
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    retryAfter: response.headers.get('retry-after'),
    body: (await response.json()) as Problem,
  };
}
