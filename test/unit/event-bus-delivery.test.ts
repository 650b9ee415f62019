/**
 * How the local bus delivers: a function's concurrency cap (a burst waits in its queue, first in first out, and
 * shows `queued`), retries with full jitter behind the queue, dead letters after the last attempt, and the SQS
 * SendMessage endpoint through which a function dead-letters an invalid event at once (with the real event
 * middleware and @aws-sdk/client-sqs). No DynamoDB: the handlers here are made up.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../infra/local/aws-identity.js';
import { DEFAULT_RETRY, fullJitterDelay } from '../../infra/local/delivery-queue.js';
import { type BusRule, type LocalEventBus, startEventBus } from '../../infra/local/event-bus.js';
import { applyEnvironment } from '../../infra/local/handler-env.js';
import { createHandlerInvoker, type HandlerInvoker } from '../../infra/local/handlers.js';
import { createLocalLog } from '../../infra/local/log.js';
import { REPO_ROOT } from '../../infra/local/paths.js';
import type { FunctionSpec } from '../../infra/manifest.js';

const PATTERN = { source: ['test'], 'detail-type': ['Thing Happened'] };
const spec = (name: string, concurrency?: number): FunctionSpec => ({
  name,
  description: 'test',
  triggers: [{ kind: 'event', ruleName: `${name}-rule`, pattern: PATTERN }],
  access: {},
  ...(concurrency === undefined ? {} : { concurrency }),
});
const ruleOf = (fn: FunctionSpec): BusRule => ({ ruleName: `${fn.name}-rule`, pattern: PATTERN, fn });

const started: LocalEventBus[] = [];
const clients: { destroy(): void }[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  for (const bus of started.splice(0)) await bus.stop();
});

async function busWith(
  rules: BusRule[],
  invoker: HandlerInvoker,
  options: Partial<Parameters<typeof startEventBus>[0]> = {},
) {
  const bus = await startEventBus({
    port: 0,
    eventBusName: 'for-review',
    rules,
    invoker,
    log: createLocalLog('silent', 'bus'),
    retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
    ...options,
  });
  started.push(bus);
  const eventBridge = new EventBridgeClient({
    endpoint: bus.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  clients.push(eventBridge);
  /** Puts n events (10 a request, as PutEvents takes), all at once; answers their ids in order. */
  const put = async (n: number, detail: (i: number) => Record<string, unknown> = (i) => ({ i })) => {
    const requests = [];
    for (let first = 0; first < n; first += 10) {
      const entries = Array.from({ length: Math.min(10, n - first) }, (_, k) => ({
        EventBusName: 'for-review',
        Source: 'test',
        DetailType: 'Thing Happened',
        Detail: JSON.stringify(detail(first + k)),
      }));
      requests.push(eventBridge.send(new PutEventsCommand({ Entries: entries })));
    }
    const results = await Promise.all(requests);
    return results.flatMap((r) => r.Entries?.map((e) => e.EventId as string) ?? []);
  };
  return { bus, put };
}

