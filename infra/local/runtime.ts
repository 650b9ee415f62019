/**
 * The whole system on this machine: DynamoDB Local, local SES, the local event bus, the local HTTP API
 * gateway, the scheduler and the table's stream reader, all wired from the manifest, handing the very same
 * handlers the very same events as AWS does. `npm start` runs it (infra/local/start.ts); e2e tests start it
 * on free ports.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  backfillAutomationNames,
  backfillDecidedItems,
  backfillTenantKeys,
} from '../../shared/store/backfill.js';
import { eventRules, httpRoutes, schedules, streamConsumers } from '../manifest.js';
import { type ConflictRule, conflictWindowFromEnv, startConflictRule } from './conflict-rule.js';
import { type CorsConfig, corsFromEnv } from './cors.js';
import {
  dataDirFromEnv,
  loadOrCreateCursorKeys,
  loadOrCreateWebhookSecret,
  resolveDataDir,
  wipeDataDir,
} from './data-dir.js';
import type { RetryPolicy } from './delivery-queue.js';
import { ensureTable, localClient, startDynamoDbLocal } from './dynamodb-local.js';
import { StartupError } from './errors.js';
import { type DeadLetter, type Delivery, type EventFilter, type Faults, startEventBus } from './event-bus.js';
import { startGateway } from './gateway.js';
import { applyEnvironment, handlerEnvironment } from './handler-env.js';
import { createHandlerInvoker } from './handlers.js';
import { type LocalIssuer, loadOrCreateIssuer } from './jwt-issuer.js';
import { createLocalLog, isLocalLogLevel, type LocalLog, type LocalLogLevel } from './log.js';
import { portFromEnv } from './ports.js';
import type { EventEnvelope } from './put-events.js';
import { type LocalScheduler, startScheduler } from './scheduler.js';
import { createSesFaultSwitch, type SesFaultSwitch } from './ses-fault-switch.js';
import { startSesFaultProxy } from './ses-faults.js';
import { startSesLocal } from './ses-local.js';
import { fileCheckpoints, memoryCheckpoints } from './stream-checkpoints.js';
import {
  type LocalStreamReader,
  type RetryBackoff,
  type StreamConsumer,
  type StreamFailure,
  startStreamReader,
} from './stream-reader.js';
import { startTtlSweeper, type TtlSweeper } from './ttl-sweeper.js';

export const DEFAULT_PORTS = { api: 3000, events: 4010, ses: 8005, dynamodb: 8000 } as const;
export const DEFAULT_NAME = 'for-review';

export interface RuntimeOptions {
  /** Ports; 0 picks a free one. Unset: PORT, EVENTS_PORT, SES_PORT, DYNAMODB_PORT, else the defaults. */
  port?: number;
  eventsPort?: number;
  sesPort?: number;
  dynamodbPort?: number;
  /** Reuse a DynamoDB that is already running (tests: the global one); it is not stopped. */
  dynamodbEndpoint?: string;
  /** Reuse a local SES that is already running; it is not stopped. The SES fault proxy goes in front of it too. */
  sesEndpoint?: string;
  /** DynamoDB Local data in memory instead of `<dataDir>/dynamodb`. */
  inMemory?: boolean;
  /** Keys, secret and database; default `.local/` at the repository root. */
  dataDir?: string;
  /** Wipe the data folder first. */
  fresh?: boolean;
  /** Default TABLE_NAME, else 'for-review'. */
  tableName?: string;
  /** Default EVENT_BUS_NAME, else 'for-review'. */
  eventBusName?: string;
  /** The runtime's own log lines. Default LOCAL_LOG_LEVEL, else 'info'. */
  logLevel?: LocalLogLevel;
  /** The handlers' Powertools log level. Default POWERTOOLS_LOG_LEVEL, else 'WARN'. */
  powertoolsLogLevel?: string;
  /** Run schedules and the TTL sweeper on their timers (default true; tests call runNow and ttl.sweep instead). */
  scheduleTimers?: boolean;
  /**
   * Retries of a failed event delivery: attempts in all and the full-jitter delays' base and ceiling (default
   * 8 attempts, 100 ms doubling to 10 s: infra/local/delivery-queue.ts).
   */
  retry?: Partial<RetryPolicy>;
  /** Exact delays between event delivery attempts instead of `retry` (its length + 1 attempts, no jitter). */
  retryDelaysMs?: number[];
  /** The table's stream consumers (default the manifest's `streamConsumers`). */
  streamConsumers?: StreamConsumer[];
  /** How often the stream reader polls a caught-up stream (default 200 ms). */
  streamPollIntervalMs?: number;
  /** Delays between retries of a failed stream batch (default 100 ms doubling up to 1 s). */
  streamRetryBackoff?: RetryBackoff;
  /** Where `functions/<name>.ts` are loaded from (default the repository root; tests use their own). */
  handlersRoot?: string;
  /** CORS of the local API. Default CORS_ORIGINS, else http://localhost:* and http://127.0.0.1:*. */
  cors?: CorsConfig;
  /**
   * DynamoDB's conflict rule (conflict-rule.ts) between the handlers and DynamoDB Local, with this commit window
   * in ms; 0 is off. Default DYNAMODB_CONFLICT_WINDOW_MS, else off.
   */
  conflictWindowMs?: number;
  /** Where unset options are read from (default process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface RuntimeUrls {
  api: string;
  events: string;
  ses: string;
  sesWebView: string;
  dynamodb: string;
  jwks: string;
}

export interface RuntimeHandle {
  urls: RuntimeUrls;
  tableName: string;
  eventBusName: string;
  dataDir: string;
  webhookSecret: string;
  issuer: LocalIssuer;
  /** A token the gateway accepts; `expiresIn` in seconds or a duration like '12h' (default 12 h). */
  token(workspaceId: string, userId: string, expiresIn?: number | string): Promise<string>;
  /**
   * Resolves once the system is quiet: every bus delivery (retries included) is done, the stream reader has
   * delivered every record committed before the call, and neither did anything new while it was checked
   * (stream → PutEvents → bus → handlers write → stream …, repeated until nothing moves).
   */
  idle(): Promise<void>;
  bus: {
    events(filter?: EventFilter): EventEnvelope[];
    deadLetters(): DeadLetter[];
    /** What each rule's function made of an accepted event. */
    deliveries(eventId: string): Delivery[] | undefined;
    /** The same as `runtime.idle()` (kept for the tests written before the stream existed). */
    idle(): Promise<void>;
    /** Makes the next n PutEvents requests of the system's own events fail (spec 7; 0 switches it off). */
    failPutEvents(n: number): void;
    faults(): Faults;
  };
  /** The SES fault switch in front of local SES (also `/faults/ses` on the events port). */
  sesFaults: SesFaultSwitch;
  streams: {
    /** The table's stream, as DescribeTable answers it. */
    streamArn: string;
    /** Stream batches that failed every attempt (also `GET /stream-failures` on the events port). */
    failures(): StreamFailure[];
    /** Resolves once every record committed before the call has been delivered. */
    sync(): Promise<void>;
  };
  scheduler: LocalScheduler;
  /** DynamoDB's TTL, which DynamoDB Local does not run: `sweep(at)` deletes the records whose `ttl` passed by `at`. */
  ttl: Pick<TtlSweeper, 'sweep'>;
  /** The DynamoDB Local process started by this runtime (undefined when an endpoint was reused). */
  dynamodbPid: number | undefined;
  /** DynamoDB's conflict rule the handlers go through, when it is on (also `GET /conflicts` on the events port). */
  conflictRule?: Omit<ConflictRule, 'stop'>;
  stop(): Promise<void>;
}

