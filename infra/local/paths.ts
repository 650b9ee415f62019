/** Where things are, relative to the repository root (not the current directory). */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DEFAULT_DATA_DIR = join(REPO_ROOT, '.local');
