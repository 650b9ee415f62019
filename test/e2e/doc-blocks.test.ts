/**
 * Every command block of README.md and docs/*.md, run exactly as written: the fenced ```sh / ```bash blocks
 * are read from the documents (so this test follows them as they change) and run by bash, one shell per
 * document (one terminal, blocks in order), against one `npm start` started in the background on free,
 * non-default ports exported once (PORT, EVENTS_PORT, SES_PORT, DYNAMODB_PORT), with a fresh data folder and
 * TMPDIR a temporary folder. A fence with a word after the language is not run: `setup` (what this test does
 * itself: install, start, the suite, the generators) and `aws` (needs an account); any other word fails.
 * Each command's exit status is checked, then what each document's commands did: the first item is queued,
 * edited, sent with the edit and in its history; the MCP call answers the tool's result; the record command is
 * answered by id and the item ends applied. The repository is left as it was: nothing is written into it.
 * Then docs/examples/review-flow.http is run request by request against the same runtime. At the end the
 * process group of `npm start` gets Ctrl-C's SIGINT: nothing, Java included, is left running.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { REPO_ROOT } from '../../infra/local/paths.js';
import { freePort } from '../../infra/local/ports.js';

/** Fence words of blocks this test does not run (README.md, "Other ports, and every command as written"). */
const NOT_RUN = new Set(['setup', 'aws']);
const SHELLS = new Set(['sh', 'bash', 'shell', 'zsh']);
const START_TIMEOUT_MS = 90_000;
const DOCUMENT_TIMEOUT_MS = 120_000;

interface Block {
  document: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The word after the language, if any. */
  kind: string | undefined;
  text: string;
}

interface Step {
  document: string;
  command: string;
  /** For `NAME=$(…)`: the variable, whose value is the step's output. */
  assigns?: string;
  output: string;
  status: number;
}

let dataDir: string;
let blockTmp: string;
let ports: { api: number; events: number; ses: number; dynamodb: number };
let terminal: ChildProcess | undefined;
let startLog = '';
const blocks: Block[] = [];
const steps: Step[] = [];
let repoBefore = '';
let repoAfter = '';
let runtimeInfo: { pid: number; dynamodbPid?: number; urls: Record<string, string> } | undefined;

/** npm start's output, kept in its data folder (the runtime does not mind another file there). */
const logFile = () => join(dataDir, 'npm-start.log');

async function documents(): Promise<string[]> {
  const docs = (await readdir(join(REPO_ROOT, 'docs'))).filter((name) => name.endsWith('.md')).sort();
  return ['README.md', ...docs.map((name) => `docs/${name}`)];
}

/** The document's fenced shell blocks, in order. */
async function shellBlocks(document: string): Promise<Block[]> {
  const lines = (await readFile(join(REPO_ROOT, document), 'utf8')).split('\n');
  const found: Block[] = [];
  let open: { line: number; shell: boolean; kind: string | undefined; body: string[] } | undefined;
  lines.forEach((line, index) => {
    if (!open) {
      const fence = /^```(\S*)[ \t]*(\S*)\s*$/.exec(line);
      if (fence)
        open = { line: index + 1, shell: SHELLS.has(fence[1] ?? ''), kind: fence[2] || undefined, body: [] };
      return;
    }
    if (/^```\s*$/.test(line)) {
      if (open.shell) found.push({ document, line: open.line, kind: open.kind, text: open.body.join('\n') });
      open = undefined;
    } else open.body.push(line);
  });
  if (open) throw new Error(`${document}:${open.line}: a fence is never closed`);
  return found;
}

/** True when bash reads the text as whole commands (no open quote, loop, continuation line). */
function complete(text: string): boolean {
  return spawnSync('bash', ['-n'], { input: text, stdio: ['pipe', 'ignore', 'ignore'] }).status === 0;
}

/** A block's commands, as bash reads them: comment and blank lines between commands dropped, the rest whole. */
function commandsOf(block: Block): string[] {
  const commands: string[] = [];
  let pending: string[] = [];
  for (const line of block.text.split('\n')) {
    if (pending.length === 0 && (line.trim() === '' || line.trim().startsWith('#'))) continue;
    pending.push(line);
    const text = pending.join('\n');
    if (line.endsWith('\\') || !complete(text)) continue;
    commands.push(text);
    pending = [];
  }
  if (pending.length > 0)
    throw new Error(
      `${block.document}:${block.line}: the block ends inside a command:\n${pending.join('\n')}`,
    );
  return commands;
}

