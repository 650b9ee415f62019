/**
 * The counters out of the transaction are exact: whatever order the stream hands the changes' tallies over in, however
 * often it redelivers a batch, and wherever apply-tallies crashes (before a transaction reaches DynamoDB, or after it
 * committed and before the answer came back), every change is counted exactly once. After a random workload and a
 * random, chaotic delivery, every counter the changes touched equals the sum of their tallies taken once, and the queue
 * counters and open counts equal a recount from the items.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localClient } from '../../infra/local/dynamodb-local.js';
import { createDocumentClient } from '../../shared/aws-clients.js';
import { isOpen, type ReviewItem } from '../../shared/domain/review-item.js';
import { automationKeys } from '../../shared/store/entities/automation-entry.js';
import { queueCounterKeys } from '../../shared/store/entities/queue-counter.js';
import { keyId, mergeWrites } from '../../shared/store/entities/tally.js';
import { ReviewStore } from '../../shared/store/review-store.js';
import { Table } from '../../shared/store/table.js';
import { applyTallies, talliesOfRecords } from '../../shared/store/tallies.js';
import { applyMemberChange } from '../../shared/use-cases/apply-member-change.js';
import { dismissItem, editItem } from '../../shared/use-cases/decide.js';
import type { Deps } from '../../shared/use-cases/deps.js';
import { ingestProposal } from '../../shared/use-cases/ingest-proposal.js';
import { newItemId } from '../../shared/wiring.js';
import { member, proposal } from '../fixtures/index.js';
import { createTestTable, type TestTable } from '../support/dynamo.js';
import { dynamodbEndpoint } from '../support/endpoints.js';
import { emailOf } from '../support/items.js';
import { tallyRecords } from '../support/tallies.js';

const SEED = Number(process.env.TALLY_SEED ?? Math.floor(Math.random() * 2 ** 31));
const USERS = ['u_ann', 'u_ben', 'u_cat'] as const;
const AUTOMATIONS = ['auto_a', 'auto_b'] as const;
const mailboxOf = (userId: string) => `${userId.slice(2)}@tally.test`;

let table: TestTable;
let store: ReviewStore;
let now = new Date('2026-11-20T10:00:00.000Z');
const deps = (): Deps => ({ store, clock: () => new Date(now), newId: newItemId });

beforeAll(async () => {
  table = await createTestTable('tally-prop', { stream: true });
  store = new ReviewStore(table.client, table.tableName);
});

afterAll(async () => {
  await table?.drop();
});

const step = fc.oneof(
  fc.record({
    kind: fc.constant('propose' as const),
    key: fc.integer({ min: 0, max: 5 }),
    automation: fc.constantFrom(...AUTOMATIONS),
    runAs: fc.constantFrom('workspace', ...USERS),
    owner: fc.constantFrom(...USERS),
  }),
  fc.record({ kind: fc.constant('edit' as const), pick: fc.nat(), by: fc.constantFrom(...USERS) }),
  fc.record({ kind: fc.constant('dismiss' as const), pick: fc.nat(), by: fc.constantFrom(...USERS) }),
);
type Step = typeof step extends fc.Arbitrary<infer S> ? S : never;

/** How the stream hands the records to apply-tallies, and where apply-tallies crashes. */
const delivery = fc.record({
  batchSizes: fc.array(fc.integer({ min: 1, max: 25 }), { minLength: 1, maxLength: 8 }),
  shuffleSeed: fc.nat(),
  redeliver: fc.array(fc.boolean(), { minLength: 1, maxLength: 20 }),
  crashes: fc.array(fc.constantFrom('none', 'before', 'after'), { minLength: 1, maxLength: 20 }),
  parallel: fc.integer({ min: 1, max: 3 }),
});
type Delivery = typeof delivery extends fc.Arbitrary<infer D> ? D : never;

async function play(workspaceId: string, steps: Step[]): Promise<ReviewItem[]> {
  for (const userId of USERS)
    await applyMemberChange(
      store,
      member({ workspaceId, userId, role: 'member', mailboxes: [mailboxOf(userId)] }),
    );
  const items = new Map<string, ReviewItem>();
  const pick = (n: number) => {
    const open = [...items.values()].filter((item) => isOpen(item.status));
    return open.length === 0 ? undefined : open[n % open.length];
  };
  for (const s of steps) {
    now = new Date(now.getTime() + 1000);
    if (s.kind === 'propose') {
      const outcome = await ingestProposal(
        deps(),
        proposal({
          workspaceId,
          proposedAt: now.toISOString(),
          dedupKey: `k${s.key}`,
          run: {
            id: `run_${randomUUID().slice(0, 8)}`,
            automationId: s.automation,
            automationName: s.automation.toUpperCase(),
            executedAs: s.runAs === 'workspace' ? { kind: 'workspace' } : { kind: 'user', userId: s.runAs },
          },
          relatedRecords: [{ type: 'account', id: 'acc_1', name: 'Globex', ownerId: s.owner }],
          draft: { from: mailboxOf(s.owner), to: ['carol@globex.test'] },
        }),
      );
      if ('itemId' in outcome) {
        const item = await store.getItem(workspaceId, outcome.itemId as string);
        if (item) items.set(item.id, item);
      }
      continue;
    }
    const item = pick(s.pick);
    if (!item) continue;
    const caller = {
      workspaceId,
      userId: item.reviewers.includes(s.by) ? s.by : (item.reviewers[0] as string),
    };
    try {
      if (s.kind === 'edit')
        await editItem(deps(), caller, item.id, {
          version: item.version,
          draft: { subject: `${emailOf(item.draft).subject} (edited)` },
        });
      else await dismissItem(deps(), caller, item.id, { version: item.version, reason: 'not_needed' });
    } catch {
      // A member who may not act: nothing changed.
    }
    const fresh = await store.getItem(workspaceId, item.id);
    if (fresh) items.set(fresh.id, fresh);
  }
  return [...items.values()];
}

