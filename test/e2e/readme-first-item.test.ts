/**
 * The README's "Your first review item", run exactly as written: the shell commands are taken from the
 * section's code blocks (so this test follows the README as it changes) and run by bash, one session, after
 * `npm start` in the background on non-default ports exported once, with a fresh data folder. Each step's
 * outcome is checked: the item is in the queue, the edit shows, the email with the edit is in local SES, the
 * history has it all. Then docs/examples/review-flow.http is run request by request against the same runtime.
 * At the end the process group gets Ctrl-C's SIGINT: nothing, Java included, is left running.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { REPO_ROOT } from '../../infra/local/paths.js';
import { freePort } from '../../infra/local/ports.js';

const SECTION = '## Your first review item';
const SCRIPT_TIMEOUT_MS = 150_000;

interface Step {
  command: string;
  /** For `NAME=$(…)`: the variable, whose value is the step's output. */
  assigns?: string;
  output: string;
  status: number;
}

let dataDir: string;
let ports: { api: number; events: number; ses: number; dynamodb: number };
let bash: ChildProcess | undefined;
let startLog = '';
let steps: Step[] = [];
let runtimeInfo: { pid: number; dynamodbPid?: number; urls: Record<string, string> } | undefined;
let npmStartPid: number | undefined;

/** npm start's output, kept in its data folder (the runtime does not mind another file there). */
const logFile = () => join(dataDir, 'npm-start.log');

/** The shell commands of the README section's ```sh blocks: comments dropped, continuation lines joined. */
async function readmeCommands(): Promise<string[]> {
  const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(SECTION);
  if (start < 0) throw new Error(`README.md has no "${SECTION}" section`);
  const end = readme.indexOf('\n## ', start + SECTION.length);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const commands: string[] = [];
  for (const block of section.matchAll(/```(?:sh|bash|shell)\n([\s\S]*?)```/g)) {
    let pending = '';
    for (const line of (block[1] ?? '').split('\n')) {
      if (pending === '' && (line.trim() === '' || line.trim().startsWith('#'))) continue;
      if (line.endsWith('\\')) {
        pending += `${line}\n`; // bash joins it, as in a terminal
        continue;
      }
      commands.push(pending + line);
      pending = '';
    }
  }
  return commands;
}

function scriptFor(commands: string[]): string {
  const lines = [
    `export PORT=${ports.api} EVENTS_PORT=${ports.events} SES_PORT=${ports.ses} DYNAMODB_PORT=${ports.dynamodb}`,
    `export LOCAL_DATA_DIR=${JSON.stringify(dataDir)}`,
    `cd ${JSON.stringify(REPO_ROOT)}`,
    `npm start > ${JSON.stringify(logFile())} 2>&1 &`,
    'echo "@@NPM_START_PID $!@@"',
    // A person waits for the banner; runtime.json is written right after it.
    `for i in $(seq 1 300); do [ -f "$LOCAL_DATA_DIR/runtime.json" ] && break; sleep 0.1; done`,
    'echo "@@READY@@"',
  ];
  commands.forEach((command, index) => {
    const assigns = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(command)?.[1];
    lines.push(`printf '\\n@@STEP ${index}@@\\n'`, command, '__status=$?');
    if (assigns) lines.push(`printf '%s' "$${assigns}"`);
    lines.push(`printf '\\n@@END ${index} %d@@\\n' "$__status"`);
  });
  return lines.join('\n');
}

function parseSteps(commands: string[], stdout: string): Step[] {
  return commands.map((command, index) => {
    const match = new RegExp(`@@STEP ${index}@@\\n([\\s\\S]*?)\\n@@END ${index} (\\d+)@@`).exec(stdout);
    if (!match) throw new Error(`step ${index} (${command}) did not run:\n${stdout}`);
    return {
      command,
      assigns: /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(command)?.[1],
      output: match[1] ?? '',
      status: Number(match[2]),
    };
  });
}

function runScript(script: string): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], {
      cwd: REPO_ROOT,
      detached: true, // its own process group, like a terminal's job: the test can Ctrl-C it as a whole
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    bash = child;
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const timer = setTimeout(() => {
      killGroup('SIGKILL');
      reject(
        new Error(`the README commands did not finish in ${SCRIPT_TIMEOUT_MS} ms:\n${stdout}\n${stderr}`),
      );
    }, SCRIPT_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    });
  });
}

function killGroup(signal: NodeJS.Signals): void {
  if (bash?.pid === undefined) return;
  try {
    process.kill(-bash.pid, signal);
  } catch {
    // already gone
  }
}

function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