/** What a user's terminal holds after exporting the ports once, then the document's commands, marked. */
function scriptFor(commands: string[]): string {
  const lines = [
    `export PORT=${ports.api} EVENTS_PORT=${ports.events} SES_PORT=${ports.ses} DYNAMODB_PORT=${ports.dynamodb}`,
    `export LOCAL_DATA_DIR=${JSON.stringify(dataDir)}`,
    `cd ${JSON.stringify(REPO_ROOT)}`,
  ];
  commands.forEach((command, index) => {
    const assigns = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(command)?.[1];
    lines.push(`printf '\\n@@STEP ${index}@@\\n'`, command, '__status=$?');
    if (assigns) lines.push(`printf '%s' "$${assigns}"`);
    lines.push(`printf '\\n@@END ${index} %d@@\\n' "$__status"`);
  });
  return lines.join('\n');
}

function parseSteps(document: string, commands: string[], stdout: string): Step[] {
  return commands.map((command, index) => {
    const match = new RegExp(`@@STEP ${index}@@\\n([\\s\\S]*?)\\n@@END ${index} (\\d+)@@`).exec(stdout);
    if (!match) throw new Error(`${document}, step ${index} (${command}) did not run:\n${stdout}`);
    return {
      document,
      command,
      assigns: /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(command)?.[1],
      output: match[1] ?? '',
      status: Number(match[2]),
    };
  });
}

/** bash in its own process group, like a terminal's job: it can be Ctrl-C'd as a whole. */
function bash(script: string, stdout: 'pipe' | 'ignore' = 'pipe'): ChildProcess {
  return spawn('bash', ['-c', script], {
    cwd: REPO_ROOT,
    detached: true,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TMPDIR: blockTmp,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    stdio: ['ignore', stdout, stdout],
  });
}

function runScript(
  script: string,
  timeoutMs: number,
): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = bash(script);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const timer = setTimeout(() => {
      killGroup(child, 'SIGKILL');
      reject(new Error(`the commands did not finish in ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    });
  });
}

function killGroup(child: ChildProcess | undefined, signal: NodeJS.Signals): void {
  if (child?.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Exited, or ended by a signal. */
const exited = (child: ChildProcess | undefined) => child?.exitCode !== null || child?.signalCode !== null;

function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

/** Tracked changes and untracked files, as git sees them (ignored files, like .local/, left out). */
const repositoryState = () =>
  execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });

const stepRunning = (document: string, pattern: RegExp): Step => {
  const step = steps.find((candidate) => candidate.document === document && pattern.test(candidate.command));
  if (!step)
    throw new Error(
      `no command of ${document} matches ${pattern}: ${steps
        .filter((s) => s.document === document)
        .map((s) => s.command)
        .join(' | ')}`,
    );
  return step;
};
const jsonOf = (step: Step): unknown => {
  try {
    return JSON.parse(step.output);
  } catch {
    throw new Error(`\`${step.command}\` did not answer JSON:\n${step.output}`);
  }
};

beforeAll(
  async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'for-review-docs-'));
    blockTmp = await mkdtemp(join(tmpdir(), 'for-review-docs-tmp-'));
    ports = {
      api: await freePort(),
      events: await freePort(),
      ses: await freePort(),
      dynamodb: await freePort(),
    };
    for (const document of await documents()) blocks.push(...(await shellBlocks(document)));
    repoBefore = repositoryState();

    // The first terminal: the ports exported once, then npm start.
    terminal = bash(
      [
        `export PORT=${ports.api} EVENTS_PORT=${ports.events} SES_PORT=${ports.ses} DYNAMODB_PORT=${ports.dynamodb}`,
        `export LOCAL_DATA_DIR=${JSON.stringify(dataDir)}`,
        `cd ${JSON.stringify(REPO_ROOT)}`,
        `npm start > ${JSON.stringify(logFile())} 2>&1`,
      ].join('\n'),
      'ignore',
    );
    // A person waits for the banner; runtime.json is written right after it.
    const info = join(dataDir, 'runtime.json');
    const up = await until(
      async () =>
        (await readFile(info, 'utf8').then(
          () => true,
          () => false,
        )) || exited(terminal),
      START_TIMEOUT_MS,
    );
    startLog = await readFile(logFile(), 'utf8').catch(() => '');
    if (!up || exited(terminal)) throw new Error(`npm start did not come up:\n${startLog}`);
    runtimeInfo = JSON.parse(await readFile(info, 'utf8'));

    // The second terminal, one per document: its blocks in order, as written.
    for (const document of [...new Set(blocks.map((block) => block.document))]) {
      const commands = blocks
        .filter((block) => block.document === document && block.kind === undefined)
        .flatMap(commandsOf);
      if (commands.length === 0) continue;
      const { stdout, stderr } = await runScript(scriptFor(commands), DOCUMENT_TIMEOUT_MS);
      try {
        steps.push(...parseSteps(document, commands, stdout));
      } catch (error) {
        throw new Error(`${(error as Error).message}\n${stderr}`);
      }
    }
    repoAfter = repositoryState();
    startLog = await readFile(logFile(), 'utf8').catch(() => '');
  },
  START_TIMEOUT_MS + 4 * DOCUMENT_TIMEOUT_MS,
);

