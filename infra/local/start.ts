/**
 * `npm start [-- --fresh]`: the whole system on 127.0.0.1 with no AWS account (SPEC 7).
 * Ports: PORT (API, 3000), EVENTS_PORT (4010), SES_PORT (8005), DYNAMODB_PORT (8000).
 * Also: TABLE_NAME, EVENT_BUS_NAME, LOCAL_DATA_DIR (.local), LOCAL_LOG_LEVEL (info), POWERTOOLS_LOG_LEVEL (WARN).
 */
import { parseArgs } from 'node:util';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { EVENT_PATTERNS } from '../manifest.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './aws-identity.js';
import { StartupError } from './errors.js';
import { describeError } from './log.js';
import { type RuntimeHandle, startRuntime } from './runtime.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const DUPLICATE_SIGNAL_MS = 1_000;
const DEMO = { workspaceId: 'ws_demo', userId: 'u_demo', mailbox: 'demo@example.com' };

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { fresh: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
  });
  if (values.help) {
    console.log('Usage: npm start [-- --fresh]   (--fresh wipes the local data folder first)');
    return;
  }
  const started = Date.now();
  const runtime = await startRuntime({ fresh: values.fresh });
  stopOnSignals(runtime);
  await seedDemoMember(runtime);
  const token = await runtime.token(DEMO.workspaceId, DEMO.userId, '24h');
  console.log(banner(runtime, token, Date.now() - started));
}

/** The demo user joins ws_demo as an admin, through the bus like any directory event (an old changedAt never wins). */
async function seedDemoMember(runtime: RuntimeHandle): Promise<void> {
  const client = new EventBridgeClient({
    endpoint: runtime.urls.events,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  const [source] = EVENT_PATTERNS.memberChanged.source;
  const [detailType] = EVENT_PATTERNS.memberChanged['detail-type'];
  const detail = {
    workspaceId: DEMO.workspaceId,
    userId: DEMO.userId,
    role: 'admin',
    mailboxes: [DEMO.mailbox],
    active: true,
    changedAt: '2000-01-01T00:00:00.000Z',
  };
  try {
    await client.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: source,
            DetailType: detailType,
            Detail: JSON.stringify(detail),
            EventBusName: runtime.eventBusName,
          },
        ],
      }),
    );
  } finally {
    client.destroy();
  }
}

function banner(runtime: RuntimeHandle, token: string, elapsedMs: number): string {
  const { urls } = runtime;
  return `
For review is running locally (ready in ${(elapsedMs / 1_000).toFixed(1)} s). Ctrl-C stops everything.

  API (HTTP API gateway)   ${urls.api}          health: ${urls.api}/health
  EventBridge endpoint     ${urls.events}          bus: ${runtime.eventBusName}   events: ${urls.events}/events   dead letters: ${urls.events}/dead-letters
  SES (sent mail web view) ${urls.sesWebView}         JSON: ${urls.ses}/store
  DynamoDB Local           ${urls.dynamodb}          table: ${runtime.tableName}   java pid: ${runtime.dynamodbPid ?? '(external)'}
  JWKS                     ${urls.jwks}
  Data folder              ${runtime.dataDir}   (npm start -- --fresh wipes it)

Demo user ${DEMO.userId}, admin of ${DEMO.workspaceId}, mailbox ${DEMO.mailbox}. Token (24 h):
  ${token}

Another token:   npm run -s token -- --workspace ${DEMO.workspaceId} --user u_alice
Webhook secret:  ${runtime.webhookSecret}

Try:
  TOKEN=$(npm run -s token -- --workspace ${DEMO.workspaceId} --user ${DEMO.userId})
  curl -s -H "Authorization: Bearer $TOKEN" ${urls.api}/review-items

Send events with @aws-sdk/client-eventbridge: new EventBridgeClient({ endpoint: '${urls.events}', region: '${LOCAL_REGION}' })
and PutEvents with EventBusName '${runtime.eventBusName}' (any credentials).
`;
}

/**
 * The first SIGINT/SIGTERM stops everything in order. One Ctrl-C can arrive twice (tsx relays it to this
 * process when the terminal's copy is slow to be noticed), so only a signal a second later forces exit.
 */
function stopOnSignals(runtime: RuntimeHandle): void {
  let firstSignalAt: number | undefined;
  const stop = (signal: NodeJS.Signals) => {
    if (firstSignalAt !== undefined) {
      if (Date.now() - firstSignalAt < DUPLICATE_SIGNAL_MS) return;
      console.error(`\n${signal} again: exiting now.`);
      process.exit(1); // the 'exit' hook still kills DynamoDB Local
    }
    firstSignalAt = Date.now();
    console.log(`\n${signal}: stopping…`);
    runtime.stop().then(
      () => {
        console.log('Stopped.');
        process.exit(0);
      },
      (error: unknown) => {
        console.error(`Stopping failed: ${describeError(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  if (error instanceof StartupError) console.error(`✖ ${error.message}`);
  else console.error(error);
  process.exit(1);
});
