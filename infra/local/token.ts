/**
 * `npm run -s token -- --workspace W --user U [--expires-in 12h] [--quiet]`: prints a JWT the local gateway
 * accepts, signed with the key in the local data folder (LOCAL_DATA_DIR, default .local/; created when
 * absent). The token alone goes to stdout (`TOKEN=$(npm run -s token -- …)`); stderr says which data folder's
 * key signed it and whether an `npm start` using that folder is running (its `runtime.json`).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { dataDirFromEnv } from './data-dir.js';
import { DEFAULT_TOKEN_LIFETIME, KEY_FILE_NAME, loadOrCreateIssuer } from './jwt-issuer.js';
import { findRuntime } from './runtime-info.js';

const USAGE =
  'Usage: npm run -s token -- --workspace <workspaceId> --user <userId> [--expires-in 12h|3600] [--quiet]';
const WORKSPACE_ID = /^[A-Za-z0-9_-]{1,64}$/;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      workspace: { type: 'string' },
      user: { type: 'string' },
      'expires-in': { type: 'string', default: DEFAULT_TOKEN_LIFETIME },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return console.log(USAGE);
  const { workspace, user } = values;
  if (!workspace || !user) throw new UsageError('--workspace and --user are required');
  if (!WORKSPACE_ID.test(workspace)) throw new UsageError('--workspace must match [A-Za-z0-9_-]{1,64}');
  const expiresRaw = values['expires-in'];
  const expiresIn = /^-?\d+$/.test(expiresRaw) ? Number(expiresRaw) : expiresRaw;

  const dataDir = dataDirFromEnv();
  const issuer = await loadOrCreateIssuer(dataDir);
  const token = await issuer.sign({ workspaceId: workspace, userId: user, expiresIn });
  console.log(token);
  if (values.quiet) return;

  const kid = issuer.jwks.keys[0]?.kid ?? '?';
  const runtime = findRuntime(dataDir);
  const status =
    runtime.state === 'running'
      ? `the npm start using this folder (pid ${runtime.info.pid}, API ${runtime.info.urls.api}) accepts it.`
      : `no npm start is running with this folder${runtime.state === 'stale' ? ` (its runtime.json is from pid ${runtime.info.pid}, which is gone)` : ''}: one using another folder answers 401 (set LOCAL_DATA_DIR to its folder).`;
  console.error(
    `Token for ${user} in ${workspace}, valid ${expiresRaw}${/^\d+$/.test(expiresRaw) ? ' s' : ''}, signed with ${join(dataDir, KEY_FILE_NAME)} (kid ${kid.slice(0, 8)}…); ${status}`,
  );
}

class UsageError extends Error {}

main().catch((error: unknown) => {
  if (error instanceof UsageError) console.error(`✖ ${error.message}\n${USAGE}`);
  else console.error(`✖ ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
