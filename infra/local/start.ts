/**
 * `npm start [-- --fresh]`: the whole system on 127.0.0.1 (DynamoDB Local listens on every interface: its jar
 * takes no bind address) with no AWS account (spec 7).
 * Ports: PORT (API, 3000), EVENTS_PORT (4010), SES_PORT (8005), DYNAMODB_PORT (8000).
 * Also: TABLE_NAME, EVENT_BUS_NAME, LOCAL_DATA_DIR (.local), LOCAL_LOG_LEVEL (info), POWERTOOLS_LOG_LEVEL (WARN),
 * CORS_ORIGINS (http://localhost:*,http://127.0.0.1:*), DYNAMODB_CONFLICT_WINDOW_MS (unset or 0: off; n: DynamoDB's
 * conflict rule between the handlers and DynamoDB Local with an n ms commit window, infra/local/conflict-rule.ts).
 *
 * Once up it writes `<dataDir>/runtime.json` (its URLs), which `npm run send-event` and `npm run token` read.
 */

import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { EVENT_PATTERNS } from '../manifest.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './aws-identity.js';
import { dataDirFromEnv } from './data-dir.js';
import { PortInUseError, StartupError } from './errors.js';
import { DEFAULT_TOKEN_LIFETIME } from './jwt-issuer.js';
import { describeError } from './log.js';
import { DEFAULT_DATA_DIR, REPO_ROOT } from './paths.js';
import { type RuntimeHandle, startRuntime } from './runtime.js';
import { portHolder, removeRuntimeInfo, runtimeInfoFile, writeRuntimeInfo } from './runtime-info.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const DUPLICATE_SIGNAL_MS = 1_000;
/** How often a runtime started by npm checks that npm still runs. */
const NPM_CHECK_MS = 250;
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
  const demo = await seedDemoMember(runtime);
  await writeRuntimeInfo({
    pid: process.pid,
    startedAt: new Date().toISOString(),
    dataDir: runtime.dataDir,
    tableName: runtime.tableName,
    eventBusName: runtime.eventBusName,
    dynamodbPid: runtime.dynamodbPid,
    urls: runtime.urls,
  });
  const token = demo.member ? await runtime.token(DEMO.workspaceId, DEMO.userId) : undefined;
  console.log(banner(runtime, token, demo.note, Date.now() - started));
}

interface DemoMember {
  /** The directory applied the seed (or keeps a newer change of the demo user, which may be inactive). */
  member: boolean;
  note: string;
}

/**
 * The demo user joins ws_demo as an admin, through the bus like any directory event (an old changedAt never
 * wins), and the banner says what became of it: it only suggests a member that exists.
 */
