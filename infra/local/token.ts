/**
 * `npm run -s token -- --workspace W --user U [--expires-in 12h]`: prints a JWT the local gateway accepts,
 * signed with the key in the local data folder (LOCAL_DATA_DIR, default .local/; created when absent).
 */
import { parseArgs } from 'node:util';
import { dataDirFromEnv } from './data-dir.js';
import { loadOrCreateIssuer } from './jwt-issuer.js';

const USAGE = 'Usage: npm run -s token -- --workspace <workspaceId> --user <userId> [--expires-in 12h|3600]';
const WORKSPACE_ID = /^[A-Za-z0-9_-]{1,64}$/;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      workspace: { type: 'string' },
      user: { type: 'string' },
      'expires-in': { type: 'string', default: '12h' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return console.log(USAGE);
  const { workspace, user } = values;
  if (!workspace || !user) throw new UsageError('--workspace and --user are required');
  if (!WORKSPACE_ID.test(workspace)) throw new UsageError('--workspace must match [A-Za-z0-9_-]{1,64}');
  const expiresRaw = values['expires-in'];
  const expiresIn = /^-?\d+$/.test(expiresRaw) ? Number(expiresRaw) : expiresRaw;

  const issuer = await loadOrCreateIssuer(dataDirFromEnv());
  console.log(await issuer.sign({ workspaceId: workspace, userId: user, expiresIn }));
}

class UsageError extends Error {}

main().catch((error: unknown) => {
  if (error instanceof UsageError) console.error(`✖ ${error.message}\n${USAGE}`);
  else console.error(`✖ ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