/** An invoker whose handler the test writes; it counts what runs at once. */
function fakeInvoker(
  handle: (fn: FunctionSpec, event: { detail: Record<string, unknown> }) => Promise<unknown>,
) {
  const stats = { running: 0, most: 0, started: [] as unknown[] };
  const invoker: HandlerInvoker = {
    async invoke(fn, event) {
      stats.running += 1;
      stats.most = Math.max(stats.most, stats.running);
      try {
        const envelope = event as { detail: Record<string, unknown> };
        stats.started.push(envelope.detail.i);
        return await handle(fn, envelope);
      } finally {
        stats.running -= 1;
      }
    },
  };
  return { invoker, stats };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('full jitter', () => {
  it('draws each retry delay between 0 and a ceiling that doubles from the base up to the maximum', () => {
    const policy = { attempts: 8, baseDelayMs: 100, maxDelayMs: 1_000 };
    const ceilings = [1, 2, 3, 4, 5, 6].map((retry) => fullJitterDelay(policy, retry, () => 0.999999));
    expect(ceilings).toEqual([99, 199, 399, 799, 999, 999]);
    expect(fullJitterDelay(policy, 3, () => 0)).toBe(0);
    expect(fullJitterDelay(policy, 3, () => 0.5)).toBe(200);
  });

  it('defaults to 8 attempts, 100 ms doubling to 10 s: at most 12.7 s of delays in all', () => {
    const most = [1, 2, 3, 4, 5, 6, 7].reduce(
      (sum, retry) => sum + fullJitterDelay(DEFAULT_RETRY, retry, () => 1),
      0,
    );
    expect(DEFAULT_RETRY).toEqual({ attempts: 8, baseDelayMs: 100, maxDelayMs: 10_000 });
    expect(most).toBe(12_700);
  });
});

describe('a concurrency cap', () => {
  it('never runs more than `concurrency` deliveries of a function at once: a burst waits, in order, and all get through', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { invoker, stats } = fakeInvoker(async () => {
      await gate;
      await sleep(1);
      return { outcome: 'ok' };
    });
    const { bus, put } = await busWith([ruleOf(spec('capped', 3))], invoker);

    const ids = await put(300);
    await sleep(20);
    const states = ids.map((id) => bus.deliveries(id)?.[0]?.status);
    release();
    await bus.idle();

    expect(states.filter((s) => s === 'pending')).toHaveLength(3);
    expect(states.filter((s) => s === 'queued')).toHaveLength(297);
    expect(stats.most).toBe(3);
    // First in, first out: in the order the bus accepted the events.
    expect(stats.started).toEqual(bus.events().map((event) => event.detail.i));
    expect(ids.map((id) => bus.deliveries(id)?.[0])).toEqual(
      ids.map(() => expect.objectContaining({ status: 'delivered', attempts: 1 })),
    );
    expect(bus.deadLetters()).toEqual([]);
  });

  it('shows a waiting delivery as queued over HTTP, and idle() waits for the whole queue', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { invoker } = fakeInvoker(() => gate);
    const { bus, put } = await busWith([ruleOf(spec('one-at-a-time', 1))], invoker);

    const [first, second] = await put(2);
    await sleep(20);
    const answer = await (await fetch(`${bus.endpoint}/deliveries?eventId=${second}`)).json();
    let idle = false;
    const waiting = bus.idle().then(() => {
      idle = true;
    });
    await sleep(20);

    expect(bus.deliveries(first as string)?.[0]).toMatchObject({ status: 'pending', attempts: 1 });
    expect(answer).toMatchObject({
      deliveries: [{ functionName: 'one-at-a-time', status: 'queued', attempts: 0 }],
    });
    expect(idle).toBe(false);
    release();
    await waiting;
    expect(bus.deliveries(second as string)?.[0]).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('caps each function on its own, and leaves a function without a cap uncapped', async () => {
    const { invoker, stats } = fakeInvoker(async () => sleep(30));
    const byFunction = new Map<string, { running: number; most: number }>();
    const counting: HandlerInvoker = {
      async invoke(fn, event) {
        const s = byFunction.get(fn.name) ?? { running: 0, most: 0 };
        byFunction.set(fn.name, s);
        s.running += 1;
        s.most = Math.max(s.most, s.running);
        try {
          return await invoker.invoke(fn, event);
        } finally {
          s.running -= 1;
        }
      },
    };
    const { bus, put } = await busWith(
      [ruleOf(spec('two', 2)), ruleOf(spec('five', 5)), ruleOf(spec('free'))],
      counting,
    );

    await put(50);
    await bus.idle();

    expect(byFunction.get('two')?.most).toBe(2);
    expect(byFunction.get('five')?.most).toBe(5);
    // Uncapped: every delivery of a PutEvents request (10 here) at once, at least.
    expect(byFunction.get('free')?.most).toBeGreaterThanOrEqual(10);
    expect(stats.started).toHaveLength(150);
  });

  it('refuses a cap that is not a whole number of at least 1', async () => {
    const { invoker } = fakeInvoker(async () => undefined);
    await expect(busWith([ruleOf(spec('zero', 0))], invoker)).rejects.toThrow(/zero: concurrency/);
    await expect(busWith([ruleOf(spec('half', 1.5))], invoker)).rejects.toThrow(/half: concurrency/);
  });
});

describe('retries', () => {
  it('retries a failed delivery after a jittered delay, behind the deliveries queued meanwhile', async () => {
    const failures = new Map<unknown, number>([[0, 2]]);
    const { invoker, stats } = fakeInvoker(async (_fn, event) => {
      await sleep(3);
      const left = failures.get(event.detail.i) ?? 0;
      if (left > 0) {
        failures.set(event.detail.i, left - 1);
        throw new Error('DynamoDB Local timed out');
      }
      return { outcome: 'ok' };
    });
    const draws: number[] = [];
    const { bus, put } = await busWith([ruleOf(spec('serial', 1))], invoker, {
      retry: { attempts: 3, baseDelayMs: 4, maxDelayMs: 100 },
      random: () => {
        draws.push(1);
        return 0.99;
      },
    });

    const [first] = await put(5);
    await bus.idle();

    expect(bus.deliveries(first as string)?.[0]).toMatchObject({ status: 'delivered', attempts: 3 });
    expect(draws).toHaveLength(2);
    // Event 0 failed first (then waited 3 ms, 0.99 of 4 ms); its retry went behind the 4 events queued before
    // it failed, and its second retry (7 ms) found the queue empty.
    expect(stats.started).toEqual([0, 1, 2, 3, 4, 0, 0]);
    expect(bus.deadLetters()).toEqual([]);
  });

  it('dead-letters a delivery whose every attempt failed, with the last error and the attempts', async () => {
    const { invoker } = fakeInvoker(async () => {
      throw new Error('still broken');
    });
    const { bus, put } = await busWith([ruleOf(spec('broken', 2))], invoker, { retryDelaysMs: [1, 1, 1] });

    const [id] = await put(1);
    await bus.idle();

    expect(bus.deliveries(id as string)?.[0]).toMatchObject({ status: 'dead-lettered', attempts: 4 });
    expect(bus.deadLetters()).toEqual([
      expect.objectContaining({
        ruleName: 'broken-rule',
        functionName: 'broken',
        attempts: 4,
        error: expect.stringContaining('still broken'),
      }),
    ]);
  });

  it('drops queued deliveries on stop, and idle() resolves', async () => {
    const { invoker, stats } = fakeInvoker(() => sleep(30));
    const { bus, put } = await busWith([ruleOf(spec('slow', 1))], invoker);

    await put(20);
    await sleep(5);
    await bus.stop();
    started.splice(started.indexOf(bus), 1);

    await bus.idle();
    expect(stats.started.length).toBeLessThan(3);
  });
});

describe('SQS SendMessage: a function dead-letters an invalid event at once', () => {
  let root: string | undefined;
  let restoreEnv: (() => void) | undefined;
  afterEach(async () => {
    restoreEnv?.();
    restoreEnv = undefined;
    if (root) await rm(root, { recursive: true, force: true });
    root = undefined;
  });

  /**
   * Handlers under a temporary root, built with the real event middleware (shared/events/event-function.ts): a
   * detail must be `{ n: number }`; `flaky` throws on its first two invocations of a valid event.
   */
  async function realHandlers() {
    root = await mkdtemp(join(tmpdir(), 'bus-dead-letters-'));
    await mkdir(join(root, 'functions'));
    const eventFunction = pathToFileURL(join(REPO_ROOT, 'shared/events/event-function.ts')).href;
    const source = (body: string) => `import * as z from 'zod/mini';
import { eventFunction } from ${JSON.stringify(eventFunction)};
const counts = ((globalThis as any).__busTestCounts ??= {});
export const handler = eventFunction(z.object({ n: z.number() }), async (detail) => {
${body}
});
`;
    await writeFile(join(root, 'functions/strict.ts'), source('  return { outcome: "ok", n: detail.n };'));
    await writeFile(
      join(root, 'functions/flaky.ts'),
      source(`  counts.flaky = (counts.flaky ?? 0) + 1;
  if (counts.flaky <= 2) throw new Error('DynamoDB Local timed out');
  return { outcome: 'ok', n: detail.n };`),
    );
    return createHandlerInvoker(root);
  }

  it('records an invalid event after exactly one attempt, with its reason; a valid event whose handler throws is retried', async () => {
    const invoker = await realHandlers();
    const strict = spec('strict', 2);
    const flaky = spec('flaky', 2);
    const { bus, put } = await busWith([ruleOf(strict), ruleOf(flaky)], invoker, {
      retryDelaysMs: [1, 1, 1, 1],
    });
    restoreEnv = applyEnvironment({
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_SQS: bus.endpoint,
      DEAD_LETTER_QUEUE_URL: bus.failureQueueUrl,
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });

    const [invalid] = await put(1, () => ({ n: 'not a number' }));
    await bus.idle();
    const [valid] = await put(1, () => ({ n: 7 }));
    await bus.idle();

    const invalidDeliveries = bus.deliveries(invalid as string);
    expect(invalidDeliveries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          functionName: 'strict',
          status: 'dead-lettered',
          attempts: 1,
          error: expect.stringMatching(/^Invalid event: detail\.n: /),
        }),
        // The same invalid event to flaky: dead-lettered at once too, never reaching its throwing handler.
        expect.objectContaining({ functionName: 'flaky', status: 'dead-lettered', attempts: 1 }),
      ]),
    );
    const letters = bus.deadLetters().filter((letter) => letter.event.id === invalid);
    expect(letters).toHaveLength(2);
    expect(letters.find((l) => l.functionName === 'strict')).toMatchObject({
      ruleName: 'strict-rule',
      attempts: 1,
      error: expect.stringMatching(/^Invalid event: detail\.n: /),
      issues: [expect.objectContaining({ path: 'detail.n' })],
      event: { id: invalid, source: 'test', detail: { n: 'not a number' } },
    });
    const overHttp = (await (await fetch(`${bus.endpoint}/dead-letters`)).json()) as {
      deadLetters: { event: { id: string } }[];
    };
    expect(overHttp.deadLetters.map((letter) => letter.event.id)).toContain(invalid);

    expect(bus.deliveries(valid as string)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ functionName: 'flaky', status: 'delivered', attempts: 3 }),
        expect.objectContaining({ functionName: 'strict', status: 'delivered', attempts: 1 }),
      ]),
    );
    expect(bus.deadLetters().filter((letter) => letter.event.id === valid)).toEqual([]);
  });

  it('answers SendMessage as SQS does: the body MD5 the SDK checks, and QueueDoesNotExist for another queue', async () => {
    const { invoker } = fakeInvoker(async () => undefined);
    const { bus } = await busWith([ruleOf(spec('strict', 2))], invoker);
    const sqs = new SQSClient({
      endpoint: bus.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    clients.push(sqs);
    const event = { id: 'e-1', source: 'test', 'detail-type': 'Thing Happened', detail: { n: 'x' } };
    const body = JSON.stringify({
      reason: 'Invalid event: detail.n: nope',
      issues: [],
      functionName: 'strict',
      event,
    });

    const sent = await sqs.send(new SendMessageCommand({ QueueUrl: bus.failureQueueUrl, MessageBody: body }));

    expect(sent.MessageId).toEqual(expect.any(String));
    expect(bus.deadLetters()).toEqual([
      expect.objectContaining({ functionName: 'strict', ruleName: 'strict-rule', attempts: 1, event }),
    ]);
    await expect(
      sqs.send(new SendMessageCommand({ QueueUrl: `${bus.endpoint}/000000000000/other`, MessageBody: body })),
    ).rejects.toMatchObject({ name: 'QueueDoesNotExist' });
    await expect(
      sqs.send(
        new SendMessageCommand({ QueueUrl: bus.failureQueueUrl, MessageBody: '{"not":"a dead letter"}' }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidMessageContents' });
  });
});
