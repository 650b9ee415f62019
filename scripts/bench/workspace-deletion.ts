/**
 * The workspace deletion's benchmark (spec 3, "Data lifecycle": "workspace deletion of 10⁴ items in the benchmark
 * (time, requests per item), resumable after a crash midway"): `npm run bench -- --workspace-deletion [--items 10000]`.
 *
 * A fresh table holds N open items of one workspace (bulk-loaded as ingest writes them: item, history, markers,
 * queue and record entries, heads, outbox records, counters), its members and settings, and a small second
 * workspace. `Workspace Deleted` starts the deletion (startWorkspaceDeletion); the privacy job then runs as the
 * schedule runs it until the deletion is done. The first run crashes midway through a page (a `Crash` thrown at a
 * write's crash point, so that page's keys are half deleted and its position not saved); a fresh run resumes. It
 * prints the records before, the records deleted, the requests by kind, per item and per record, the time and the
 * runs, and checks on the tenant index (its 16 shards) that nothing of the workspace is left and that the other
 * workspace is as it was. The deletion's own count misses the records the crashed run deleted in the page it never
 * saved: the resumed run no longer finds them, so they are shown apart (records before − records left).
 */
import { parseArgs } from 'node:util';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ensureTable, localClient, startDynamoDbLocal } from '../../infra/local/dynamodb-local.js';
import { Crash, observeCrashPoints } from '../../shared/crash-points.js';
import type { Member } from '../../shared/domain/review-item.js';
import { DEFAULT_SETTINGS } from '../../shared/domain/settings.js';
import { TENANT_SHARDS } from '../../shared/domain/tenant-shards.js';
import { deletionKey } from '../../shared/store/entities/erasure.js';
import { tenantKeys } from '../../shared/store/entities/tenant.js';
import { registryWrite } from '../../shared/store/entities/workspace-registry.js';
import { ReviewStore } from '../../shared/store/review-store.js';
import { Table } from '../../shared/store/table.js';
import { applyTallies } from '../../shared/store/tallies.js';
import { startWorkspaceDeletion } from '../../shared/use-cases/delete-workspace.js';
import type { Deps } from '../../shared/use-cases/deps.js';
import { runPrivacyJobs } from '../../shared/use-cases/privacy-jobs.js';
import { newItemId } from '../../shared/wiring.js';
import { bulkLoad, itemOps, memberOps } from '../lib/bulk-load.js';
import { proposal } from '../lib/proposal.js';
import { countRequests, elapsedMs } from './measure.js';

const GONE = 'ws_gone';
const KEPT = 'ws_kept';
const KEPT_ITEMS = 50;
const CHUNK = 1_000;
/** The first run dies before its 100th write: in its third page (40 BatchWriteItem and a PutItem a page). */
const CRASH_AT_WRITE = 100;

const memberOf = (workspaceId: string, userId: string, mailbox: string): Member => ({
  workspaceId,
  userId,
  role: 'member',
  mailboxes: [mailbox],
  active: true,
  changedAt: '2026-01-01T00:00:00.000Z',
});