type Stopper = () => Promise<void> | void;

export async function startRuntime(options: RuntimeOptions = {}): Promise<RuntimeHandle> {
  const env = options.env ?? process.env;
  const logLevel = options.logLevel ?? logLevelFromEnv(env);
  const tableName = options.tableName ?? nonEmpty(env.TABLE_NAME) ?? DEFAULT_NAME;
  const eventBusName = options.eventBusName ?? nonEmpty(env.EVENT_BUS_NAME) ?? DEFAULT_NAME;
  const dataDir = options.dataDir === undefined ? dataDirFromEnv(env) : resolveDataDir(options.dataDir);
  const ports = {
    api: options.port ?? portFromEnv('PORT', DEFAULT_PORTS.api, env),
    events: options.eventsPort ?? portFromEnv('EVENTS_PORT', DEFAULT_PORTS.events, env),
    ses: options.sesPort ?? portFromEnv('SES_PORT', DEFAULT_PORTS.ses, env),
    dynamodb: options.dynamodbPort ?? portFromEnv('DYNAMODB_PORT', DEFAULT_PORTS.dynamodb, env),
  };

  const stoppers: Stopper[] = [];
  let stopping = false;
  const stopAll = async () => {
    stopping = true;
    for (const stop of stoppers.splice(0).reverse()) await stop();
  };

  try {
    if (options.fresh) await wipeDataDir(dataDir);
    await mkdir(dataDir, { recursive: true });

    const [dynamodb, ses, issuer, webhookSecret, cursorKeys] = await Promise.all([
      options.dynamodbEndpoint
        ? { endpoint: options.dynamodbEndpoint, pid: undefined }
        : startDynamoDbLocal({
            port: ports.dynamodb,
            dbPath: options.inMemory ? undefined : join(dataDir, 'dynamodb'),
            // Ctrl-C reaches Java too (same process group), so an exit while stopping is expected.
            onUnexpectedExit: (error) => {
              if (!stopping)
                createLocalLog(logLevel, 'dynamodb').error(`${error.message}; restart the runtime`);
            },
          }).then((started) => {
            stoppers.push(() => started.stop());
            return started;
          }),
      options.sesEndpoint
        ? { endpoint: options.sesEndpoint }
        : startSesLocal({ port: ports.ses }).then((started) => {
            stoppers.push(() => started.stop());
            return started;
          }),
      loadOrCreateIssuer(dataDir),
      loadOrCreateWebhookSecret(dataDir),
      loadOrCreateCursorKeys(dataDir),
    ]);

    // The handlers send through the fault proxy, which forwards to local SES unless the switch is armed.
    const sesProxy = await startSesFaultProxy({ upstream: ses.endpoint });
    stoppers.push(() => sesProxy.stop());
    const sesFaults = createSesFaultSwitch(sesProxy, createLocalLog(logLevel, 'ses'));

    const client = localClient(dynamodb.endpoint);
    stoppers.push(() => client.destroy());
    const dynamoLog = createLocalLog(logLevel, 'dynamodb');
    await ensureTable(client, tableName, dynamoLog);
    // A data folder from before the automation names were kept (store/entities/automation-names.ts) gets them.
    const backfilled = await backfillAutomationNames(DynamoDBDocumentClient.from(client), tableName);
    if (backfilled.length > 0)
      dynamoLog.info(
        `listed the automation names of ${backfilled.length} workspace(s) written by an earlier version`,
      );
    // And its decided items the retention job's index (shared/use-cases/retention.ts).
    const indexed = await backfillDecidedItems(DynamoDBDocumentClient.from(client), tableName);
    if (indexed > 0)
      dynamoLog.info(`put ${indexed} decided item(s) written by an earlier version in the retention index`);
    // And every workspace record the privacy jobs' index (shared/use-cases/privacy-jobs.ts).
    const onTenantIndex = await backfillTenantKeys(DynamoDBDocumentClient.from(client), tableName);
    if (onTenantIndex > 0)
      dynamoLog.info(`put ${onTenantIndex} record(s) written by an earlier version on the tenant index`);
    const streamArn = await streamArnOf(client, tableName);
    // DynamoDB's conflict rule, when on, stands between the handlers and DynamoDB Local (the stream reader and
    // the runtime's own requests go straight to DynamoDB Local).
    const conflictRule = await startConflictRuleIfOn(
      dynamodb.endpoint,
      options.conflictWindowMs ?? conflictWindowFromEnv(env),
      dynamoLog,
    );
    if (conflictRule) stoppers.push(() => conflictRule.stop());

    const invoker = createHandlerInvoker(options.handlersRoot);
    let reader: LocalStreamReader | undefined;
    const bus = await startEventBus({
      port: ports.events,
      eventBusName,
      rules: eventRules,
      invoker,
      log: createLocalLog(logLevel, 'bus'),
      retry: options.retry,
      retryDelaysMs: options.retryDelaysMs,
      reads: {
        '/stream-failures': () => ({ failures: reader?.failures() ?? [] }),
        '/conflicts': () => (conflictRule ? { on: true, ...conflictRule.stats() } : { on: false }),
      },
      // Loaded on the first GET /schemas: the catalog brings every event schema, which start does not need.
      schemas: () =>
        import('../../shared/events/catalog.js').then((catalog) => catalog.schemasByDetailType()),
      sesFaults,
    });
    stoppers.push(() => bus.stop());
    // No await between the bus listening and this: no handler can be imported before its environment is set.
    const restoreEnv = applyEnvironment(
      handlerEnvironment({
        tableName,
        eventBusName,
        webhookSecret,
        cursorKeys,
        dynamodbEndpoint: conflictRule?.endpoint ?? dynamodb.endpoint,
        sesEndpoint: sesProxy.endpoint,
        eventsEndpoint: bus.endpoint,
        failureQueueUrl: bus.failureQueueUrl,
        powertoolsLogLevel: options.powertoolsLogLevel ?? nonEmpty(env.POWERTOOLS_LOG_LEVEL),
        workspaceRateLimit: nonEmpty(env.WORKSPACE_RATE_LIMIT),
        workspaceRateWindowSeconds: nonEmpty(env.WORKSPACE_RATE_WINDOW_SECONDS),
      }),
    );
    stoppers.push(restoreEnv);

    const gateway = await startGateway({
      port: ports.api,
      routes: httpRoutes,
      invoker,
      issuer,
      dataDir,
      cors: options.cors ?? corsFromEnv(env),
      log: createLocalLog(logLevel, 'api'),
      healthChecks: {
        dynamodb: () => tableAnswers(client, tableName),
        ses: () => answers200(`${sesProxy.endpoint}/health-check`),
        eventBus: () => answers200(`${bus.endpoint}/health`),
      },
    });
    stoppers.push(() => gateway.stop());

    const scheduler = startScheduler({
      schedules,
      invoker,
      log: createLocalLog(logLevel, 'scheduler'),
      timers: options.scheduleTimers ?? true,
    });
    stoppers.push(() => scheduler.stop());

    const ttlSweeper = startTtlSweeper({
      db: DynamoDBDocumentClient.from(client),
      tableName,
      log: createLocalLog(logLevel, 'ttl'),
      timers: options.scheduleTimers ?? true,
    });
    stoppers.push(() => ttlSweeper.stop());

    const streamReader = startStreamReader({
      endpoint: dynamodb.endpoint,
      streamArn,
      consumers: options.streamConsumers ?? streamConsumers,
      invoker,
      checkpoints: options.inMemory ? memoryCheckpoints() : fileCheckpoints(dataDir),
      log: createLocalLog(logLevel, 'stream'),
      pollIntervalMs: options.streamPollIntervalMs,
      retryBackoff: options.streamRetryBackoff,
    });
    reader = streamReader;
    stoppers.push(() => streamReader.stop());

    const activity = () => bus.acceptedCount() + streamReader.invocations();
    const idle = async () => {
      for (;;) {
        const before = activity();
        await bus.idle();
        await streamReader.sync();
        await bus.idle();
        if (activity() === before) return;
      }
    };

    let stopped: Promise<void> | undefined;
    return {
      urls: {
        api: gateway.url,
        events: bus.endpoint,
        ses: ses.endpoint,
        sesWebView: `${ses.endpoint}/`,
        dynamodb: dynamodb.endpoint,
        jwks: `${gateway.url}/.well-known/jwks.json`,
      },
      tableName,
      eventBusName,
      dataDir,
      webhookSecret,
      issuer,
      token: (workspaceId, userId, expiresIn) => issuer.sign({ workspaceId, userId, expiresIn }),
      idle,
      bus: {
        events: bus.events,
        deadLetters: bus.deadLetters,
        deliveries: bus.deliveries,
        idle,
        failPutEvents: bus.failPutEvents,
        faults: bus.faults,
      },
      sesFaults,
      streams: { streamArn, failures: streamReader.failures, sync: streamReader.sync },
      scheduler,
      ttl: { sweep: ttlSweeper.sweep },
      dynamodbPid: dynamodb.pid,
      ...(conflictRule && { conflictRule: withoutStop(conflictRule) }),
      stop: () => {
        stopped ??= stopAll();
        return stopped;
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function startConflictRuleIfOn(
  upstream: string,
  commitWindowMs: number,
  log: LocalLog,
): Promise<ConflictRule | undefined> {
  if (!Number.isSafeInteger(commitWindowMs) || commitWindowMs < 0)
    throw new StartupError(
      `conflictWindowMs must be a whole number of milliseconds (0: off), got ${commitWindowMs}`,
    );
  if (commitWindowMs === 0) return undefined;
  const rule = await startConflictRule({ upstream, commitWindowMs });
  log.info(
    `conflict rule on (commit window ${commitWindowMs} ms): the handlers reach DynamoDB Local through ${rule.endpoint}`,
  );
  return rule;
}

function withoutStop({ stop: _stop, ...rule }: ConflictRule): Omit<ConflictRule, 'stop'> {
  return rule;
}

async function streamArnOf(client: DynamoDBClient, tableName: string): Promise<string> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  if (!Table?.LatestStreamArn) throw new StartupError(`The table ${tableName} has no stream`);
  return Table.LatestStreamArn;
}

async function tableAnswers(client: DynamoDBClient, tableName: string): Promise<void> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  if (Table?.TableStatus !== 'ACTIVE')
    throw new Error(`table ${tableName} is ${Table?.TableStatus ?? 'missing'}`);
}

async function answers200(url: string): Promise<void> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
}

function logLevelFromEnv(env: NodeJS.ProcessEnv): LocalLogLevel {
  const raw = nonEmpty(env.LOCAL_LOG_LEVEL)?.toLowerCase();
  if (raw === undefined) return 'info';
  if (!isLocalLogLevel(raw))
    throw new StartupError(`LOCAL_LOG_LEVEL must be debug, info, warn, error or silent, got "${raw}"`);
  return raw;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
