/**
 * `npm run send-event -- <file.json> [--no-wait]`: puts one event on the bus exactly as an automation run
 * would, with `@aws-sdk/client-eventbridge`. The file holds `{ "source", "detail-type", "detail" }`.
 *
 * Where it goes (environment variables win): AWS_ENDPOINT_URL_EVENTBRIDGE (set it to "" and use real
 * credentials to send to AWS), EVENTS_PORT, else the `npm start` running with the data folder
 * (LOCAL_DATA_DIR, default .local/; it writes runtime.json there), else port 4010. EVENT_BUS_NAME likewise.
 *
 * On the local bus it then waits for the rules' functions and says what each made of the event (created,
 * replaced, ignored, dropped with its reason, dead-lettered with its error). Stdout carries only the item
 * id when the result names one, so `ID=$(npm run -s send-event -- docs/examples/demo-proposal.json)` works;
 * everything else goes to stderr.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandOutput,
} from '@aws-sdk/client-eventbridge';
import * as z from 'zod';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../infra/local/aws-identity.js';
import { dataDirFromEnv } from '../infra/local/data-dir.js';
import { type Delivery, outcomeOf } from '../infra/local/event-bus.js';
import { busTarget } from '../infra/local/runtime-info.js';

const USAGE =
  'Usage: npm run send-event -- <file.json> [--no-wait]   (file: { "source", "detail-type", "detail" })';
const WAIT_MS = 30_000;

const eventFileSchema = z.object({
  source: z.string().min(1),
  'detail-type': z.string().min(1),
  detail: z.record(z.string(), z.unknown()),
});

const deliveriesSchema = z.object({
  deliveries: z.array(
    z
      .object({
        ruleName: z.string(),
        functionName: z.string(),
        status: z.enum(['queued', 'pending', 'delivered', 'dead-lettered']),
        attempts: z.number(),
        result: z.unknown().optional(),
        error: z.string().optional(),
      })
      .loose(),
  ),
});

class UsageError extends Error {}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { 'no-wait': { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
  });
  if (values.help) {
    console.error(USAGE);
    return 0;
  }
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new UsageError('Give one event file');
  const event = readEventFile(file);

  const target = busTarget(process.env, dataDirFromEnv());
  const where = target.endpoint ?? 'AWS';
  console.error(
    `Sending ${event.source} / ${event['detail-type']} to ${where}, bus ${target.eventBusName} (from ${target.from})`,
  );
  const client = new EventBridgeClient(
    target.endpoint === undefined
      ? {}
      : { endpoint: target.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 },
  );
  let out: PutEventsCommandOutput;
  try {
    out = await client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: target.eventBusName,
            Source: event.source,
            DetailType: event['detail-type'],
            Detail: JSON.stringify(event.detail),
          },
        ],
      }),
    );
  } catch (error) {
    if (isConnectionRefused(error)) {
      console.error(
        `✖ Nothing answers at ${where}: is \`npm start\` running? It writes runtime.json in its data folder ` +
          '(LOCAL_DATA_DIR, default .local/); set LOCAL_DATA_DIR here too if you changed it there, or EVENTS_PORT.',
      );
      return 1;
    }
    throw error;
  } finally {
    client.destroy();
  }
  const [entry] = out.Entries ?? [];
  if (!entry?.EventId || out.FailedEntryCount) {
    console.error(`✖ The bus refused the event: ${entry?.ErrorCode ?? '?'}: ${entry?.ErrorMessage ?? ''}`);
    return 1;
  }
  console.error(`  accepted, event id ${entry.EventId}`);
  if (target.endpoint === undefined || values['no-wait']) return 0;
  return reportDeliveries(target.endpoint, entry.EventId);
}

function readEventFile(file: string): z.infer<typeof eventFileSchema> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`Cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UsageError(`${file} is not JSON`);
  }
  const parsed = eventFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`${file}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** Waits for the local bus's deliveries of the event and says what each function made of it. */
async function reportDeliveries(endpoint: string, eventId: string): Promise<number> {
  const deadline = Date.now() + WAIT_MS;
  let deliveries: Delivery[] = [];
  for (;;) {
    const response = await fetch(`${endpoint}/deliveries?eventId=${encodeURIComponent(eventId)}`);
    if (response.status !== 200) {
      console.error(`  (the bus at ${endpoint} does not report deliveries: ${response.status})`);
      return 0;
    }
    deliveries = deliveriesSchema.parse(await response.json()).deliveries;
    const settled = (d: Delivery) => d.status === 'delivered' || d.status === 'dead-lettered';
    if (deliveries.every(settled)) break;
    if (Date.now() > deadline) {
      console.error(`  still being delivered after ${WAIT_MS / 1_000} s; see the npm start log`);
      return 1;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (deliveries.length === 0)
    console.error('  no rule matches it: kept on the bus (GET /events), delivered to no function');
  let itemId: string | undefined;
  let failed = false;
  for (const delivery of deliveries) {
    if (delivery.status === 'dead-lettered') {
      failed = true;
      console.error(
        `  → ${delivery.functionName}: dead-lettered after ${delivery.attempts} attempt${delivery.attempts === 1 ? '' : 's'}: ${delivery.error ?? '?'}`,
      );
      continue;
    }
    console.error(`  → ${delivery.functionName}: ${outcomeOf(delivery.result)}`);
    const id = (delivery.result as { itemId?: unknown } | undefined)?.itemId;
    if (typeof id === 'string') itemId ??= id;
  }
  if (itemId) console.log(itemId);
  return failed ? 1 : 0;
}

function isConnectionRefused(error: unknown): boolean {
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    if ('code' in cause && (cause.code === 'ECONNREFUSED' || cause.code === 'ECONNRESET')) return true;
    if (cause instanceof AggregateError && cause.errors.some(isConnectionRefused)) return true;
  }
  return false;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) console.error(`✖ ${error.message}\n${USAGE}`);
    else console.error(`✖ ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