export async function workspaceDeletionBenchmark(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args: args.filter((arg) => arg !== '--workspace-deletion'),
    options: { items: { type: 'string', default: '10000' } },
  });
  const items = Number(values.items);
  if (!Number.isInteger(items) || items < 1) throw new Error('--items: a whole number ≥ 1');

  const dynamodb = await startDynamoDbLocal({ port: 0 });
  const raw = localClient(dynamodb.endpoint);
  // The checks read through a client of their own: only the deletion's requests are counted.
  const check = DynamoDBDocumentClient.from(localClient(dynamodb.endpoint));
  try {
    const tableName = 'bench-workspace-deletion';
    await ensureTable(raw, tableName);
    const db = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
    const store = new ReviewStore(db, tableName);
    const seedStart = process.hrtime.bigint();
    await seed(db, store, tableName, GONE, items, 'gina@gone.com');
    await seed(db, store, tableName, KEPT, KEPT_ITEMS, 'kim@kept.com');
    console.error(`seeded ${items} + ${KEPT_ITEMS} items: ${(elapsedMs(seedStart) / 1000).toFixed(1)} s`);

    const before = await tenantRecords(check, tableName, GONE);
    const keptBefore = await tenantRecords(check, tableName, KEPT);

    const deps: Deps = { store, clock: () => new Date(), newId: newItemId };
    const counter = countRequests(db);
    const started = process.hrtime.bigint();
    await startWorkspaceDeletion(deps, { workspaceId: GONE, deletedAt: new Date().toISOString() });

    // Run 1 dies midway through a page: the writes before the crash are done, the page's position is not saved.
    let writes = 0;
    observeCrashPoints((point) => {
      if (point === 'store.write.before' && ++writes === CRASH_AT_WRITE) throw new Crash(point);
    });
    let runs = 1;
    try {
      await runPrivacyJobs(deps);
      throw new Error('the first run did not crash');
    } catch (error) {
      if (!(error instanceof Crash)) throw error;
    } finally {
      observeCrashPoints(undefined);
    }
    const atCrash = await tenantRecords(check, tableName, GONE);
    const crashedRequests = counter.total;
    console.error(`run 1 crashed after ${crashedRequests} requests; ${atCrash.length} records left`);

    // Fresh runs, as the schedule starts them, until the deletion is done.
    let completed = 0;
    while (completed === 0) {
      runs += 1;
      completed = (await runPrivacyJobs(deps)).completed;
    }
    const seconds = elapsedMs(started) / 1000;
    const total = counter.total;
    const by = counter.byCommand;

    const after = await tenantRecords(check, tableName, GONE);
    const keptAfter = await tenantRecords(check, tableName, KEPT);
    const deletion = (await store.duePrivacyWork(10)).deletions.length;
    const audit = await new Table(check, tableName).get(deletionKey(GONE));
    const recordsDeleted = Number(audit?.recordsDeleted ?? Number.NaN);

    console.log(
      "| items | records before | records deleted (the deletion's count) | requests | by kind | requests per item | requests per record | time | runs |",
    );
    console.log('|---|---|---|---|---|---|---|---|---|');
    console.log(
      `| ${items} | ${before.length} | ${before.length - after.length} (${recordsDeleted}) | ${total} | ` +
        `${Object.entries(by)
          .map(([name, n]) => `${name} ${n}`)
          .join(', ')} | ` +
        `${(total / items).toFixed(2)} | ${(total / before.length).toFixed(3)} | ${seconds.toFixed(1)} s | ${runs} (the first crashed after ${crashedRequests} requests, ${before.length - atCrash.length} records deleted) |`,
    );
    console.log(
      `left of ${GONE} on the tenant index: ${after.length}; ${KEPT}: ${keptBefore.length} records before, ${keptAfter.length} after; deletion ${audit?.status}, pass ${JSON.stringify(audit?.pass)}; running deletions: ${deletion}`,
    );
    const problems = [
      after.length > 0 && `${after.length} records of ${GONE} left`,
      keptAfter.join('\n') !== keptBefore.join('\n') && `${KEPT} changed`,
      audit?.status !== 'completed' && 'the deletion is not completed',
      deletion > 0 && 'a deletion is still due',
    ].filter(Boolean);
    if (problems.length > 0) throw new Error(problems.join('; '));
  } finally {
    check.destroy();
    raw.destroy();
    await dynamodb.stop();
  }
}

/** N open items of one workspace with their member, its registry entry and its settings. */
async function seed(
  db: DynamoDBDocumentClient,
  store: ReviewStore,
  tableName: string,
  workspaceId: string,
  items: number,
  mailbox: string,
): Promise<void> {
  const member = memberOf(workspaceId, 'u_reviewer', mailbox);
  await bulkLoad(db, tableName, memberOps(tableName, [member]));
  const now = Date.now();
  for (let from = 0; from < items; from += CHUNK) {
    const proposals = Array.from({ length: Math.min(items, from + CHUNK) - from }, (_, i) => {
      const n = from + i;
      return proposal({
        workspaceId,
        proposedAt: new Date(now - 60_000 + n).toISOString(),
        dedupKey: `d${n}`,
        run: { id: `run_${n}`, executedAs: { kind: 'workspace' } },
        relatedRecords: [{ type: 'account', id: `acc_${n % 100}` }],
        draft: { from: mailbox, to: ['x@globex.com'], cc: [], bcc: [], threadId: `thread_${n}` },
      });
    });
    await bulkLoad(
      db,
      tableName,
      itemOps(tableName, proposals, [member], proposals[0]!.proposedAt, newItemId).ops,
    );
  }
  // The registry entry an item's creation adds through apply-tallies (bulk loading writes no tallies).
  await applyTallies(new Table(db, tableName), [
    { source: { pk: 'BENCH', sk: `REGISTRY#${workspaceId}` }, writes: [registryWrite(workspaceId)] },
  ]);
  await store.saveSettings(
    workspaceId,
    { ...DEFAULT_SETTINGS, version: 1, updatedAt: new Date().toISOString(), updatedBy: 'u_admin' },
    0,
  );
}

/** The workspace's records on the tenant index, every shard (sorted keys). */
async function tenantRecords(db: DynamoDBDocumentClient, tableName: string, workspaceId: string) {
  const keys: string[] = [];
  for (let shard = 0; shard < TENANT_SHARDS; shard++) {
    let from: Record<string, unknown> | undefined;
    do {
      const out = await db.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: 'tenant',
          KeyConditionExpression: 'tenantPk = :shard',
          ExpressionAttributeValues: { ':shard': tenantKeys.shard(workspaceId, shard) },
          ...(from ? { ExclusiveStartKey: from } : {}),
        }),
      );
      for (const row of out.Items ?? []) keys.push(`${row.pk} ${row.sk}`);
      from = out.LastEvaluatedKey;
    } while (from);
  }
  return keys.sort();
}
