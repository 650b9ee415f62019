/**
 * How a second terminal finds `npm start`: `<dataDir>/runtime.json`, the process it names still running or
 * not, and the order in which `npm run send-event` picks its target (environment variables first).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  busTarget,
  findRuntime,
  portHolder,
  type RuntimeInfo,
  removeRuntimeInfo,
  runtimeInfoFile,
  writeRuntimeInfo,
} from '../../infra/local/runtime-info.js';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'runtime-info-'));
});
afterEach(() => rm(dataDir, { recursive: true, force: true }));

const info = (pid: number): RuntimeInfo => ({
  pid,
  startedAt: '2026-12-01T10:00:00.000Z',
  dataDir,
  tableName: 'for-review',
  eventBusName: 'other-bus',
  urls: {
    api: 'http://127.0.0.1:3111',
    events: 'http://127.0.0.1:4111',
    ses: 'http://127.0.0.1:8111',
    sesWebView: 'http://127.0.0.1:8111/',
    dynamodb: 'http://127.0.0.1:8211',
    jwks: 'http://127.0.0.1:3111/.well-known/jwks.json',
  },
});

/** A process id that no process has any more. */
const gonePid = () => spawnSync(process.execPath, ['-e', '']).pid;

describe('runtime.json', () => {
  it('names the process that holds a port: the running npm start, or the DynamoDB Local a dead one left', async () => {
    await writeRuntimeInfo({ ...info(process.pid), dynamodbPid: 4242 });
    expect(portHolder(dataDir, 4111)).toContain(`node pid ${process.pid}, its DynamoDB Local java pid 4242`);
    expect(portHolder(dataDir, 9999)).toBeUndefined();

    // npm start was killed; the Java process it started (here: this one) still holds DynamoDB's port.
    await writeRuntimeInfo({ ...info(gonePid()), dynamodbPid: process.pid });
    expect(portHolder(dataDir, 8211)).toContain(`DynamoDB Local (java pid ${process.pid}), left behind`);
    expect(portHolder(dataDir, 3111)).toBeUndefined();
  });

  it('sends to the running npm start of the data folder, with its bus name', async () => {
    await writeRuntimeInfo(info(process.pid));

    expect(findRuntime(dataDir)).toMatchObject({ state: 'running', info: { pid: process.pid } });
    expect(busTarget({}, dataDir)).toEqual({
      endpoint: 'http://127.0.0.1:4111',
      eventBusName: 'other-bus',
      from: runtimeInfoFile(dataDir),
      runtime: info(process.pid),
    });
  });

  it('lets environment variables win: AWS_ENDPOINT_URL_EVENTBRIDGE ("" is AWS), then EVENTS_PORT, EVENT_BUS_NAME', async () => {
    await writeRuntimeInfo(info(process.pid));

    expect(busTarget({ AWS_ENDPOINT_URL_EVENTBRIDGE: '' }, dataDir)).toMatchObject({ endpoint: undefined });
    expect(busTarget({ AWS_ENDPOINT_URL_EVENTBRIDGE: 'http://127.0.0.1:9999' }, dataDir)).toMatchObject({
      endpoint: 'http://127.0.0.1:9999',
    });
    expect(busTarget({ EVENTS_PORT: '4222', EVENT_BUS_NAME: 'mine' }, dataDir)).toMatchObject({
      endpoint: 'http://127.0.0.1:4222',
      eventBusName: 'mine',
      from: 'EVENTS_PORT',
    });
  });

  it('ignores a file whose process is gone, and says so', async () => {
    const pid = gonePid();
    await writeRuntimeInfo(info(pid));

    expect(findRuntime(dataDir)).toMatchObject({ state: 'stale' });
    const target = busTarget({}, dataDir);
    expect(target).toMatchObject({ endpoint: 'http://127.0.0.1:4010', eventBusName: 'for-review' });
    expect(target.from).toContain(`pid ${pid}, which is gone`);
  });

  it('falls back to the default port without a file, and removes only its own file', async () => {
    expect(busTarget({}, dataDir).from).toMatch(/default port \(no .*runtime\.json\)/);

    await writeRuntimeInfo(info(process.pid + 1_000_000));
    await removeRuntimeInfo(dataDir);
    expect(findRuntime(dataDir).state).not.toBe('absent');
    await writeRuntimeInfo(info(process.pid));
    await removeRuntimeInfo(dataDir);
    expect(findRuntime(dataDir).state).toBe('absent');
  });
});