async function seedDemoMember(runtime: RuntimeHandle): Promise<DemoMember> {
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
  let eventId: string | undefined;
  try {
    const out = await client.send(
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
    eventId = out.Entries?.[0]?.EventId;
  } finally {
    client.destroy();
  }
  await runtime.idle();
  const delivery = eventId === undefined ? undefined : runtime.bus.deliveries(eventId)?.[0];
  if (delivery?.status !== 'delivered') {
    return {
      member: false,
      note: `The demo member could not be added (${delivery?.error ?? 'the event was refused'}): see the log above.`,
    };
  }
  const applied = (delivery.result as { applied?: unknown } | undefined)?.applied === true;
  return {
    member: true,
    note: applied
      ? `Demo user ${DEMO.userId}: admin of ${DEMO.workspaceId}, mailbox ${DEMO.mailbox}.`
      : `Demo user ${DEMO.userId}: a later Workspace Member Changed for it is kept (it may be inactive or no admin).`,
  };
}

function banner(
  runtime: RuntimeHandle,
  token: string | undefined,
  demoNote: string,
  elapsedMs: number,
): string {
  const { urls } = runtime;
  const dataDir = displayPath(runtime.dataDir);
  const otherFolder = runtime.dataDir !== DEFAULT_DATA_DIR;
  const tokenLines = token
    ? `Token for ${DEMO.userId} (${DEFAULT_TOKEN_LIFETIME}):\n  ${token}\n`
    : 'No demo token: the demo member is not there.\n';
  return `
For review is running locally (ready in ${(elapsedMs / 1_000).toFixed(1)} s). Ctrl-C (or SIGTERM, SIGHUP) stops everything.

  API (HTTP API gateway)   ${urls.api}          health: ${urls.api}/health   OpenAPI: ${urls.api}/openapi.json
  EventBridge endpoint     ${urls.events}          bus: ${runtime.eventBusName}   events: ${urls.events}/events   dead letters: ${urls.events}/dead-letters
  SES (sent mail web view) ${urls.sesWebView}         JSON: ${urls.ses}/store
  DynamoDB Local           ${urls.dynamodb}          table: ${runtime.tableName}   java pid: ${runtime.dynamodbPid ?? '(external)'}
${runtime.dynamodbPid === undefined ? '' : `                           listens on every interface, not only 127.0.0.1: its jar has no option to bind one\n`}${conflictLine(runtime)}  JWKS                     ${urls.jwks}
  Data folder              ${dataDir}   (npm start -- --fresh wipes it)

${demoNote}
${tokenLines}
Webhook secret:  ${runtime.webhookSecret}

In another terminal (npm run send-event and npm run token find this runtime through ${displayPath(runtimeInfoFile(runtime.dataDir))}${otherFolder ? `;\n  first: export LOCAL_DATA_DIR=${runtime.dataDir}` : ''}):
  npm run send-event -- docs/examples/demo-proposal.json       # an automation proposes a draft; prints the item id
  TOKEN=$(npm run -s token -- --workspace ${DEMO.workspaceId} --user ${DEMO.userId})
  curl -s -H "Authorization: Bearer $TOKEN" ${urls.api}/review-items

Another reviewer: a token works only for an active member of its workspace (anyone else sees an empty queue).
  npm run send-event -- docs/examples/member-alice.json        # u_alice joins ${DEMO.workspaceId}
  npm run -s token -- --workspace ${DEMO.workspaceId} --user u_alice

Automations send events with @aws-sdk/client-eventbridge: new EventBridgeClient({ endpoint: '${urls.events}', region: '${LOCAL_REGION}' })
and PutEvents with EventBusName '${runtime.eventBusName}' (any credentials).
`;
}

/** The banner's line about DynamoDB's conflict rule: only when it is on. */
function conflictLine({ conflictRule, urls }: RuntimeHandle): string {
  if (!conflictRule) return '';
  return `  Conflict rule (on)       ${conflictRule.endpoint}          commit window: ${conflictRule.commitWindowMs} ms   handlers go through it   refusals: ${urls.events}/conflicts\n`;
}

function displayPath(path: string): string {
  const inRepo = relative(REPO_ROOT, path);
  return inRepo.startsWith('..') ? path : inRepo;
}

/**
 * The first SIGINT, SIGTERM or SIGHUP stops everything in order. One Ctrl-C can arrive twice (npm relays it to
 * this process as the terminal sends it to the whole process group), so only a signal a second later forces exit.
 */
function stopOnSignals(runtime: RuntimeHandle): void {
  let firstSignalAt: number | undefined;
  const stop = (signal: NodeJS.Signals | 'npm exited') => {
    if (firstSignalAt !== undefined) {
      if (Date.now() - firstSignalAt < DUPLICATE_SIGNAL_MS) return;
      console.error(`\n${signal} again: exiting now.`);
      process.exit(1); // the 'exit' hook still kills DynamoDB Local
    }
    firstSignalAt = Date.now();
    // A hung-up terminal can no longer be written to: that must not cut the stop short.
    process.stdout.on('error', () => undefined);
    process.stderr.on('error', () => undefined);
    console.log(`\n${signal}: stopping…`);
    removeRuntimeInfo(runtime.dataDir)
      .catch(() => undefined)
      .then(() => runtime.stop())
      .then(
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
  process.on('SIGHUP', stop);
  stopWithNpm(() => stop('npm exited'));
}

/**
 * Under `npm start` (its script execs node, so npm's child is this process), npm relays SIGINT and SIGTERM but
 * dies of SIGHUP, or of SIGKILL, without a word to its child: then this process stops on its own rather than
 * hold every port with no one to stop it.
 */
function stopWithNpm(stop: () => void): void {
  if (process.env.npm_lifecycle_event !== 'start') return;
  const npm = process.ppid;
  const timer = setInterval(() => {
    if (isAlive(npm)) return;
    clearInterval(timer);
    stop();
  }, NPM_CHECK_MS);
  timer.unref();
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error instanceof Error && 'code' in error && error.code === 'EPERM';
  }
}

main().catch((error: unknown) => {
  if (error instanceof PortInUseError) {
    const holder = portHolder(dataDirFromEnv(), error.port);
    console.error(`✖ ${error.message}${holder ? `\n  ${holder}` : ''}`);
  } else if (error instanceof StartupError) console.error(`✖ ${error.message}`);
  else console.error(error);
  process.exit(1);
});