const stepRunning = (pattern: RegExp): Step => {
  const step = steps.find((candidate) => pattern.test(candidate.command));
  if (!step)
    throw new Error(`no README command matches ${pattern}: ${steps.map((s) => s.command).join(' | ')}`);
  return step;
};
const jsonOf = (step: Step): unknown => {
  try {
    return JSON.parse(step.output);
  } catch {
    throw new Error(`\`${step.command}\` did not answer JSON:\n${step.output}`);
  }
};

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'for-review-readme-'));
  ports = {
    api: await freePort(),
    events: await freePort(),
    ses: await freePort(),
    dynamodb: await freePort(),
  };
  const commands = await readmeCommands();
  const { stdout, stderr } = await runScript(scriptFor(commands));
  npmStartPid = Number(/@@NPM_START_PID (\d+)@@/.exec(stdout)?.[1]);
  startLog = await readFile(logFile(), 'utf8').catch(() => '');
  if (!stdout.includes('@@READY@@'))
    throw new Error(`the script did not start:\n${stdout}\n${stderr}\n${startLog}`);
  runtimeInfo = JSON.parse(await readFile(join(dataDir, 'runtime.json'), 'utf8'));
  steps = parseSteps(commands, stdout);
}, SCRIPT_TIMEOUT_MS + 30_000);

afterAll(async () => {
  killGroup('SIGINT'); // Ctrl-C
  const stopped = await until(
    () => !isAlive(npmStartPid) && !isAlive(runtimeInfo?.pid) && !isAlive(runtimeInfo?.dynamodbPid),
    20_000,
  );
  killGroup('SIGKILL');
  expect(stopped, 'npm start and its Java process stop on SIGINT').toBe(true);
  await rm(dataDir, { recursive: true, force: true });
}, 40_000);

const itemSchema = z
  .object({
    id: z.string(),
    status: z.string(),
    version: z.number(),
    draft: z.object({ subject: z.string() }).loose(),
  })
  .loose();

describe('README: your first review item, as written, on other ports', () => {
  it('found a runtime on the exported ports, with no settings in the second terminal', () => {
    expect(runtimeInfo?.urls.api).toBe(`http://127.0.0.1:${ports.api}`);
    expect(runtimeInfo?.urls.events).toBe(`http://127.0.0.1:${ports.events}`);
    for (const step of steps) expect(step.status, `${step.command}\n${step.output}`).toBe(0);
  });

  it('send-event prints the new item id, having waited for ingest-proposal', () => {
    const step = stepRunning(/send-event -- docs\/examples\/demo-proposal\.json/);
    expect(step.assigns).toBe('ID');
    expect(step.output.trim()).toMatch(/^ri_[0-9A-Za-z]+$/);
    expect(startLog).toMatch(new RegExp(`ingest-proposal: created itemId=${step.output.trim()}`));
  });

  it("the demo user's queue holds the item", () => {
    const id = stepRunning(/send-event -- docs\/examples\/demo-proposal/).output.trim();
    const token = stepRunning(/^TOKEN=.*--user u_demo/);
    expect(token.output.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const queue = z.object({ items: z.array(itemSchema) }).parse(jsonOf(stepRunning(/\/review-items$/)));
    expect(queue.items.map((item) => item.id)).toContain(id);
  });

  it('the edit shows, and approving sends the edited email', () => {
    const edited = itemSchema.parse(jsonOf(stepRunning(/-X PATCH/)));
    expect(edited).toMatchObject({ version: 2, draft: { subject: 'Your renewal (edited)' } });
    const approved = itemSchema.parse(jsonOf(stepRunning(/\/approve$/)));
    expect(approved.status).toBe('sent');
  });

  it('local SES holds the email with the edit, and the history has every change in order', () => {
    expect(stepRunning(/\/store$/).output).toContain('Your renewal (edited)');
    const history = z
      .object({ items: z.array(z.object({ action: z.string(), version: z.number() }).loose()) })
      .parse(jsonOf(stepRunning(/\/history$/)));
    const actions = history.items.map((entry) => entry.action);
    expect(actions[0]).toBe('created');
    expect(actions).toEqual(expect.arrayContaining(['edited', 'sent']));
    const versions = history.items.map((entry) => entry.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
  });

  it('adding a member takes one send-event, and the runtime says it applied it', () => {
    const step = stepRunning(/send-event -- docs\/examples\/member-alice\.json/);
    expect(step.status).toBe(0);
    expect(startLog).toMatch(/Workspace Member Changed \w+ → apply-member-change: applied=true/);
  });
});

describe('docs/examples/review-flow.http, request by request', () => {
  it('proposes, finds the item id, edits, approves, and the email is in local SES', async () => {
    const token = stepRunning(/^TOKEN=.*--user u_demo/).output.trim();
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
