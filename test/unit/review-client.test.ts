/**
 * The typed client's wrapper (shared/client): every request carries the caller's JWT, paths and queries are
 * built from the typed parameters, and problem details come back as `error`. Proved against the running API by
 * test/e2e/review-flow.test.ts.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createReviewClient, type Problem } from '../../shared/client/index.js';

function recordingFetch(status: number, body: unknown, contentType?: string) {
  const requests: Request[] = [];
  const fetch = async (input: Request) => {
    requests.push(input);
    return new Response(JSON.stringify(body), {
      status,
      headers: {
        'content-type': contentType ?? (status < 400 ? 'application/json' : 'application/problem+json'),
      },
    });
  };
  return { requests, fetch };
}

describe('createReviewClient', () => {
  it('sends the token as a bearer, the path parameter in the path and the query typed', async () => {
    const { requests, fetch } = recordingFetch(200, { items: [], nextCursor: null });
    const api = createReviewClient('https://api.example.com/', 'jwt-1', { fetch });

    const { data } = await api.GET('/review-items', {
      params: { query: { scope: 'workspace', limit: 10, cursor: 'a b/c' } },
    });
    await api.GET('/review-items/{id}/history', { params: { path: { id: 'ri_1' } } });

    expect(data).toEqual({ items: [], nextCursor: null });
    expect(requests.map((r) => r.url)).toEqual([
      'https://api.example.com/review-items?scope=workspace&limit=10&cursor=a%20b%2Fc',
      'https://api.example.com/review-items/ri_1/history',
    ]);
    expect(requests.map((r) => r.headers.get('authorization'))).toEqual(['Bearer jwt-1', 'Bearer jwt-1']);
  });

  it('asks a token function before every request', async () => {
    const { requests, fetch } = recordingFetch(200, {});
    let n = 0;
    const api = createReviewClient('https://api.example.com', async () => `jwt-${++n}`, { fetch });

    await api.GET('/health');
    await api.GET('/health');

    expect(requests.map((r) => r.headers.get('authorization'))).toEqual(['Bearer jwt-1', 'Bearer jwt-2']);
  });

  it('answers problem details as error, with the status', async () => {
    const problem = { type: 'x', title: 'Conflict', status: 409, detail: 'stale', current: { version: 2 } };
    const { requests, fetch } = recordingFetch(409, problem);
    const api = createReviewClient('https://api.example.com', 'jwt', { fetch });

    const result = await api.POST('/review-items/{id}/approve', {
      params: { path: { id: 'ri_1' } },
      body: { version: 1 },
    });

    expect(result.data).toBeUndefined();
    expect(result.response.status).toBe(409);
    expect(result.error).toEqual(problem);
    expect(await requests[0]?.json()).toEqual({ version: 1 });
  });

  it("turns the gateway's own { message } answer into problem details: error has one shape", async () => {
    const { fetch } = recordingFetch(401, { message: 'Unauthorized' }, 'application/json');
    const api = createReviewClient('https://api.example.com', 'expired', { fetch });

    const result = await api.GET('/review-items');

    expectTypeOf<NonNullable<typeof result.error>>().not.toBeNever();
    expectTypeOf<NonNullable<typeof result.error>>().toExtend<Problem>();
    expect(result.response.status).toBe(401);
    expect(result.response.headers.get('content-type')).toBe('application/problem+json');
    expect(result.error).toEqual({
      type: 'https://for-review.dev/problems/unauthorized',
      title: 'Unauthorized',
      status: 401,
      detail: expect.stringMatching(/no valid bearer token/),
    });
  });

  it('leaves a JSON error that is not a gateway message as it is', async () => {
    const { fetch } = recordingFetch(502, { message: 'Bad Gateway', extra: 1 }, 'application/json');
    const api = createReviewClient('https://api.example.com', 'jwt', { fetch });

    const result = await api.GET('/health');

    expect(result.error).toEqual({ message: 'Bad Gateway', extra: 1 });
  });
});
