/**
 * Writes the JSON Schemas of every event in and out (shared/events/catalog.ts) under docs/events/:
 * `npm run event-schemas`. `--check` writes nothing and fails when a file is not what the code generates, or
 * when docs/events/ holds a schema the catalog no longer has.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { REPO_ROOT } from '../infra/local/paths.js';
import { eventSchemaFiles } from '../shared/events/catalog.js';

const root = join(REPO_ROOT, 'docs', 'events');
const files = eventSchemaFiles();

async function existing(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const nested = await Promise.all(
    entries.map((entry) =>
      entry.isDirectory() ? existing(join(dir, entry.name)) : Promise.resolve([join(dir, entry.name)]),
    ),
  );
  return nested.flat();
}

const present = (await existing(root))
  .filter((path) => path.endsWith('.json'))
  .map((path) => relative(root, path).split(sep).join('/'));
const stale = present.filter((path) => !files.has(path)).sort();

if (process.argv.includes('--check')) {
  const outdated: string[] = [];
  for (const [path, text] of files) {
    const current = await readFile(join(root, path), 'utf8').catch(() => '');
    if (current !== text) outdated.push(path);
  }
  if (outdated.length > 0 || stale.length > 0) {
    for (const path of outdated) console.error(`docs/events/${path} is out of date`);
    for (const path of stale) console.error(`docs/events/${path} is no longer generated`);
    console.error('Run npm run event-schemas');
    process.exit(1);
  }
  console.log(`docs/events/ is up to date (${files.size - 1} schemas)`);
} else {
  for (const path of stale) await rm(join(root, path));
  for (const [path, text] of files) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  console.log(
    `Wrote ${files.size - 1} schemas and index.json to ${root}${stale.length ? ` (removed ${stale.join(', ')})` : ''}`,
  );
}
