/**
 * The TypeScript examples of README.md and docs/*.md compile: every fenced ```ts block is type-checked as a
 * module at the repository root (so `./shared/client/index.js` is the typed client), with the repository's
 * tsconfig, through the compiler API: nothing is written to disk. An example that no longer compiles (an
 * answer's type changed, a name was renamed) fails here, in CI, not in a reader's editor.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/local/paths.js';

interface Example {
  document: string;
  line: number;
  code: string;
}

async function examples(): Promise<Example[]> {
  const docs = (await readdir(join(REPO_ROOT, 'docs'))).filter((name) => name.endsWith('.md')).sort();
  const found: Example[] = [];
  for (const document of ['README.md', ...docs.map((name) => `docs/${name}`)]) {
    const text = await readFile(join(REPO_ROOT, document), 'utf8');
    for (const match of text.matchAll(/^```(?:ts|typescript)[ \t]*\n([\s\S]*?)^```[ \t]*$/gm)) {
      const line = text.slice(0, match.index).split('\n').length;
      found.push({ document, line, code: match[1] ?? '' });
    }
  }
  return found;
}

/** Each example's diagnostics, formatted; an example is a module named after its document and line. */
function typeCheck(list: Example[]): Map<Example, string> {
  const config = ts.readConfigFile(join(REPO_ROOT, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, REPO_ROOT);
  const files = new Map(
    list.map((example) => [
      join(REPO_ROOT, `${example.document.replace(/[^\w]+/g, '-')}-line-${example.line}.example.ts`),
      example,
    ]),
  );
  const host = ts.createCompilerHost(options, true);
  const { getSourceFile, fileExists, readFile: read } = host;
  host.fileExists = (name) => files.has(name) || fileExists.call(host, name);
  host.readFile = (name) => files.get(name)?.code ?? read.call(host, name);
  host.getSourceFile = (name, language, ...rest) => {
    const example = files.get(name);
    return example
      ? ts.createSourceFile(name, example.code, language, true)
      : getSourceFile.call(host, name, language, ...rest);
  };
  const program = ts.createProgram({ rootNames: [...files.keys()], options, host });
  const results = new Map<Example, string>();
  for (const [name, example] of files) {
    const source = program.getSourceFile(name);
    const diagnostics = source
      ? [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]
      : [];
    results.set(
      example,
      ts.formatDiagnostics(diagnostics, {
        getCanonicalFileName: (file) => file,
        getCurrentDirectory: () => REPO_ROOT,
        getNewLine: () => '\n',
      }),
    );
  }
  return results;
}

describe('the TypeScript examples of the docs', () => {
  it('compile against the code they show, the typed client among them', async () => {
    const list = await examples();
    expect(list.map((example) => example.document)).toContain('README.md');
    expect(list.some((example) => example.code.includes('createReviewClient'))).toBe(true);
    const failures = [...typeCheck(list)]
      .filter(([, diagnostics]) => diagnostics !== '')
      .map(([example, diagnostics]) => `${example.document}:${example.line}\n${diagnostics}`);
    expect(failures).toEqual([]);
  });
});
