/**
 * spec 7's fault switch and the outbox's local half, through the local runtime: the bus fails the system's
 * own PutEvents as EventBridge does under an outage, the stream reader feeds the real publish-outbox function
 * from DynamoDB Local's stream, and every event a committed record carries still reaches `GET /events`.
 *
 * The outbox records are written straight to the table (the store's own writers are not what is under test);
 * the function is the repository's functions/publish-outbox.ts, wrapped so a test can make it crash between
 * reading the stream and calling PutEvents.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../infra/local/aws-identity.js';
import { localClient } from '../../infra/local/dynamodb-local.js';
import { REPO_ROOT } from '../../infra/local/paths.js';
import type { RuntimeHandle } from '../../infra/local/runtime.js';
import { streamConsumers } from '../../infra/manifest.js';
import { OUTBOX_ATTRIBUTE } from '../../shared/events/outbox.js';
import { startTestRuntime } from '../support/runtime.js';

interface PublisherFaults {
  /** The next n invocations throw before publishing anything. */
  crashNext: number;
  crashed: number;
  /** Invocations whose batch holds a record with this `marker` always throw. */
  poison?: string;
}
declare global {
  var __publisherFaults: PublisherFaults | undefined;
}

let runtime: RuntimeHandle;
let handlersRoot: string;
let dynamodb: DynamoDBClient;
let eventBridge: EventBridgeClient;

beforeAll(async () => {
  handlersRoot = await mkdtemp(join(tmpdir(), 'outbox-faults-'));
  await mkdir(join(handlersRoot, 'functions'));
  const real = pathToFileURL(join(REPO_ROOT, 'functions/publish-outbox.ts')).href;
  await writeFile(
    join(handlersRoot, 'functions/publish-outbox.ts'),
    `import { handler as real } from ${JSON.stringify(real)};
export const handler = async (event: any, context: any) => {
  const faults = (globalThis as any).__publisherFaults;
  if (faults && faults.crashNext > 0) {
    faults.crashNext -= 1;
    faults.crashed += 1;
    throw new Error('crashed between reading the stream and PutEvents');
  }
  if (faults?.poison && event.Records.some((r: any) => r.dynamodb?.NewImage?.marker?.S === faults.poison))
    throw new Error('poison record');
  return real(event, context);
};
`,
  );
  // The outbox records are made up here (no real item change), so their events are not held to the published
  // schemas (test/support/runtime.ts); every other e2e suite's are.
  // Only the outbox's consumer reads the stream here: the handlers root holds publish-outbox alone.
  runtime = await startTestRuntime({
    handlersRoot,
    checkEventSchemas: false,
    streamConsumers: streamConsumers.filter((consumer) => consumer.fn.name === 'publish-outbox'),
  });
  dynamodb = localClient(runtime.urls.dynamodb);
  eventBridge = new EventBridgeClient({
    endpoint: runtime.urls.events,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
});

afterAll(async () => {
  globalThis.__publisherFaults = undefined;
  eventBridge?.destroy();
  dynamodb?.destroy();
  await runtime?.stop();
  await rm(handlersRoot, { recursive: true, force: true });
});

beforeEach(() => {
  globalThis.__publisherFaults = { crashNext: 0, crashed: 0 };
  runtime.bus.failPutEvents(0);
});

const unique = (prefix: string) => `${prefix}_${Math.random().toString(36).slice(2, 10)}`;

const entry = (source: string): PutEventsRequestEntry => ({
  Source: source,
  DetailType: 'Fault Probe',
  Detail: JSON.stringify({ probe: unique('p') }),
  EventBusName: runtime.eventBusName,
});

const faultsOverHttp = async () =>
  z.object({ failPutEvents: z.number() }).parse(await (await fetch(`${runtime.urls.events}/faults`)).json());

const setFaults = (body: string) =>
  fetch(`${runtime.urls.events}/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });

interface Written {
  eventId: string;
  itemId: string;
  version: number;
}

/**
 * Commits `items` items with `versions` changes each, as the store would: one record per change, its events
 * in the record (the outbox). Answers the events written.
 */
async function commitChanges(
  workspaceId: string,
  items: number,
  versions: number,
  options: { marker?: string; firstVersion?: number } = {},
) {
  const { marker, firstVersion = 1 } = options;
  const written: Written[] = [];
  for (let version = firstVersion; version < firstVersion + versions; version += 1) {
    for (let index = 0; index < items; index += 1) {
      const itemId = `ri_${workspaceId}_${index}`;
      const eventId = `${itemId}-v${version}`;
      written.push({ eventId, itemId, version });
      await dynamodb.send(
        new PutItemCommand({
          TableName: runtime.tableName,
          Item: marshall({
            pk: `TEST#${workspaceId}#${itemId}`,
            sk: `HISTORY#${String(version).padStart(6, '0')}`,
            entity: 'Outbox',
            ...(marker ? { marker } : {}),
            [OUTBOX_ATTRIBUTE]: [
              { detailType: 'Review Item Edited', detail: { eventId, workspaceId, itemId, version } },
            ],
          }),
        }),
      );
    }
  }
  return written;
}