afterAll(async () => {
  killGroup(terminal, 'SIGINT'); // Ctrl-C
  const stopped = await until(
    () => exited(terminal) && !isAlive(runtimeInfo?.pid) && !isAlive(runtimeInfo?.dynamodbPid),
    20_000,
  );
  killGroup(terminal, 'SIGKILL');
  expect(stopped, 'npm start and its Java process stop on SIGINT').toBe(true);
  await rm(dataDir, { recursive: true, force: true });
  await rm(blockTmp, { recursive: true, force: true });
}, 40_000);

const itemSchema = z
  .object({
    id: z.string(),
    status: z.string(),
    version: z.number(),
    draft: z.object({ subject: z.string() }).loose(),
  })
  .loose();

describe('the command blocks of README.md and docs/, as written, on other ports', () => {
  it('marks every block it does not run, with a word it knows', () => {
    for (const block of blocks)
      expect(
        block.kind === undefined || NOT_RUN.has(block.kind),
        `${block.document}:${block.line}: "${block.kind}"`,
      ).toBe(true);
    const run = new Set(blocks.filter((block) => block.kind === undefined).map((block) => block.document));
    expect([...run]).toEqual(expect.arrayContaining(['README.md', 'docs/mcp.md', 'docs/record-apply.md']));
  });

  it('found a runtime on the exported ports, and every command succeeded', () => {
    expect(runtimeInfo?.urls.api).toBe(`http://127.0.0.1:${ports.api}`);
    expect(runtimeInfo?.urls.events).toBe(`http://127.0.0.1:${ports.events}`);
    expect(steps.length).toBeGreaterThan(10);
    for (const step of steps)
      expect(step.status, `${step.document}: ${step.command}\n${step.output}`).toBe(0);
  });

  it('wrote nothing into the repository', () => {
    expect(repoAfter).toBe(repoBefore);
  });
});

