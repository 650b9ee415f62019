/**
 * The local data folder (default `.local/`, git-ignored): DynamoDB Local's database, the JWT signing key,
 * the webhook secret and the cursor keys. Files are created once and reused, so tokens and secrets survive restarts;
 * `--fresh` wipes the folder.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  type CursorKeyRing,
  newCursorKey,
  parseCursorKeys,
  rotatedCursorKeys,
} from '../../shared/store/cursor-keys.js';
import { DEFAULT_DATA_DIR } from './paths.js';

export function resolveDataDir(dataDir: string | undefined): string {
  return dataDir === undefined ? DEFAULT_DATA_DIR : resolve(dataDir);
}

/** The data folder named by LOCAL_DATA_DIR, else the default. */
export function dataDirFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const named = env.LOCAL_DATA_DIR?.trim();
  return resolveDataDir(named === undefined || named === '' ? undefined : named);
}

export async function wipeDataDir(dataDir: string): Promise<void> {
  await rm(dataDir, { recursive: true, force: true });
}

/**
 * Reads a file, or creates it with `create()` when absent. Two processes starting at once (`npm start`
 * and `npm run token`) agree on one value: the write is exclusive and the loser reads the winner's file.
 */
export async function readOrCreate(file: string, create: () => Promise<string>): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  await mkdir(resolve(file, '..'), { recursive: true });
  const content = await create();
  try {
    await writeFile(file, content, { flag: 'wx', mode: 0o600 });
    return content;
  } catch (error) {
    if (isAlreadyThere(error)) return readFile(file, 'utf8');
    throw error;
  }
}

/** The Standard Webhooks secret (`whsec_<base64 of 32 random bytes>`), created on first start. */
export async function loadOrCreateWebhookSecret(dataDir: string): Promise<string> {
  const text = await readOrCreate(
    join(dataDir, 'webhook-secret'),
    async () => `whsec_${randomBytes(32).toString('base64')}\n`,
  );
  return text.trim();
}

const cursorKeysFile = (dataDir: string) => join(dataDir, 'cursor-keys.json');

/**
 * The key ring list cursors are signed with (shared/store/cursor-keys.ts), as JSON: created on first start with a
 * random key; the runtime hands it to the handlers (CURSOR_KEYS).
 */
export async function loadOrCreateCursorKeys(dataDir: string): Promise<string> {
  const text = await readOrCreate(
    cursorKeysFile(dataDir),
    async () => `${JSON.stringify({ current: newCursorKey(), previous: [] })}\n`,
  );
  return JSON.stringify(parseCursorKeys(text));
}

/**
 * Rotates the data folder's cursor keys: a new current key, the old one still accepted (`keep` previous keys; 0
 * drops them). The runtime reads the file when it starts: restart it after.
 */
export async function rotateCursorKeys(dataDir: string, keep = 1): Promise<CursorKeyRing> {
  const ring = rotatedCursorKeys(parseCursorKeys(await loadOrCreateCursorKeys(dataDir)), keep);
  await writeFile(cursorKeysFile(dataDir), `${JSON.stringify(ring)}\n`, { mode: 0o600 });
  return ring;
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ENOENT';
}

function isAlreadyThere(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'EEXIST';
}
