/**
 * A draft kind owns everything about its kind (shared/drafts/<kind>/): the code outside shared/drafts/ asks the
 * draft's kind and never compares a draft type itself. This test reads every source file outside shared/drafts/ and
 * fails on a comparison with a draft type (`x.type === 'email'`, `'record.update' !== t`, `case 'record.create':`);
 * a draft type named for another reason (a test fixture, a log line, a schema's literal) is not a comparison.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KINDS } from '../../shared/drafts/index.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SCANNED = ['shared', 'functions', 'infra'];
/** The kinds' own folder, and the generated API client (it names every type of the OpenAPI document). */
const EXCLUDED = ['shared/drafts/', 'shared/client/openapi.ts'];

const sourceFiles = (dir: string): string[] =>
  readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A comparison with one of the types, on either side of it, or a `case` of a switch. */
function typeBranches(source: string, types: readonly string[]): string[] {
  const literal = `['"\`](?:${types.map(escapeRegExp).join('|')})['"\`]`;
  const pattern = new RegExp(
    [`(?:===?|!==?)\\s*${literal}`, `${literal}\\s*(?:===?|!==?)`, `\\bcase\\s+${literal}\\s*:`].join('|'),
  );
  return source
    .split('\n')
    .flatMap((line, index) => (pattern.test(line) ? [`${index + 1}: ${line.trim()}`] : []));
}

const DRAFT_TYPES = Object.keys(KINDS);

describe('draft types outside shared/drafts/', () => {
  it('recognizes a branch on a draft type in each of its shapes', () => {
    const branches = [
      "if (item.draft.type === 'email') send();",
      'if (draft.type !== "record.update") return;',
      "  case 'record.create':",
      "const transition = 'email' === item.type ? 'claim' : 'applyClaim';",
    ];
    for (const branch of branches) expect(typeBranches(branch, DRAFT_TYPES)).toHaveLength(1);
    const mentions = [
      "const fixture = { type: 'email', from: 'a@b.co' };",
      "if (event.type === 'message.sent') return;",
      "z.literal('record.update')",
      "logger.info('email sent', { type: 'email' });",
    ];
    for (const mention of mentions) expect(typeBranches(mention, DRAFT_TYPES)).toEqual([]);
  });

  it('finds no branch on a draft type: the generic paths ask the kind', () => {
    const found = SCANNED.flatMap(sourceFiles)
      .filter((path) => !EXCLUDED.some((excluded) => path.startsWith(excluded)))
      .flatMap((path) =>
        typeBranches(readFileSync(join(ROOT, path), 'utf8'), DRAFT_TYPES).map((line) => `${path}:${line}`),
      );
    expect(found).toEqual([]);
  });
});
