/**
 * The delegation benchmark (spec 3, Delegation: "a member with 10⁴ open items: all of them carry the delegate within
 * 5 minutes, in pages, no request growing with the queue, nothing hot"): `npm run bench -- --delegation [--items N]`.
 *
 * Seeds N open items in Alice's queue (workspace runs from her mailbox, the records ingest writes, bulk-loaded),
 * sets her delegation to Carol through the use case, then runs the delegation job as its schedule would, run after
 * run, until every item carries Carol; then ends it and runs the job again until Carol is off every item. It prints
 * the wall time of each walk, the job runs it took (the schedule runs it every minute), DynamoDB requests per item and
 * the most times any one key was written by the walk's transactions (1: nothing hot).
 */
import { parseArgs } from 'node:util';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ensureTable, localClient, startDynamoDbLocal } from '../../infra/local/dynamodb-local.js';
import type { Member } from '../../shared/domain/review-item.js';
import { ReviewStore } from '../../shared/store/review-store.js';
import { runDelegationJobs } from '../../shared/use-cases/delegation-jobs.js';
import type { Deps } from '../../shared/use-cases/deps.js';
import { deleteDelegation, putDelegation } from '../../shared/use-cases/set-delegation.js';
import { newItemId } from '../../shared/wiring.js';
import { bulkLoad, itemOps, memberOps } from '../lib/bulk-load.js';
import { proposal } from '../lib/proposal.js';
import { countRequests, elapsedMs } from './measure.js';

const WORKSPACE_ID = 'ws_bench';
const person = (userId: string, mailbox: string): Member => ({
  workspaceId: WORKSPACE_ID,
  userId,
  role: 'member',
  mailboxes: [mailbox],
  active: true,
  changedAt: '2026-01-01T00:00:00.000Z',
});
const PEOPLE = [person('u_alice', 'alice@acme.com'), person('u_carol', 'carol@acme.com')];
const CHUNK = 1_000;

export async function delegationBenchmark(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args: args.filter((arg) => arg !== '--delegation'),
    options: { items: { type: 'string', default: '10000' } },
  });
  const items = Number(values.items);
  if (!Number.isInteger(items) || items < 1) throw new Error('--items: a whole number ≥ 1');

  const dynamodb = await startDynamoDbLocal({ port: 0 });
  const raw = localClient(dynamodb.endpoint);
  try {
    const tableName = 'bench-delegation';
    await ensureTable(raw, tableName);
    const db = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
    const start = Date.now() - 24 * 3600_000;
    await bulkLoad(db, tableName, memberOps(tableName, PEOPLE));
    for (let from = 0; from < items; from += CHUNK) {
      const proposals = Array.from({ length: Math.min(CHUNK, items - from) }, (_, i) =>
        proposal({
          workspaceId: WORKSPACE_ID,
          proposedAt: new Date(start + (from + i) * 1000).toISOString(),
          dedupKey: `d${from + i}`,
          run: { id: `run_${from + i}`, executedAs: { kind: 'workspace' } },
          relatedRecords: [],
          draft: { from: 'alice@acme.com', to: ['x@globex.com'], cc: [], bcc: [] },
        }),
      );
      await bulkLoad(
        db,
        tableName,
        itemOps(tableName, proposals, PEOPLE, proposals[0]!.proposedAt, newItemId).ops,
      );
    }
    console.error(`seeded ${items} items in Alice's queue`);

    const counter = countRequests(db);
    const writes = new Map<string, number>();
    raw.middlewareStack.add(
      (next, context) => async (input) => {
        if (context.commandName === 'TransactWriteItemsCommand') {
          const actions = (input.input as { TransactItems: Record<string, { Key?: Row; Item?: Row }>[] })
            .TransactItems;
          for (const action of actions) {
            const { Key, Item } = Object.values(action)[0] ?? {};
            const key = JSON.stringify([(Key ?? Item)?.pk, (Key ?? Item)?.sk]);
            writes.set(key, (writes.get(key) ?? 0) + 1);
          }
        }
        return next(input);
      },
      { step: 'build', name: 'benchWrites' },
    );
    const deps: Deps = { store: new ReviewStore(db, tableName), clock: () => new Date(), newId: newItemId };
    const alice = { workspaceId: WORKSPACE_ID, userId: 'u_alice' };

    const walk = async (label: string) => {
      counter.reset();
      writes.clear();
      const started = process.hrtime.bigint();
      let runs = 0;
      let changed = 0;
      for (;;) {
        const run = await runDelegationJobs(deps);
        if (run.jobs === 0) break;
        runs += 1;
        changed += run.changed;
      }
      const seconds = elapsedMs(started) / 1000;
      const hottest = Math.max(0, ...writes.values());
      console.log(
        `| ${label} | ${items} | ${changed} | ${seconds.toFixed(1)} s | ${runs} | ` +
          `${(counter.total / items).toFixed(3)} | ${hottest} |`,
      );
    };
    console.log('| walk | items | changed | time | job runs | requests per item | most writes of one key |');
    console.log('|---|---|---|---|---|---|---|');
    await putDelegation(deps, alice, {
      delegateTo: 'u_carol',
      until: new Date(Date.now() + 2 * 24 * 3600_000).toISOString(),
    });
    await walk('delegate added (PUT)');
    await deleteDelegation(deps, alice);
    await walk('delegate removed (DELETE)');
  } finally {
    raw.destroy();
    await dynamodb.stop();
  }
}

type Row = Record<string, unknown>;
