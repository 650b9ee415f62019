/**
 * `npm run rotate-cursor-keys [-- --drop]`: rotates the local cursor keys (the data folder's `cursor-keys.json`,
 * LOCAL_DATA_DIR, default .local/): a new current key, the old one still accepted. `--drop` drops the keys still
 * accepted, so the cursors they signed answer 400. `npm start` reads the file when it starts: restart it after.
 * In AWS the secret is rotated by putting a new value (docs/deploy.md, "Cursor keys").
 */
import { parseArgs } from 'node:util';
import { dataDirFromEnv, rotateCursorKeys } from '../infra/local/data-dir.js';

const { values } = parseArgs({ options: { drop: { type: 'boolean', default: false } } });
const dataDir = dataDirFromEnv();
const ring = await rotateCursorKeys(dataDir, values.drop ? 0 : 1);
process.stderr.write(
  `Rotated the cursor keys in ${dataDir}: ${ring.previous.length} previous key(s) still accepted. Restart npm start.\n`,
);
