/**
 * The delegation job on DynamoDB Local (spec 3, Delegation): it walks a delegating member's queue a page at a time,
 * resumes where it stopped, costs a fixed number of reads per page and one transaction per item, writes no record
 * that two items' changes share (nothing hot), and at `until` (a moved test clock, no waiting) takes the delegate
 * off what the delegation added.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DELEGATION_DUE_PK } from '../../shared/store/entities/delegation.js';
import { duePartitions } from '../../shared/store/entities/due.js';
import { DELEGATION_PAGE, runDelegationJobs } from '../../shared/use-cases/delegation-jobs.js';
import { putDelegation } from '../../shared/use-cases/set-delegation.js';
import { member } from '../fixtures/index.js';
import {
  callerOf,
  createItemEnv,
  FROM,
  type ItemEnv,
  mapLimit,
  RUN_USER,
  seedItemId,
  seedMembers,
  type TestClock,
  uniqueProposal,
} from '../support/items.js';

const CAROL = member({ userId: 'u_carol', role: 'member', mailboxes: ['carol@acme.com'] });
const ITEMS = 2 * DELEGATION_PAGE + 20;
const NOW = new Date('2026-12-06T09:00:00.000Z');
const UNTIL = '2026-12-08T09:00:00.000Z';

let env: ItemEnv;
let itemIds: string[];
/** Every key a TransactWriteItems wrote, in order. */
let written: string[] = [];

beforeAll(async () => {
  env = await createItemEnv({ prefix: 'delegation' });
  (env.deps.clock as TestClock).set(NOW);
  await seedMembers(env.deps, [RUN_USER, CAROL]);
  itemIds = await mapLimit(
    Array.from({ length: ITEMS }, (_, i) => i),
    8,
    () =>
      seedItemId(
        env.deps,
        uniqueProposal({ run: { executedAs: { kind: 'workspace' } }, draft: { from: FROM } }),
      ),
  );
  env.table.rawClient.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'TransactWriteItemsCommand') {
        const input = args.input as { TransactItems: Record<string, { Key?: unknown; Item?: unknown }>[] };
        for (const action of input.TransactItems) {
          const { Key, Item } = Object.values(action)[0] ?? {};
          const key = (Key ?? Item) as { pk: { S: string }; sk: { S: string } };
          written.push(`${key.pk.S} | ${key.sk.S}`);
        }
      }
      return next(args);
    },
    { step: 'build', name: 'delegationWrites' },
  );
}, 120_000);

afterAll(async () => {
  await env?.table.drop();
  env?.ses.client.destroy();
});

const reviewersOf = async (itemId: string) => (await env.deps.store.getItem('ws_acme', itemId))?.reviewers;

describe('the delegation job', () => {
  it('walks the queue page by page, resumes where it stopped, and touches no record two items share', async () => {
    await putDelegation(env.deps, callerOf(RUN_USER), { delegateTo: 'u_carol', until: UNTIL });
    written = [];
    env.table.counter.reset();

    const first = await runDelegationJobs(env.deps, { pages: 1 });
    expect(first).toEqual({ jobs: 1, pages: 1, changed: DELEGATION_PAGE });
    const job = await env.deps.store.getDelegationJob('ws_acme', 'u_alice');
    expect(job?.cursor).not.toBeNull();

    const rest = await runDelegationJobs(env.deps);
    const counted = env.table.counter.byCommand;
    expect(rest).toEqual({ jobs: 1, pages: 2, changed: ITEMS - DELEGATION_PAGE });
    for (const id of itemIds) expect(await reviewersOf(id)).toEqual(['u_alice', 'u_carol']);

    // Per page: a Query of the queue and a BatchGetItem of its items; per item one transaction; per run the due
    // list (one Query per partition of `due`), the job, the member and the delegate (and this test's read of the
    // job); per page the job's progress.
    const pages = 3;
    expect(counted).toEqual({
      Query: 2 * duePartitions(DELEGATION_DUE_PK).length + pages,
      GetItem: 2 * 3 + 1,
      BatchGetItem: pages,
      TransactWriteItems: ITEMS,
      PutItem: pages,
    });
    // Nothing hot: every record an item change wrote is its own (no counter, nothing two changes share).
    expect(new Set(written).size).toBe(written.length);
    expect(written.filter((key) => /QCOUNT|AUTOS|STATS|FEEDBACK/.test(key))).toEqual([]);
    // Done: the job waits for `until`.
    expect((await env.deps.store.getDelegationJob('ws_acme', 'u_alice'))?.dueAt).toBe(UNTIL);
    expect(await runDelegationJobs(env.deps)).toEqual({ jobs: 0, pages: 0, changed: 0 });
  });

  it('at `until` takes the delegate off every item it added them to, and is done', async () => {
    const clock = env.deps.clock as TestClock;
    clock.set(new Date(Date.parse(UNTIL) - 1));
    expect(await runDelegationJobs(env.deps)).toEqual({ jobs: 0, pages: 0, changed: 0 });

    clock.set(UNTIL);
    expect(await runDelegationJobs(env.deps)).toEqual({ jobs: 1, pages: 3, changed: ITEMS });
    for (const id of itemIds) expect(await reviewersOf(id)).toEqual(['u_alice']);
    expect(await env.deps.store.getDelegationJob('ws_acme', 'u_alice')).toBeUndefined();
    const history = await env.deps.store.getHistory('ws_acme', itemIds[0] ?? '');
    expect(history.slice(-2).map((h) => [h.action, h.detail?.added, h.detail?.removed])).toEqual([
      ['reassigned', 'u_carol', ''],
      ['reassigned', '', 'u_carol'],
    ]);
  });
});
