/**
 * The manifest's table access levels checked against the code: each function's deployed bundle (esbuild's metafile,
 * the stack's own bundling settings) lists the project modules it reaches, and what those modules call tells which
 * DynamoDB actions the function can use. A level above that (a read function granted writes, a function granted
 * PartiQL it never runs) fails here; a level below it fails in AWS, and here too.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Access, entryOf, functions } from '../../infra/manifest.js';
import { PROJECT_ROOT } from '../../infra/stacks/bundling.js';
import { esbuildOptionsOf } from '../../scripts/bundle-report/deployed.js';

/**
 * The stores' public methods (shared/store/read-store.ts, review-store.ts) by what they send. A class is bundled
 * whole, so what a function uses is told by the calls of the modules outside the store's implementation.
 */
const STORE_METHODS = {
  write: [
    'changeItem',
    'changeItemIfCurrent',
    'claimWebhook',
    'completeWebhook',
    'createItem',
    'recordDropped',
    'recordWebhookAnswer',
    'saveMemberIfNewer',
    'saveSettings',
    'setDelegation',
    'saveDelegationJob',
    'finishDelegationJob',
    'stampExpiry',
    'createErasure',
    'saveErasure',
    'completeErasure',
    'eraseItem',
    'startDeletion',
    'saveDeletion',
    'deleteTenantPage',
  ],
  /** ItemReader.matchCandidates: the one PartiQL SELECT, on the `match` index. */
  partiql: ['matchCandidates'],
  read: [
    'automations',
    'candidates',
    'counters',
    'decisionDurations',
    'dismissNotes',
    'due',
    'feedback',
    'getHead',
    'getHistory',
    'getItem',
    'getMember',
    'listItems',
    'memberAndNames',
    'openRecordUpdates',
    'proposalReads',
    'queueCounts',
    'activeAdmins',
    'awayMembers',
    'dueDelegationJobs',
    'getDelegationJob',
    'getItems',
    'getSettings',
    'queuePage',
    'registeredWorkspaces',
    'settingsOf',
    'waiting',
    'decidedItems',
    'getErasure',
    'tenantItemsPage',
    'duePrivacyWork',
  ],
} as const;
const methodCall = (names: readonly string[]) => new RegExp(`\\.(${names.join('|')})\\(`);

/** What a module's source calls, by the store's and the SDK's own names. */
const CALLS = {
  /** The health probe's request: the only DescribeTable. */
  describe: /new DescribeTableCommand\(/,
  read: new RegExp(`${methodCall(STORE_METHODS.read).source}|\\btable\\.(get|batchGet|query|queryAll)\\(`),
  write: new RegExp(
    `${methodCall(STORE_METHODS.write).source}|\\btable\\.(write|transact)\\(|new (Put|Update|Delete|TransactWrite)Command\\(`,
  ),
  partiql: methodCall(STORE_METHODS.partiql),
} as const;

/**
 * The store's implementation (its classes are bundled whole, every method with them), and the per-workspace
 * limit's rate record, whose one write has a grant of its own, on those records only (iam.test.ts).
 */
const STORE_IMPLEMENTATION =
  /^shared\/store\/(table|read-store|review-store|entities\/workspace-rate)\.ts$|^shared\/store\/repositories\//;

let reached: Map<string, string[]>;

beforeAll(async () => {
  const { options } = esbuildOptionsOf();
  const result = await build({
    ...options,
    entryPoints: functions.map((fn) => join(PROJECT_ROOT, entryOf(fn))),
    outdir: join(PROJECT_ROOT, '.table-access'),
    write: false,
    metafile: true,
  });
  reached = new Map(
    functions.map((fn) => {
      const output = Object.values(result.metafile.outputs).find((o) =>
        o.entryPoint?.endsWith(`functions/${fn.name}.ts`),
      );
      if (!output) throw new Error(`No bundle for ${fn.name}`);
      const modules = Object.entries(output.inputs)
        .filter(([path, { bytesInOutput }]) => !path.includes('node_modules') && bytesInOutput > 0)
        .map(([path]) => path);
      return [fn.name, modules];
    }),
  );
}, 120_000);

const source = (path: string) => readFileSync(join(PROJECT_ROOT, path), 'utf8');
/** Whether a module the function's bundle reaches (the table module's own definitions aside) makes such a call. */
const calls = (name: string, call: keyof typeof CALLS) =>
  (reached.get(name) ?? []).some(
    (path) =>
      !STORE_IMPLEMENTATION.test(path) && CALLS[call].test(source(path).replace(/^\s*(\/\/|\*).*$/gm, '')),
  );

function levelOf(name: string): Access['table'] {
  if (calls(name, 'write')) return 'readwrite';
  if (calls(name, 'read')) return 'read';
  if (calls(name, 'describe')) return 'describe';
  return undefined;
}

describe('table access: what each function is granted is what its code calls', () => {
  it.each(functions.map((fn) => [fn.name, fn.access] as const))(
    "%s's table level is the one its code needs",
    (name, access) => {
      expect(levelOf(name)).toBe(access.table);
    },
  );

  it.each(functions.map((fn) => [fn.name, fn.access] as const))(
    '%s is granted PartiQL exactly when its code runs a SELECT',
    (name, access) => {
      expect(calls(name, 'partiql') ? ['match'] : undefined).toEqual(access.partiql);
    },
  );

  it('classifies every public method of the stores (a new one must say what it sends)', () => {
    const methods = ['shared/store/read-store.ts', 'shared/store/review-store.ts'].flatMap((path) =>
      [...source(path).matchAll(/^ {2}(?:async )?([a-zA-Z]+)\(/gm)].map((m) => m[1]),
    );
    const classified = Object.values(STORE_METHODS).flat();
    expect(new Set(methods.filter((m) => m !== 'constructor'))).toEqual(new Set(classified));
    expect(classified).toHaveLength(new Set(classified).size);
  });

  it('runs PartiQL in one place only, a SELECT on the match index by its partition key (the grant above is sound)', () => {
    const selects = [...new Set([...reached.values()].flat())].filter((path) =>
      /\.selectAll\(/.test(source(path)),
    );
    expect(selects).toEqual(['shared/store/repositories/item-reader.ts']);
    const reader = source('shared/store/repositories/item-reader.ts');
    const method = reader.slice(
      reader.indexOf('async matchCandidates('),
      reader.indexOf('async openRecordUpdates('),
    );
    expect(method).toMatch(/SELECT \* FROM "\$\{this\.table\.name\}"\."match" WHERE "matchPk" IN \[/);
    expect(reader.match(/\.selectAll\(/g)).toHaveLength(1);
  });

  it('the probes see calls where they are: health describes, the webhook selects, approve writes', () => {
    expect(calls('health', 'describe')).toBe(true);
    expect(calls('receive-email-webhook', 'partiql')).toBe(true);
    expect(calls('approve-review-item', 'write')).toBe(true);
    expect(calls('get-review-item', 'write')).toBe(false);
  });
});