/** The system's events about the workspace on the bus, as GET /events answers them. */
async function eventsOnBus(workspaceId: string) {
  const response = await fetch(`${runtime.urls.events}/events?source=for-review`);
  const { events } = z
    .object({ events: z.array(z.object({ detail: z.record(z.string(), z.unknown()) }).loose()) })
    .parse(await response.json());
  const detail = z
    .object({ workspaceId: z.string(), eventId: z.string(), itemId: z.string(), version: z.number() })
    .loose();
  return events
    .filter((event) => event.detail.workspaceId === workspaceId)
    .map((event) => detail.parse(event.detail));
}

/** Every written event arrived; after de-duplication by eventId, each item's versions increase. */
async function expectAllArrived(workspaceId: string, written: Written[]) {
  const arrived = await eventsOnBus(workspaceId);
  const firsts = new Map<string, (typeof arrived)[number]>();
  for (const detail of arrived) if (!firsts.has(detail.eventId)) firsts.set(detail.eventId, detail);
  expect([...firsts.keys()].sort()).toEqual(written.map((w) => w.eventId).sort());
  const versionsByItem = new Map<string, number[]>();
  for (const detail of firsts.values())
    versionsByItem.set(detail.itemId, [...(versionsByItem.get(detail.itemId) ?? []), detail.version]);
  for (const versions of versionsByItem.values())
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
  return arrived;
}

describe('the fault switch (POST/GET /faults on the events port)', () => {
  it('answers what is left, and refuses a body that is not {"failPutEvents": <integer ≥ 0>}', async () => {
    expect(await faultsOverHttp()).toEqual({ failPutEvents: 0 });

    for (const body of [
      'nope',
      '{}',
      '{"failPutEvents":-1}',
      '{"failPutEvents":1.5}',
      '{"failPutEvents":"3"}',
      '{"failPutEvents":1,"x":2}',
      '[]',
    ]) {
      const response = await setFaults(body);
      expect(response.status, body).toBe(400);
      expect(await response.json()).toMatchObject({ message: expect.stringContaining('failPutEvents') });
    }
    expect(await faultsOverHttp()).toEqual({ failPutEvents: 0 });

    const set = await setFaults('{"failPutEvents": 4}');
    expect(set.status).toBe(200);
    expect(await set.json()).toEqual({ failPutEvents: 4 });
    expect(await faultsOverHttp()).toEqual({ failPutEvents: 4 });
    expect(runtime.bus.faults()).toEqual({ failPutEvents: 4 });
  });

  it("fails only the system's own PutEvents, as EventBridge does under an outage; each SDK attempt spends one", async () => {
    runtime.bus.failPutEvents(4);

    const fromAutomation = await eventBridge.send(new PutEventsCommand({ Entries: [entry('automations')] }));
    const mixed = await eventBridge.send(
      new PutEventsCommand({ Entries: [entry('for-review'), entry('directory')] }),
    );
    expect(fromAutomation.FailedEntryCount).toBe(0);
    expect(mixed.FailedEntryCount).toBe(0);
    expect(runtime.bus.faults()).toEqual({ failPutEvents: 4 });

    const own = eventBridge.send(new PutEventsCommand({ Entries: [entry('for-review')] }));
    await expect(own).rejects.toMatchObject({ name: 'InternalException', $metadata: { attempts: 3 } });
    expect(await faultsOverHttp()).toEqual({ failPutEvents: 1 });

    const raw = await fetch(runtime.urls.events, {
      method: 'POST',
      headers: { 'x-amz-target': 'AWSEvents.PutEvents', 'content-type': 'application/x-amz-json-1.1' },
      body: JSON.stringify({ Entries: [entry('for-review')] }),
    });
    expect(raw.status).toBe(500);
    expect(raw.headers.get('x-amzn-errortype')).toBe('InternalException');
    expect(await raw.json()).toEqual({ __type: 'InternalException', message: expect.any(String) });
    expect(runtime.bus.faults()).toEqual({ failPutEvents: 0 });

    const after = await eventBridge.send(new PutEventsCommand({ Entries: [entry('for-review')] }));
    expect(after.FailedEntryCount).toBe(0);
  });
});

