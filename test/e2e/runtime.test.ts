/**
 * The local runtime as a user meets it: the HTTP API behind the JWT authorizer, the EventBridge endpoint
 * driven by the real AWS SDK, delivery by the manifest's rules with retries and dead letters, and a clean
 * stop that leaves no Java process behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../infra/local/aws-identity.js';
import { localClient, startDynamoDbLocal } from '../../infra/local/dynamodb-local.js';
import { startGateway } from '../../infra/local/gateway.js';
import { createHandlerInvoker } from '../../infra/local/handlers.js';
import { createEphemeralIssuer } from '../../infra/local/jwt-issuer.js';
import { REPO_ROOT } from '../../infra/local/paths.js';
import type { RuntimeHandle } from '../../infra/local/runtime.js';
import { findRuntime } from '../../infra/local/runtime-info.js';
import { BURST_CONCURRENCY, functions, httpRoutes } from '../../infra/manifest.js';
import { rawMemberChange } from '../fixtures/index.js';
import { startTestRuntime } from '../support/runtime.js';

let runtime: RuntimeHandle;
let eventBridge: EventBridgeClient;

beforeAll(async () => {
  runtime = await startTestRuntime();
  eventBridge = new EventBridgeClient({
    endpoint: runtime.urls.events,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
});

afterAll(async () => {
  eventBridge?.destroy();
  await runtime?.stop();
});

const get = (path: string, token?: string) =>
  fetch(`${runtime.urls.api}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

const uniqueWorkspace = () => `ws_e2e_${Math.random().toString(36).slice(2, 10)}`;

const memberChangedEntry = (detail: Record<string, unknown>): PutEventsRequestEntry => ({
  Source: 'directory',
  DetailType: 'Workspace Member Changed',
  Detail: JSON.stringify(detail),
  EventBusName: runtime.eventBusName,
  Time: new Date(),
});

describe('the local HTTP API', () => {
  it('answers 200 on GET /health when DynamoDB, SES, the bus and the health function all answer', async () => {
    const response = await get('/health');

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ok',
      checks: { dynamodb: 'ok', ses: 'ok', eventBus: 'ok', function: 'ok' },
    });
  });

  it('answers 401 {"message":"Unauthorized"} to a request without a token, as API Gateway does', async () => {
    const response = await get('/review-items');

    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ message: 'Unauthorized' });
  });

  it.each([
    [
      'signed by another key',
      async () => (await createEphemeralIssuer()).sign({ workspaceId: 'ws_a', userId: 'u_a' }),
    ],
    ['expired', () => runtime.token('ws_a', 'u_a', -60)],
    [
      'for another audience',
      () => runtime.issuer.sign({ workspaceId: 'ws_a', userId: 'u_a', audience: 'other-app' }),
    ],
    [
      'from another issuer',
      () => runtime.issuer.sign({ workspaceId: 'ws_a', userId: 'u_a', issuer: 'https://evil' }),
    ],
    ['not a JWT at all', async () => 'garbage'],
  ])('answers 401 to a token %s', async (_, makeToken) => {
    const response = await get('/review-items', await makeToken());

    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ message: 'Unauthorized' });
  });

  it('answers 401 to a valid token sent with another scheme than Bearer', async () => {
    const token = await runtime.token('ws_a', 'u_a');
    const response = await fetch(`${runtime.urls.api}/review-items`, {
      headers: { authorization: `Basic ${token}` },
    });

    expect(response.status).toBe(401);
  });

  it('hands a request with a valid token to the list handler', async () => {
    const response = await get('/review-items', await runtime.token(uniqueWorkspace(), 'u_alice'));

    expect(response.status).not.toBe(401);
    expect(response.status).toBeLessThan(500);
    if (response.status === 200) expect(await response.json()).toMatchObject({ items: expect.any(Array) });
  });

  it('routes /review-items/summary to the summary function, not to /review-items/{id}', async () => {
    const response = await get('/review-items/summary', await runtime.token(uniqueWorkspace(), 'u_alice'));

    expect(response.status).toBe(200);
    expect(await response.json()).toHaveProperty('pendingCount');
  });

  it('answers problem details to a request no route takes: 404 for an unknown path, 405 with Allow for another method', async () => {
    const unknown = await get('/nope');
    const wrongMethod = await fetch(`${runtime.urls.api}/review-items/ri_1`, { method: 'DELETE' });

    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toBe('application/problem+json');
    expect(await unknown.json()).toEqual({
      type: 'https://for-review.dev/problems/no-route',
      title: 'Not found',
      status: 404,
      detail: 'No route for GET /nope: the routes are in GET /openapi.json',
    });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('content-type')).toBe('application/problem+json');
    expect(wrongMethod.headers.get('allow')).toBe('GET, PATCH');
    expect(await wrongMethod.json()).toEqual({
      type: 'https://for-review.dev/problems/method-not-allowed',
      title: 'Method not allowed',
      status: 405,
      detail: '/review-items/ri_1 takes GET, PATCH, not DELETE',
    });
  });

  it('answers 413 to a body over the limit without invoking the handler', async () => {
    const response = await fetch(`${runtime.urls.api}/webhooks/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ padding: 'x'.repeat(2 * 1024 * 1024) }),
    });

    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ message: 'Request Entity Too Large' });
  });

  it('serves the public keys at /.well-known/jwks.json', async () => {
    const response = await get('/.well-known/jwks.json');

    expect(response.status).toBe(200);
    const { keys } = z
      .object({ keys: z.array(z.record(z.string(), z.unknown())) })
      .parse(await response.json());
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', kid: expect.any(String) });
    expect(keys[0]).not.toHaveProperty('d');
  });
});

describe('the local gateway under hostile or cross-origin requests', () => {
  it.each(['__proto__=1', 'constructor=x', 'toString=y', 'limit=5&__proto__=1'])(
    'answers 400 to ?%s: the key reaches the strict query schema, as through API Gateway',
    async (query) => {
      const response = await get(`/review-items?${query}`, await runtime.token(uniqueWorkspace(), 'u_alice'));

      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      const problem = z
        .object({ errors: z.array(z.object({ message: z.string() })) })
        .parse(await response.json());
      expect(problem.errors.map((e) => e.message).join()).toMatch(/Unrecognized key/);
    },
  );

  it("answers 431 when the request line and headers pass API Gateway's 10,240 bytes, without invoking anything", async () => {
    const token = await runtime.token(uniqueWorkspace(), 'u_alice');
    const longUrl = await get(`/review-items?cursor=${'x'.repeat(10_300)}`, token);
    const bigHeader = await fetch(`${runtime.urls.api}/health`, {
      headers: { 'x-padding': 'x'.repeat(10_300) },
    });
    const justUnder = await get(`/review-items?cursor=${'x'.repeat(8_000)}`, token);

    expect(longUrl.status).toBe(431);
    expect(await longUrl.json()).toEqual({ message: 'Request Header Fields Too Large' });
    expect(bigHeader.status).toBe(431);
    expect(justUnder.status).toBe(400); // the handler's answer: the cursor is not one it made
  });

  it('answers a CORS preflight as the CDK HttpApi does, for a local front end, with no OPTIONS route', async () => {
    const preflight = await fetch(`${runtime.urls.api}/review-items/ri_1`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'PATCH' },
    });
    const foreign = await fetch(`${runtime.urls.api}/review-items`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    const notPreflight = await fetch(`${runtime.urls.api}/review-items`, { method: 'OPTIONS' });

    expect(preflight.status).toBe(204);
    expect(
      Object.fromEntries([...preflight.headers].filter(([name]) => name.startsWith('access-control-'))),
    ).toEqual({
      'access-control-allow-origin': 'http://localhost:5173',
      'access-control-allow-methods': 'GET,POST,PATCH,OPTIONS',
      'access-control-allow-headers': 'authorization,content-type',
      'access-control-max-age': '3600',
    });
    expect(foreign.status).toBe(204);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    // Not a preflight: no route takes OPTIONS, so the path's methods are the answer.
    expect(notPreflight.status).toBe(405);
    expect(notPreflight.headers.get('allow')).toBe('GET');
  });

  it('adds the allowed origin to every answer, the 401 of the authorizer included', async () => {
    const origin = 'http://127.0.0.1:8080';
    const health = await fetch(`${runtime.urls.api}/health`, { headers: { origin } });
    const refused = await fetch(`${runtime.urls.api}/review-items`, { headers: { origin } });
    const foreign = await fetch(`${runtime.urls.api}/health`, {
      headers: { origin: 'https://evil.example' },
    });

    expect(health.headers.get('access-control-allow-origin')).toBe(origin);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(origin);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('serves /openapi.json without a token', async () => {
    const response = await get('/openapi.json');

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ openapi: expect.stringMatching(/^3\.1/) });
  });

  it('keeps the bare 401 body but logs why a token was refused: another data folder, expired, wrong audience', async () => {
    const lines: string[] = [];
    const log = {
      debug: () => {},
      info: (l: string) => lines.push(l),
      warn: (l: string) => lines.push(l),
      error: () => {},
    };
    const gateway = await startGateway({
      port: 0,
      routes: httpRoutes,
      invoker: createHandlerInvoker(),
      issuer: runtime.issuer,
      dataDir: runtime.dataDir,
      log,
    });
    try {
      const stranger = await createEphemeralIssuer();
      const tokens = {
        otherFolder: await stranger.sign({ workspaceId: 'ws_a', userId: 'u_a' }),
        expired: await runtime.token('ws_a', 'u_a', -60),
        audience: await runtime.issuer.sign({ workspaceId: 'ws_a', userId: 'u_a', audience: 'other-app' }),
      };
      for (const token of Object.values(tokens)) {
        const response = await fetch(`${gateway.url}/review-items`, {
          headers: { authorization: `Bearer ${token}` },
        });
        expect(response.status).toBe(401);
        expect(await response.json()).toEqual({ message: 'Unauthorized' });
      }
      await fetch(`${gateway.url}/review-items`);

      const refusals = lines.filter((line) => line.includes('token refused'));
      expect(refusals).toEqual([
        expect.stringMatching(/another data folder\?.*jwt-signing-key\.json/),
        expect.stringMatching(/expired at .*npm run -s token/),
        expect.stringMatching(/aud claim is "other-app"/),
        expect.stringMatching(/no Authorization header/),
      ]);
      expect(refusals[0]).toContain(runtime.dataDir);
    } finally {
      await gateway.stop();
    }
  });
});

describe('the local EventBridge endpoint', () => {
  it('accepts a Workspace Member Changed event from the AWS SDK and delivers it to apply-member-change', async () => {
    const workspaceId = uniqueWorkspace();
    const detail = { ...rawMemberChange(), workspaceId, userId: 'u_alice' };

    const result = await eventBridge.send(new PutEventsCommand({ Entries: [memberChangedEntry(detail)] }));
    await runtime.bus.idle();

    expect(result.FailedEntryCount).toBe(0);
    expect(result.Entries?.[0]?.EventId).toEqual(expect.any(String));
    const client = localClient(runtime.urls.dynamodb);
    const { Item } = await client.send(
      new GetItemCommand({
        TableName: runtime.tableName,
        Key: { pk: { S: `WS#${workspaceId}#MEMBER#u_alice` }, sk: { S: 'MEMBER' } },
      }),
    );
    client.destroy();
    expect(Item).toBeDefined();
    expect(
      runtime.bus.deadLetters().filter((letter) => letter.event.detail.workspaceId === workspaceId),
    ).toEqual([]);
  });

  it('keeps the accepted event as a real EventBridge envelope, readable over HTTP', async () => {
    const workspaceId = uniqueWorkspace();
    const result = await eventBridge.send(
      new PutEventsCommand({ Entries: [memberChangedEntry({ ...rawMemberChange(), workspaceId })] }),
    );
    await runtime.bus.idle();

    const response = await fetch(
      `${runtime.urls.events}/events?source=directory&detailType=Workspace%20Member%20Changed`,
    );
    const { events } = z
      .object({ events: z.array(z.object({ id: z.string(), time: z.string() }).loose()) })
      .parse(await response.json());
    const envelope = events.find((event) => event.id === result.Entries?.[0]?.EventId);
    expect(envelope).toMatchObject({
      version: '0',
      'detail-type': 'Workspace Member Changed',
      source: 'directory',
      account: '000000000000',
      region: 'us-east-1',
      resources: [],
      detail: { workspaceId },
    });
    expect(envelope?.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });

  it('reports invalid entries as failed and accepts the valid ones of the same request', async () => {
    const valid = memberChangedEntry({ ...rawMemberChange(), workspaceId: uniqueWorkspace() });

    const result = await eventBridge.send(
      new PutEventsCommand({
        Entries: [
          valid,
          { ...valid, Detail: '{not json' },
          { ...valid, Source: undefined },
          { ...valid, DetailType: undefined },
          { ...valid, EventBusName: 'another-bus' },
        ],
      }),
    );
    await runtime.bus.idle();

    expect(result.FailedEntryCount).toBe(4);
    expect(result.Entries?.[0]).toEqual({ EventId: expect.any(String) });
    expect(result.Entries?.slice(1).map((entry) => entry.ErrorCode)).toEqual([
      'MalformedDetail',
      'InvalidArgument',
      'InvalidArgument',
      'InvalidArgument',
    ]);
    expect(result.Entries?.[4]?.ErrorMessage).toMatch(/another-bus/);
  });

  it('accepts an event that no rule matches and keeps it readable', async () => {
    const marker = uniqueWorkspace();
    const result = await eventBridge.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'someone.else',
            DetailType: 'Something Happened',
            Detail: JSON.stringify({ marker }),
            EventBusName: runtime.eventBusName,
          },
        ],
      }),
    );
    await runtime.bus.idle();

    expect(result.FailedEntryCount).toBe(0);
    const kept = runtime.bus.events({ source: 'someone.else', detailType: 'Something Happened' });
    expect(kept.map((event) => event.detail.marker)).toContain(marker);
  });

  it("holds a burst of 300 member changes behind apply-member-change's cap: queued, then every one applied, none dead-lettered", async () => {
    const workspaceId = uniqueWorkspace();
    const cap = functions.find((fn) => fn.name === 'apply-member-change')?.concurrency ?? 0;
    const entries = Array.from({ length: 300 }, (_, i) =>
      memberChangedEntry({
        ...rawMemberChange(),
        workspaceId,
        userId: `u_burst_${i}`,
        mailboxes: [`burst${i}@acme.com`],
      }),
    );

    const results = await Promise.all(
      Array.from({ length: 30 }, (_, r) =>
        eventBridge.send(new PutEventsCommand({ Entries: entries.slice(r * 10, r * 10 + 10) })),
      ),
    );
    const ids = results.flatMap((result) => result.Entries?.map((entry) => entry.EventId ?? '') ?? []);
    const states = ids.map((id) => runtime.bus.deliveries(id)?.[0]?.status);
    await runtime.bus.idle();

    expect(ids).toHaveLength(300);
    expect(cap).toBe(BURST_CONCURRENCY);
    expect(states.filter((state) => state === 'pending').length).toBeLessThanOrEqual(cap);
    expect(states.filter((state) => state === 'queued').length).toBeGreaterThan(0);
    expect(ids.map((id) => runtime.bus.deliveries(id)?.[0]?.status)).toEqual(ids.map(() => 'delivered'));
    expect(
      runtime.bus.deadLetters().filter((letter) => letter.event.detail.workspaceId === workspaceId),
    ).toEqual([]);
  });

  it('dead-letters an invalid event at once, after exactly one attempt, with its reason (SQS SendMessage from the function)', async () => {
    const detail = { ...rawMemberChange(), workspaceId: 'not a valid workspace id!' };

    const result = await eventBridge.send(new PutEventsCommand({ Entries: [memberChangedEntry(detail)] }));
    await runtime.bus.idle();

    expect(result.FailedEntryCount).toBe(0);
    const eventId = result.Entries?.[0]?.EventId;
    const letters = runtime.bus.deadLetters().filter((letter) => letter.event.id === eventId);
    expect(letters).toEqual([
      expect.objectContaining({
        ruleName: 'MemberChanged',
        functionName: 'apply-member-change',
        attempts: 1,
        error: expect.stringMatching(/^Invalid event: detail\.workspaceId: /),
        issues: [expect.objectContaining({ path: 'detail.workspaceId' })],
      }),
    ]);
    expect(runtime.bus.deliveries(eventId ?? '')).toEqual([
      expect.objectContaining({ functionName: 'apply-member-change', status: 'dead-lettered', attempts: 1 }),
    ]);
    const overHttp = z
      .object({ deadLetters: z.array(z.object({ event: z.object({ id: z.string() }) })) })
      .parse(await (await fetch(`${runtime.urls.events}/dead-letters`)).json());
    expect(overHttp.deadLetters.map((letter) => letter.event.id)).toContain(eventId);
  });

  it('answers 400 UnknownOperationException to any other EventBridge operation', async () => {
    const response = await fetch(runtime.urls.events, {
      method: 'POST',
      headers: { 'x-amz-target': 'AWSEvents.ListRules', 'content-type': 'application/x-amz-json-1.1' },
      body: '{}',
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      __type: 'UnknownOperationException',
      message: expect.any(String),
    });
  });
});

describe('the local scheduler', () => {
  it('runs a manifest schedule on demand with a Scheduled Event envelope', async () => {
    await expect(runtime.scheduler.runNow('ExpireItems')).resolves.not.toThrow();
    expect(runtime.scheduler.names()).toEqual(expect.arrayContaining(['ExpireItems', 'RecoverSends']));
  });

  it('refuses an unknown schedule name', async () => {
    await expect(runtime.scheduler.runNow('Nope')).rejects.toThrow(/No schedule named Nope/);
  });
});

describe('stopping', () => {
  it('kills the DynamoDB Local Java process on stop()', async () => {
    const dynamodb = await startDynamoDbLocal();
    expect(isAlive(dynamodb.pid)).toBe(true);

    await dynamodb.stop();

    expect(isAlive(dynamodb.pid)).toBe(false);
  });

  it('npm start answers /health within 20 s, and on SIGINT stops with no Java process left', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'for-review-start-'));
    const started = Date.now();
    const child = spawn(join(REPO_ROOT, 'node_modules/.bin/tsx'), ['infra/local/start.ts'], {
      cwd: REPO_ROOT,
      // Not this worker's environment: the runtime above has pointed it at its own stand-ins.
      env: startEnv(dataDir),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const banner = await outputMatching(child, /java pid: (\d+)/, 20_000);
      const api = /API \(HTTP API gateway\)\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(banner)?.[1];
      const javaPid = Number(/java pid: (\d+)/.exec(banner)?.[1]);
      expect((await fetch(`${api}/health`)).status).toBe(200);
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(isAlive(javaPid)).toBe(true);

      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGINT');

      expect(await exited).toBe(0);
      expect(isAlive(javaPid)).toBe(false);
    } finally {
      child.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it.each(['SIGTERM', 'SIGHUP'] as const)(
    'npm start stops on %s sent to npm, as IDEs and process managers send it: every port free within 5 s',
    async (signal) => {
      const dataDir = await mkdtemp(join(tmpdir(), 'for-review-npm-start-'));
      const child = spawn('npm', ['start'], {
        cwd: REPO_ROOT,
        env: startEnv(dataDir),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      try {
        const banner = await outputMatching(child, /java pid: (\d+)/, 60_000);
        const javaPid = Number(/java pid: (\d+)/.exec(banner)?.[1]);
        const ports = [
          ...new Set([...banner.matchAll(/http:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]))),
        ];
        expect(ports).toHaveLength(4); // API, events, SES, DynamoDB Local
        expect(await Promise.all(ports.map(isFree))).toEqual([false, false, false, false]);

        child.kill(signal);
        const stoppedAt = Date.now();
        let free: boolean[] = [];
        while (Date.now() - stoppedAt < 5_000) {
          free = await Promise.all(ports.map(isFree));
          if (free.every(Boolean) && !isAlive(javaPid)) break;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }

        expect(free).toEqual([true, true, true, true]);
        expect(isAlive(javaPid)).toBe(false);
      } finally {
        child.kill('SIGKILL');
        // A runtime that outlived npm (the failure this test is about) must not outlive the test.
        const left = findRuntime(dataDir);
        if (left.state === 'running') {
          process.kill(left.info.pid, 'SIGKILL');
          if (left.info.dynamodbPid !== undefined && isAlive(left.info.dynamodbPid))
            process.kill(left.info.dynamodbPid, 'SIGKILL');
        }
        await rm(dataDir, { recursive: true, force: true });
      }
    },
    90_000,
  );
});

/** A local runtime's environment of its own: free ports, its data folder, nothing of this worker's stand-ins. */
function startEnv(dataDir: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    PORT: '0',
    EVENTS_PORT: '0',
    SES_PORT: '0',
    DYNAMODB_PORT: '0',
    LOCAL_DATA_DIR: dataDir,
    LOCAL_LOG_LEVEL: 'warn',
  };
}

/** Whether nothing listens on the port (on 127.0.0.1, or on every interface as DynamoDB Local does). */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Collects the child's stdout until it matches, or rejects with everything it printed. */
function outputMatching(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`no match for ${pattern} in ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (pattern.test(output)) {
        clearTimeout(timer);
        resolve(output);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code} before it was ready:\n${output}`));
    });
  });
}
