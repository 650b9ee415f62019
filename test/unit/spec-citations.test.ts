/**
 * The contract is docs/spec.md, in the repository: code, tests and docs cite it as "spec N" (section N). This test
 * fails on a citation of the old contract outside the repository (`../shared/SPEC.md`, "SPEC 3"), which a clone of
 * the repository does not have, and on a "spec N" whose section docs/spec.md does not have.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const SCANNED = ['README.md', 'docs', 'functions', 'infra', 'scripts', 'shared', 'test'];
const SKIPPED_DIRS = new Set(['node_modules', 'cdk.out', '.local']);
const TEXT = /\.(ts|mjs|cjs|md|json|http)$/;

function files(path: string): string[] {
  const entries = readdirSync(join(ROOT, path), { withFileTypes: true });
  return entries.flatMap((entry) => {
    const child = `${path}/${entry.name}`;
    if (entry.isDirectory()) return SKIPPED_DIRS.has(entry.name) ? [] : files(child);
    return TEXT.test(entry.name) ? [child] : [];
  });
}

const scanned = (): string[] =>
  SCANNED.flatMap((path) => (TEXT.test(path) ? [path] : files(path))).filter(
    (path) => path !== 'docs/spec.md',
  );

/** Lines of `source` matching `pattern`, as `path:line: text`. */
function matches(path: string, source: string, pattern: RegExp): string[] {
  return source
    .split('\n')
    .flatMap((line, index) => (pattern.test(line) ? [`${path}:${index + 1}: ${line.trim()}`] : []));
}

/** This file names the patterns it looks for; what it reads is everything else. */
const SELF = 'test/unit/spec-citations.test.ts';

describe('citations of the contract', () => {
  it('cite docs/spec.md, never the SPEC.md outside the repository', () => {
    const old = /shared\/SPEC\.md|\bSPEC [0-9]/;
    const found = scanned()
      .filter((path) => path !== SELF)
      .flatMap((path) => matches(path, readFileSync(join(ROOT, path), 'utf8'), old));
    expect(found).toEqual([]);
  });

  it('cite sections that docs/spec.md has', () => {
    const spec = readFileSync(join(ROOT, 'docs/spec.md'), 'utf8');
    const sections = new Set([...spec.matchAll(/^#{2,3} ([0-9]+(?:\.[0-9]+)?)\.? /gm)].map((m) => m[1]));
    expect(sections.has('2.4') && sections.has('8'), 'the spec numbers its sections').toBe(true);
    const cited = new Set<string>();
    for (const path of scanned().filter((p) => p !== SELF)) {
      for (const m of readFileSync(join(ROOT, path), 'utf8').matchAll(/\bspec ([0-9]+(?:\.[0-9]+)?)\b/g))
        cited.add(m[1]!);
    }
    expect(cited.size).toBeGreaterThan(10);
    expect([...cited].filter((section) => !sections.has(section)).sort()).toEqual([]);
  });
});