const crashed = { before: 0, after: 0 };

/** A table whose transactions crash as the plan says: before reaching DynamoDB, or after it committed. */
function crashingTable(plan: Delivery['crashes']) {
  const raw = localClient(dynamodbEndpoint());
  let n = 0;
  raw.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'TransactWriteItemsCommand') return next(args);
      const crash = plan[n++ % plan.length];
      if (crash === 'before') {
        crashed.before += 1;
        throw new Error('crash before the transaction');
      }
      const out = await next(args);
      if (crash === 'after') {
        crashed.after += 1;
        throw new Error('crash after the transaction committed');
      }
      return out;
    },
    { step: 'initialize', name: 'crash' },
  );
  return { table: new Table(createDocumentClient(raw), table.tableName), raw };
}

/** Hands the records over as the plan says (batches, shuffled, redelivered, side by side), retrying on a crash. */
async function deliver(records: DynamoDBRecord[], plan: Delivery): Promise<void> {
  const batches: DynamoDBRecord[][] = [];
  for (let start = 0, i = 0; start < records.length; i++) {
    const size = plan.batchSizes[i % plan.batchSizes.length] as number;
    batches.push(records.slice(start, start + size));
    start += size;
  }
  const queue = batches.flatMap((batch, i) =>
    plan.redeliver[i % plan.redeliver.length] ? [batch, batch] : [batch],
  );
  const keys = fc.sample(fc.nat(), { seed: plan.shuffleSeed, numRuns: queue.length });
  const order = queue.map((_, i) => i).sort((a, b) => (keys[a] ?? 0) - (keys[b] ?? 0));
  // Its first transactions crash after committing and before reaching DynamoDB, whatever else the plan says.
  const { table: crashing, raw } = crashingTable(['after', 'before', ...plan.crashes]);
  let next = 0;
  const worker = async () => {
    for (let i = order[next++]; i !== undefined; i = order[next++]) {
      const batch = queue[i] as DynamoDBRecord[];
      for (let attempt = 1; ; attempt++) {
        try {
          await applyTallies(crashing, talliesOfRecords(batch));
          break;
        } catch (error) {
          if (attempt >= 50) throw error;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: plan.parallel }, worker));
  raw.destroy();
}

async function read(key: { pk: string; sk: string }) {
  const { Item } = await table.client.send(
    new GetCommand({ TableName: table.tableName, Key: key, ConsistentRead: true }),
  );
  return Item;
}

describe('counters counted from the tallies', () => {
  // Guards against a hang, not a speed check: about 15 s alone, several times that beside the heaviest files.
  it('count every change exactly once under redelivery, reordering and crashes', {
    timeout: 400_000,
  }, async () => {
    console.info(`tallies-property: seed ${SEED} (replay with TALLY_SEED=${SEED})`);
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 25 }), delivery, async (steps, plan) => {
        runs += 1;
        const workspaceId = `ws_tally_${randomUUID().slice(0, 8)}`;
        const items = await play(workspaceId, steps);
        const records = (await tallyRecords(table.tableName)).filter((record) =>
          record.dynamodb?.NewImage?.pk?.S?.startsWith(`WS#${workspaceId}#`),
        );
        await deliver(records, plan);

        // Every counter record equals the sum of the tallies, each taken once.
        const tallies = talliesOfRecords(records);
        for (const write of mergeWrites(tallies.flatMap((tally) => tally.writes))) {
          const stored = await read(write.key);
          for (const [attribute, amount] of Object.entries(write.add))
            expect(Number(stored?.[attribute] ?? 0), `${keyId(write.key)} ${attribute}`).toBe(amount);
        }

        // The queue counters and the open counts equal a recount from the items.
        const open = items.filter((item) => isOpen(item.status));
        for (const userId of USERS) {
          const counter = await read(queueCounterKeys.counter(workspaceId, userId));
          const mine = open.filter((item) => item.reviewers.includes(userId));
          expect(Number(counter?.pending ?? 0), `pending of ${userId}`).toBe(mine.length);
        }
        for (const automationId of AUTOMATIONS) {
          const entry = await read(automationKeys.workspaceEntry(workspaceId, automationId));
          const mine = open.filter((item) => item.origin.automationId === automationId);
          expect(Number(entry?.openAll ?? 0), `openAll of ${automationId}`).toBe(mine.length);
        }
      }),
      {
        numRuns: Number(process.env.TALLY_RUNS ?? 8),
        seed: SEED,
      },
    );
    expect(runs).toBeGreaterThan(0);
    // Both kinds of crash happened, or this would prove nothing about them.
    expect(crashed.before).toBeGreaterThan(0);
    expect(crashed.after).toBeGreaterThan(0);
  });
});