describe('README: your first review item', () => {
  const README = 'README.md';

  it('send-event prints the new item id, having waited for ingest-proposal', () => {
    const step = stepRunning(README, /send-event -- docs\/examples\/demo-proposal\.json/);
    expect(step.assigns).toBe('ID');
    expect(step.output.trim()).toMatch(/^ri_[0-9A-Za-z]+$/);
    expect(startLog).toMatch(new RegExp(`ingest-proposal: created itemId=${step.output.trim()}`));
  });

  it("the demo user's queue holds the item", () => {
    const id = stepRunning(README, /send-event -- docs\/examples\/demo-proposal/).output.trim();
    const token = stepRunning(README, /^TOKEN=.*--user u_demo/);
    expect(token.output.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const queue = z
      .object({ items: z.array(itemSchema) })
      .parse(jsonOf(stepRunning(README, /\/review-items$/)));
    expect(queue.items.map((item) => item.id)).toContain(id);
  });

  it('the edit shows, and approving sends the edited email', () => {
    const edited = itemSchema.parse(jsonOf(stepRunning(README, /-X PATCH/)));
    expect(edited).toMatchObject({ version: 2, draft: { subject: 'Your renewal (edited)' } });
    const approved = itemSchema.parse(jsonOf(stepRunning(README, /\/approve$/)));
    expect(approved.status).toBe('sent');
  });

  it('local SES holds the email with the edit, and the history has every change in order', () => {
    expect(stepRunning(README, /\/store$/).output).toContain('Your renewal (edited)');
    const history = z
      .object({ items: z.array(z.object({ action: z.string(), version: z.number() }).loose()) })
      .parse(jsonOf(stepRunning(README, /\/history$/)));
    const actions = history.items.map((entry) => entry.action);
    expect(actions[0]).toBe('created');
    expect(actions).toEqual(expect.arrayContaining(['edited', 'sent']));
    const versions = history.items.map((entry) => entry.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
  });

  it('adding a member takes one send-event, and the runtime says it applied it', () => {
    const step = stepRunning(README, /send-event -- docs\/examples\/member-alice\.json/);
    expect(step.status).toBe(0);
    expect(startLog).toMatch(/Workspace Member Changed \w+ → apply-member-change: applied=true/);
  });
});

describe('README: the SES fault switch', () => {
  const README = 'README.md';

  it('a rejected send answers 502 with the item pending again; once the fault is spent, approving sends it', () => {
    const id = stepRunning(README, /send-event -- docs\/examples\/demo-check-in\.json/).output.trim();
    expect(id).toMatch(/^ri_[0-9A-Za-z]+$/);
    expect(jsonOf(stepRunning(README, /-X POST .*\/faults\/ses$/))).toMatchObject({
      armed: { action: 'reject', left: 1 },
    });
    const [, rejected, sent] = stepsOf(README).filter((step) =>
      /\/review-items\/\$ID\/approve$/.test(step.command),
    );
    expect(rejected && jsonOf(rejected)).toMatchObject({
      status: 502,
      item: { id, status: 'pending', lastSendError: { code: 'MessageRejected' } },
    });
    expect(jsonOf(stepRunning(README, /^curl -sS \$EVENTS\/faults\/ses$/))).toMatchObject({
      armed: null,
      sends: expect.arrayContaining([expect.objectContaining({ action: 'reject', reachedSes: false })]),
    });
    expect(sent && itemSchema.parse(jsonOf(sent))).toMatchObject({ id, status: 'sent' });
  });
});

describe('docs/mcp.md: a tool called with curl', () => {
  it("answers the tool's structured result", () => {
    const answer = z
      .object({
        jsonrpc: z.literal('2.0'),
        id: z.literal(1),
        result: z.object({ structuredContent: z.object({ items: z.array(z.unknown()) }).loose() }).loose(),
      })
      .parse(jsonOf(stepRunning('docs/mcp.md', /tools\/call/)));
    expect(answer.result.isError).toBeUndefined();
  });
});

describe('docs/record-apply.md: the CRM answers the command of this item', () => {
  const DOC = 'docs/record-apply.md';

  it('approving answers applying; the command is found by the item id; the answer settles it: applied', () => {
    const id = stepRunning(DOC, /send-event -- docs\/examples\/record-update-proposal\.json/).output.trim();
    expect(id).toMatch(/^ri_[0-9A-Za-z]+$/);
    expect(stepRunning(DOC, /\/approve"/).output.trim()).toBe('"applying"');
    const command = z
      .object({ itemId: z.string(), applyId: z.string(), operation: z.literal('update') })
      .loose()
      .parse(jsonOf(stepRunning(DOC, /^echo "\$COMMAND"/)));
    expect(command.itemId).toBe(id);
    expect(startLog).toMatch(/Record Change Applied \w+ → settle-record-change/);
    expect(stepsOf(DOC).at(-1)?.output.trim()).toBe('"applied"');
  });

  it("writes the CRM's answer to a temporary file, outside the repository", () => {
    expect(
      stepRunning(DOC, /^ANSWER=\$\(mktemp\)/)
        .output.trim()
        .startsWith(blockTmp),
    ).toBe(true);
  });
});

const stepsOf = (document: string) => steps.filter((step) => step.document === document);

describe('docs/examples/review-flow.http, request by request', () => {
  it('proposes, finds the item id, edits, approves, and the email is in local SES', async () => {
    const token = stepRunning('README.md', /^TOKEN=.*--user u_demo/).output.trim();
    const results = await runHttpFile(join(REPO_ROOT, 'docs/examples/review-flow.http'), {
      variables: {
        api: `http://127.0.0.1:${ports.api}`,
        events: `http://127.0.0.1:${ports.events}`,
        ses: `http://127.0.0.1:${ports.ses}`,
      },
      env: { TOKEN: token },
    });

    for (const result of results) expect(result.status, `${result.title}: ${result.text}`).toBeLessThan(300);
    const approve = results.find((result) => /approve$/.test(result.url));
    expect(approve && itemSchema.parse(JSON.parse(approve.text)).status).toBe('sent');
    const store = results.find((result) => result.url.endsWith('/store'));
    expect(store?.text).toContain('Thanks for today (edited)');
  });
});

interface HttpResult {
  title: string;
  url: string;
  status: number;
  text: string;
}

/**
 * Runs a `.http` file as VS Code's REST Client does, for the subset it uses: `@name = value` file variables,
 * `{{name}}`, `{{$processEnv NAME}}`, `# @name request` and `{{request.response.body.$.json.path[0]}}`.
 * A request whose answer lists a pending delivery is sent again, as the file's comment says to.
 */
async function runHttpFile(
  file: string,
  options: { variables: Record<string, string>; env: Record<string, string> },
): Promise<HttpResult[]> {
  const text = await readFile(file, 'utf8');
  const [preamble = '', ...chunks] = text.split(/^###.*$/m);
  const fileVariables = new Map<string, string>();
  for (const match of preamble.matchAll(/^@(\w+)\s*=\s*(.*)$/gm))
    fileVariables.set(match[1] as string, (match[2] as string).trim());
  for (const [name, value] of Object.entries(options.variables)) fileVariables.set(name, value);
  const responses = new Map<string, unknown>();

  const resolve = (template: string, depth = 0): string =>
    template.replace(/\{\{\s*([^}]+?)\s*\}\}/g, (_, expression: string) => {
      if (depth > 5) throw new Error(`variables nest too deep at ${expression}`);
      const env = /^\$processEnv\s+(\w+)$/.exec(expression);
      if (env) return options.env[env[1] as string] ?? '';
      const reference = /^(\w+)\.response\.body\.\$(.*)$/.exec(expression);
      if (reference) return String(jsonPath(responses.get(reference[1] as string), reference[2] as string));
      const variable = fileVariables.get(expression);
      if (variable === undefined) throw new Error(`unknown variable {{${expression}}}`);
      return resolve(variable, depth + 1);
    });

  const results: HttpResult[] = [];
  for (const chunk of chunks) {
    const lines = chunk.split('\n');
    const title = lines[0]?.trim() ?? '';
    let name: string | undefined;
    let index = 1;
    for (; index < lines.length; index += 1) {
      const line = lines[index]?.trim() ?? '';
      const named = /^#\s*@name\s+(\w+)/.exec(line);
      if (named) name = named[1];
      else if (line !== '' && !line.startsWith('#')) break;
    }
    const requestLine = lines[index];
    if (!requestLine) continue;
    const [method, url] = resolve(requestLine.trim()).split(/\s+/);
    const headers: Record<string, string> = {};
    for (index += 1; index < lines.length && (lines[index]?.trim() ?? '') !== ''; index += 1) {
      const header = /^([^:]+):\s*(.*)$/.exec(lines[index] ?? '');
      if (header) headers[(header[1] as string).trim()] = resolve((header[2] as string).trim());
    }
    const body = lines
      .slice(index + 1)
      .join('\n')
      .trim();
    for (let attempt = 1; ; attempt += 1) {
      const response = await fetch(url as string, {
        method,
        headers,
        ...(body === '' ? {} : { body: resolve(body) }),
      });
      const answer = await response.text();
      const json = safeJson(answer);
      const pending =
        JSON.stringify(json ?? '').includes('"status":"pending"') && /deliveries/.test(url ?? '');
      if (pending && attempt < 50) {
        await new Promise((done) => setTimeout(done, 100));
        continue;
      }
      if (name) responses.set(name, json);
      results.push({ title, url: url as string, status: response.status, text: answer });
      break;
    }
  }
  return results;
}

function jsonPath(value: unknown, path: string): unknown {
  let current = value;
  for (const part of path.match(/[^.[\]]+/g) ?? []) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