describe('no event lost: the outbox through the stream and publish-outbox', () => {
  it.each([1, 3, 10])(
    'with the bus failing the first %i PutEvents, every committed event reaches GET /events once the faults are spent',
    async (faults) => {
      const workspaceId = unique('ws_faults');
      runtime.bus.failPutEvents(faults);

      const written = await commitChanges(workspaceId, 3, 3);
      await runtime.idle();

      await expectAllArrived(workspaceId, written);
      expect(runtime.bus.faults()).toEqual({ failPutEvents: 0 });
      expect(runtime.streams.failures()).toEqual([]);
    },
  );

  it('with the publisher crashing between reading the stream and PutEvents, the batch is retried and nothing is lost', async () => {
    const workspaceId = unique('ws_crash');
    globalThis.__publisherFaults = { crashNext: 2, crashed: 0 };

    const written = await commitChanges(workspaceId, 2, 2);
    await runtime.idle();

    expect(globalThis.__publisherFaults.crashed).toBe(2);
    const arrived = await expectAllArrived(workspaceId, written);
    expect(arrived).toHaveLength(written.length); // a crash before PutEvents publishes nothing twice
  });

  it('sends a record that can never be published to the on-failure list (GET /stream-failures) and publishes the rest', async () => {
    const workspaceId = unique('ws_poison');
    const good = await commitChanges(workspaceId, 2, 1);
    const poison = unique('poison');
    globalThis.__publisherFaults = { crashNext: 0, crashed: 0, poison };
    await commitChanges(`${workspaceId}_bad`, 1, 1, { marker: poison });
    const later = await commitChanges(workspaceId, 2, 1, { firstVersion: 2 });
    await runtime.idle();

    await expectAllArrived(workspaceId, [...good, ...later]);
    expect(await eventsOnBus(`${workspaceId}_bad`)).toEqual([]);
    const failures = z
      .object({
        failures: z.array(z.object({ functionName: z.string(), records: z.array(z.unknown()) }).loose()),
      })
      .parse(await (await fetch(`${runtime.urls.events}/stream-failures`)).json()).failures;
    const ours = failures.filter((failure) => JSON.stringify(failure.records).includes(poison));
    expect(ours).toEqual([
      expect.objectContaining({ functionName: 'publish-outbox', records: [expect.anything()] }),
    ]);
    expect(runtime.streams.failures().filter((f) => JSON.stringify(f.records).includes(poison))).toHaveLength(
      1,
    );
  });

  it('idle() waits for the stream: a commit made just before it is published when it resolves', async () => {
    for (let round = 0; round < 5; round += 1) {
      const workspaceId = unique('ws_idle');
      const written = await commitChanges(workspaceId, 1, 1);
      await runtime.bus.idle();
      expect((await eventsOnBus(workspaceId)).map((d) => d.eventId)).toEqual(written.map((w) => w.eventId));
    }
  });
});
