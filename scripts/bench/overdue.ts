/**
 * The overdue job's benchmark (spec 3, "Overdue and escalation": "the jobs read only what is due, never every
 * item, whatever the size of the workspace"): `npm run bench -- --overdue [--sizes 1000,10000,100000] [--due 100]`.
 *
 * For each size N, a fresh table holds N open items of one workspace (bulk-loaded as ingest writes them), of which
 * `--due` were created three days ago and the rest a minute ago; the workspace's settings mark items overdue after
 * an hour. One run of the job (as the schedule runs it) must mark exactly the due ones. It prints the run's DynamoDB
 * requests, its reads (Query, BatchGetItem) and requests per marked item: flat in N when the job reads only what is
 * due, N-shaped if it walked the open items.
 */
import { parseArgs } from 'node:util';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ensureTable, localClient, startDynamoDbLocal } from '../../infra/local/dynamodb-local.js';
import type { Member } from '../../shared/domain/review-item.js';
import { DEFAULT_SETTINGS } from '../../shared/domain/settings.js';
import { registryWrite } from '../../shared/store/entities/workspace-registry.js';
import { ReviewStore } from '../../shared/store/review-store.js';
import { Table } from '../../shared/store/table.js';
import { applyTallies } from '../../shared/store/tallies.js';
import type { Deps } from '../../shared/use-cases/deps.js';
import { markOverdueItems } from '../../shared/use-cases/overdue-jobs.js';
import { newItemId } from '../../shared/wiring.js';
import { bulkLoad, itemOps, memberOps } from '../lib/bulk-load.js';
import { proposal } from '../lib/proposal.js';
import { countRequests, elapsedMs } from './measure.js';

const WORKSPACE_ID = 'ws_bench';
const ALICE: Member = {
  workspaceId: WORKSPACE_ID,
  userId: 'u_alice',
  role: 'member',
  mailboxes: ['alice@acme.com'],
  active: true,
  changedAt: '2026-01-01T00:00:00.000Z',
};
const CHUNK = 1_000;
const HOUR = 3600_000;

export async function overdueBenchmark(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args: args.filter((arg) => arg !== '--overdue'),
    options: {
      sizes: { type: 'string', default: '1000,10000,100000' },
      due: { type: 'string', default: '100' },
    },
  });
  const sizes = values.sizes.split(',').map((s) => Number(s.trim()));
  const due = Number(values.due);
  if (sizes.some((n) => !Number.isInteger(n) || n <= due) || !Number.isInteger(due) || due < 1)
    throw new Error('--sizes: whole numbers above --due; --due: a whole number ≥ 1');

  const dynamodb = await startDynamoDbLocal({ port: 0 });
  const raw = localClient(dynamodb.endpoint);
  try {
    console.log('| open items | due | marked | requests | by kind | requests per marked item | time |');
    console.log('|---|---|---|---|---|---|---|');
    for (const [index, items] of sizes.entries()) {
      const tableName = `bench-overdue-${index}`;
      await ensureTable(raw, tableName);
      const db = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
      const now = Date.now();
      await bulkLoad(db, tableName, memberOps(tableName, [ALICE]));
      // The due ones first, as chunks of their own: a chunk's items are created at its first proposal's time.
      const chunks: [number, number][] = [];
      for (let from = 0; from < due; from += CHUNK) chunks.push([from, Math.min(due, from + CHUNK)]);
      for (let from = due; from < items; from += CHUNK) chunks.push([from, Math.min(items, from + CHUNK)]);
      for (const [from, to] of chunks) {
        const proposals = Array.from({ length: to - from }, (_, i) => {
          const n = from + i;
          // The first `due` items waited three days; the rest a minute.
          const at = new Date(n < due ? now - 72 * HOUR + n * 1000 : now - 60_000).toISOString();
          return proposal({
            workspaceId: WORKSPACE_ID,
            proposedAt: at,
            dedupKey: `o${n}`,
            run: { id: `run_${n}`, executedAs: { kind: 'workspace' } },
            relatedRecords: [],
            draft: { from: 'alice@acme.com', to: ['x@globex.com'], cc: [], bcc: [] },
          });
        });
        await bulkLoad(
          db,
          tableName,
          itemOps(tableName, proposals, [ALICE], proposals[0]!.proposedAt, newItemId).ops,
        );
      }
      const table = new Table(db, tableName);
      // The registry entry an item's creation adds through apply-tallies (bulk loading writes no tallies).
      await applyTallies(table, [
        { source: { pk: 'BENCH', sk: 'REGISTRY' }, writes: [registryWrite(WORKSPACE_ID)] },
      ]);
      const store = new ReviewStore(db, tableName);
      await store.saveSettings(
        WORKSPACE_ID,
        {
          ...DEFAULT_SETTINGS,
          overdueAfterMinutes: 60,
          version: 1,
          updatedAt: new Date().toISOString(),
          updatedBy: 'u_admin',
        },
        0,
      );
      const deps: Deps = { store, clock: () => new Date(), newId: newItemId };
      const counter = countRequests(db);
      const started = process.hrtime.bigint();
      const outcome = await markOverdueItems(deps);
      const seconds = elapsedMs(started) / 1000;
      const by = counter.byCommand;
      console.log(
        `| ${items} | ${due} | ${outcome.overdue} | ${counter.total} | ` +
          `${Object.entries(by)
            .map(([name, n]) => `${name} ${n}`)
            .join(', ')} | ` +
          `${(counter.total / Math.max(1, outcome.overdue)).toFixed(2)} | ${seconds.toFixed(1)} s |`,
      );
      if (outcome.overdue !== due) throw new Error(`marked ${outcome.overdue} of ${due} due items`);
    }
  } finally {
    raw.destroy();
    await dynamodb.stop();
  }
}
