/**
 * `<dataDir>/runtime.json`: where a running `npm start` can be reached. `npm start` writes it once every
 * server listens and removes it when it stops; `npm run send-event` and `npm run token` read it, so a
 * second terminal finds the runtime whatever ports the first one chose (environment variables still win).
 * A file whose process is gone (a `kill -9`) is reported as stale and ignored.
 */
import { readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';

export const RUNTIME_INFO_FILE_NAME = 'runtime.json';

const infoSchema = z.object({
  pid: z.number().int(),
  startedAt: z.string(),
  dataDir: z.string(),
  tableName: z.string(),
  eventBusName: z.string(),
  dynamodbPid: z.number().int().optional(),
  urls: z.object({
    api: z.string(),
    events: z.string(),
    ses: z.string(),
    sesWebView: z.string(),
    dynamodb: z.string(),
    jwks: z.string(),
  }),
});

export type RuntimeInfo = z.infer<typeof infoSchema>;

export type FoundRuntime =
  | { state: 'running'; file: string; info: RuntimeInfo }
  | { state: 'stale'; file: string; info: RuntimeInfo }
  | { state: 'absent'; file: string };

export function runtimeInfoFile(dataDir: string): string {
  return join(dataDir, RUNTIME_INFO_FILE_NAME);
}

export async function writeRuntimeInfo(info: RuntimeInfo): Promise<void> {
  await writeFile(runtimeInfoFile(info.dataDir), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
}

/** Removes the file if it is still this process's (another `npm start` may have taken the folder over). */
export async function removeRuntimeInfo(dataDir: string, pid: number = process.pid): Promise<void> {
  const found = findRuntime(dataDir);
  if (found.state !== 'absent' && found.info.pid === pid) await rm(found.file, { force: true });
}

/** The runtime that wrote `<dataDir>/runtime.json`, and whether its process still runs. */
export function findRuntime(dataDir: string): FoundRuntime {
  const file = runtimeInfoFile(dataDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { state: 'absent', file };
  }
  const parsed = infoSchema.safeParse(parseJson(text));
  if (!parsed.success) return { state: 'absent', file };
  return { state: isAlive(parsed.data.pid) ? 'running' : 'stale', file, info: parsed.data };
}

/**
 * Who holds a port, as far as `<dataDir>/runtime.json` tells: the `npm start` that wrote it, or the DynamoDB Local
 * it left behind when it died without stopping it. Undefined when the file names no process on that port.
 */
export function portHolder(dataDir: string, port: number): string | undefined {
  const found = findRuntime(dataDir);
  if (found.state === 'absent') return undefined;
  const { info } = found;
  const onPort = (url: string) => {
    try {
      return Number(new URL(url).port) === port;
    } catch {
      return false;
    }
  };
  const java = info.dynamodbPid === undefined ? '' : `, its DynamoDB Local java pid ${info.dynamodbPid}`;
  if (found.state === 'running' && Object.values(info.urls).some(onPort))
    return `It is held by the npm start of ${info.dataDir} (node pid ${info.pid}${java}), running since ${info.startedAt}: stop it (kill ${info.pid}).`;
  if (info.dynamodbPid !== undefined && onPort(info.urls.dynamodb) && isAlive(info.dynamodbPid))
    return `It is held by DynamoDB Local (java pid ${info.dynamodbPid}), left behind by an npm start that is gone (pid ${info.pid}): kill ${info.dynamodbPid}.`;
  return undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return error instanceof Error && 'code' in error && error.code === 'EPERM';
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Where `npm run send-event` sends: the local bus it found, or AWS. */
export interface BusTarget {
  /** undefined: AWS (the SDK's own endpoint resolution and credentials). */
  endpoint: string | undefined;
  eventBusName: string;
  /** What decided it, for the line the script prints. */
  from: string;
  /** The runtime.json it read, when it read one. */
  runtime?: RuntimeInfo;
}

/**
 * The bus to send to. Environment variables win: AWS_ENDPOINT_URL_EVENTBRIDGE (empty: AWS), then
 * EVENTS_PORT; else the running `npm start` of the data folder (its runtime.json); else the default port.
 */
export function busTarget(env: NodeJS.ProcessEnv, dataDir: string, defaultPort = 4010): BusTarget {
  const found = findRuntime(dataDir);
  const running = found.state === 'running' ? found.info : undefined;
  const eventBusName = nonEmpty(env.EVENT_BUS_NAME) ?? running?.eventBusName ?? 'for-review';
  const explicit = env.AWS_ENDPOINT_URL_EVENTBRIDGE;
  if (explicit !== undefined) {
    return explicit.trim() === ''
      ? { endpoint: undefined, eventBusName, from: 'AWS_ENDPOINT_URL_EVENTBRIDGE="" (AWS)' }
      : { endpoint: explicit.trim(), eventBusName, from: 'AWS_ENDPOINT_URL_EVENTBRIDGE' };
  }
  const port = nonEmpty(env.EVENTS_PORT);
  if (port !== undefined) return { endpoint: `http://127.0.0.1:${port}`, eventBusName, from: 'EVENTS_PORT' };
  if (running) return { endpoint: running.urls.events, eventBusName, from: found.file, runtime: running };
  const why =
    found.state === 'stale'
      ? `${found.file} is from pid ${found.info.pid}, which is gone`
      : `no ${found.file}`;
  return { endpoint: `http://127.0.0.1:${defaultPort}`, eventBusName, from: `the default port (${why})` };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
