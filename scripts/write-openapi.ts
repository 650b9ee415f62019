/**
 * Writes the OpenAPI document (shared/openapi/document.ts) to docs/openapi.json: `npm run openapi`.
 * `--check` writes nothing and fails when the file is not what the code generates.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../infra/local/paths.js';
import { openApiDocument } from '../shared/openapi/document.js';

const target = join(REPO_ROOT, 'docs', 'openapi.json');
const text = `${JSON.stringify(openApiDocument(), null, 2)}\n`;

if (process.argv.includes('--check')) {
  const current = await readFile(target, 'utf8').catch(() => '');
  if (current !== text) {
    console.error('docs/openapi.json is out of date: run npm run openapi');
    process.exit(1);
  }
  console.log('docs/openapi.json is up to date');
} else {
  await writeFile(target, text);
  console.log(`Wrote ${target} (${Object.keys(openApiDocument().paths).length} paths)`);
}
