/**
 * The workspace's automation names (shared/store/entities/automation-names.ts), on DynamoDB Local: the agent's
 * list by automation name reads them with the caller's member record in one request (spec 8: a full page in at
 * most 3), they follow renames, they agree with the automation entries under concurrent proposals, a table from
 * before them gets them from the backfill, and a full shard never costs a proposal.
 */
import { randomUUID } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DraftProposed } from '../../shared/events/in-schemas.js';
import { backfillAutomationNames } from '../../shared/store/backfill.js';
import { automationKeys } from '../../shared/store/entities/automation-entry.js';
import { automationNameKeys } from '../../shared/store/entities/automation-names.js';
import { ReviewStore } from '../../shared/store/review-store.js';
import { applyMemberChange } from '../../shared/use-cases/apply-member-change.js';
import type { Deps } from '../../shared/use-cases/deps.js';
import { ingestProposal } from '../../shared/use-cases/ingest-proposal.js';
import { listByName } from '../../shared/use-cases/list-by-name.js';
import { newItemId } from '../../shared/wiring.js';
import { member, proposal } from '../fixtures/index.js';
import { createTestTable, type TestTable } from '../support/dynamo.js';
import { SettlingStore, settleTallies } from '../support/tallies.js';

let table: TestTable;
let store: ReviewStore;
const clock = () => new Date('2026-11-20T12:00:00.000Z');
const depsOf = (s: ReviewStore): Deps => ({ store: s, clock, newId: newItemId });

beforeAll(async () => {
  table = await createTestTable('names', { stream: true });
  store = new SettlingStore(table.client, table.tableName);
});

async function newWorkspace(): Promise<string> {
  const workspaceId = `ws_${randomUUID().slice(0, 8)}`;
  await applyMemberChange(store, member({ workspaceId, userId: 'u_alice', mailboxes: ['alice@acme.com'] }));
  await applyMemberChange(store, member({ workspaceId, userId: 'u_bob', mailboxes: ['bob@acme.com'] }));
  return workspaceId;
}

let runs = 0;
function run(
  workspaceId: string,
  automationId: string,
  automationName: string,
  executedAs: 'workspace' | 'u_alice' | 'u_bob',
  over: Partial<DraftProposed> = {},
): DraftProposed {
  runs += 1;
  return proposal({
    workspaceId,
    proposedAt: new Date(Date.parse('2026-11-20T09:00:00.000Z') + runs * 1000).toISOString(),
    dedupKey: `key${runs}`,
    run: {
      id: `run_${runs}`,
      automationId,
      automationName,
      executedAs: executedAs === 'workspace' ? { kind: 'workspace' } : { kind: 'user', userId: executedAs },
    },
    draft: {
      from: executedAs === 'u_bob' ? 'bob@acme.com' : 'alice@acme.com',
      subject: `Draft ${runs}`,
      threadId: `thread_${runs}`,
    },
    ...over,
  });
}

async function ingest(p: DraftProposed, s = store) {
  const outcome = await ingestProposal(depsOf(s), p);
  expect(outcome.outcome).toBe('created');
}

/** The automation's workspace entry, once the changes' tallies are counted (its open counts). */
async function entryOf(workspaceId: string, automationId: string) {
  await settleTallies(table.tableName);
  const { Item } = await table.client.send(
    new GetCommand({
      TableName: table.tableName,
      Key: automationKeys.workspaceEntry(workspaceId, automationId),
    }),
  );
  return Item;
}

describe("the agent's list by automation name", () => {
  it("reads the member and the names in one request, then a member's two partitions: 3 requests", async () => {
    const workspaceId = await newWorkspace();
    await ingest(run(workspaceId, 'auto_renewal', 'Renewal follow-up', 'workspace'));
    await ingest(run(workspaceId, 'auto_renewal', 'Renewal follow-up', 'u_alice'));
    await ingest(run(workspaceId, 'auto_renewal', 'Renewal follow-up', 'u_bob'));
    await ingest(run(workspaceId, 'auto_churn', 'Churn rescue', 'workspace'));
    const alice = { workspaceId, userId: 'u_alice' };

    table.counter.reset();
    const page = await listByName(depsOf(store), alice, {
      automationName: 'renewal FOLLOW',
      scope: 'workspace',
      limit: 25,
    });
    expect(table.counter.byCommand).toEqual({ BatchGetItem: 1, Query: 2 });
    // Bob's private run is not hers to see.
    expect(page.items.map((item) => [item.origin.automationId, item.origin.executedAs.kind])).toEqual([
      ['auto_renewal', 'user'],
      ['auto_renewal', 'workspace'],
    ]);

    table.counter.reset();
    const queue = await listByName(depsOf(store), alice, {
      automationName: 'churn',
      scope: 'mine',
      limit: 25,
    });
    expect(table.counter.byCommand).toEqual({ BatchGetItem: 1, Query: 1 });
    expect(queue.items.map((item) => item.origin.automationId)).toEqual(['auto_churn']);

    table.counter.reset();
    const none = await listByName(depsOf(store), alice, { automationName: 'no such', limit: 25 });
    expect(none).toEqual({ items: [], nextCursor: null });
    expect(table.counter.byCommand).toEqual({ BatchGetItem: 1 });

    // Someone who is not a member sees nothing, whatever the names.
    const stranger = await listByName(
      depsOf(store),
      { workspaceId, userId: 'u_nobody' },
      { automationName: 'renewal', scope: 'workspace', limit: 25 },
    );
    expect(stranger).toEqual({ items: [], nextCursor: null });
  });

  it('merges the lists of the automations a name matches, newest first, page by page', async () => {
    const workspaceId = await newWorkspace();
    const alice = { workspaceId, userId: 'u_alice' };
    const expected: string[] = [];
    for (let i = 0; i < 7; i++) {
      const p = run(
        workspaceId,
        i % 2 ? 'auto_follow' : 'auto_remind',
        i % 2 ? 'Renewal follow-up' : 'Renewal reminder',
        i % 3 ? 'workspace' : 'u_alice',
      );
      await ingest(p);
      expected.unshift(p.run.id);
    }
    await ingest(run(workspaceId, 'auto_follow', 'Renewal follow-up', 'u_bob'));
    await ingest(run(workspaceId, 'auto_churn', 'Churn rescue', 'workspace'));

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      table.counter.reset();
      const page = await listByName(depsOf(store), alice, {
        automationName: 'renewal',
        scope: 'workspace',
        limit: 3,
        ...(cursor ? { cursor } : {}),
      });
      // The names with the member, then both scopes of both automations: 1 + 2 × 2, whatever the workspace holds
      // (a later page reads only the partitions that have rows left).
      expect(table.counter.byCommand.BatchGetItem).toBe(1);
      if (cursor === undefined) expect(table.counter.byCommand.Query).toBe(4);
      else expect(table.counter.byCommand.Query).toBeLessThanOrEqual(4);
      seen.push(...page.items.map((item) => item.origin.runId));
      if (page.nextCursor) expect(page.items).toHaveLength(3);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(expected);
  });

  it('follows a rename: the latest name finds the automation, the old one no longer does', async () => {
    const workspaceId = await newWorkspace();
    const alice = { workspaceId, userId: 'u_alice' };
    await ingest(run(workspaceId, 'auto_a', 'Quarterly renewal', 'workspace'));
    await ingest(run(workspaceId, 'auto_a', 'Quarterly renewal', 'workspace'));
    expect((await entryOf(workspaceId, 'auto_a'))?.listedName).toBe('Quarterly renewal');
    await ingest(run(workspaceId, 'auto_a', 'Churn rescue', 'workspace'));

    const { names } = await store.memberAndNames(workspaceId, 'u_alice');
    expect(names).toEqual(new Map([['auto_a', 'Churn rescue']]));
    expect((await entryOf(workspaceId, 'auto_a'))?.listedName).toBe('Churn rescue');
    const byOld = await listByName(depsOf(store), alice, {
      automationName: 'quarterly',
      scope: 'workspace',
      limit: 25,
    });
    expect(byOld.items).toEqual([]);
    const byNew = await listByName(depsOf(store), alice, {
      automationName: 'churn',
      scope: 'workspace',
      limit: 25,
    });
    expect(byNew.items).toHaveLength(3);
  });

  // A new name committed first and the listed one last is the order that would leave them apart without conditions.
  const racers = (trial: number) =>
    trial % 2 === 0 ? ['Beta', 'Alpha'] : ['Beta', 'Alpha', 'Gamma', 'Alpha'];

  it('keeps the names and the entries agreeing when proposals of one automation race under different names', async () => {
    let retried = 0;
    for (let trial = 0; trial < 5; trial++) {
      const workspaceId = await newWorkspace();
      const automationId = `auto_race${trial}`;
      await ingest(run(workspaceId, automationId, 'Alpha', 'workspace'));
      // They all read "listed as Alpha": those that bring Alpha leave the entry alone; those that bring another write
      // it, conditional on Alpha being still listed. Whoever loses on that condition retries from the entry DynamoDB
      // returned, so the last name written is the one listed, in the entry and in the names alike.
      table.counter.reset();
      await Promise.all(
        racers(trial).map((name) => ingest(run(workspaceId, automationId, name, 'workspace'))),
      );
      retried += (table.counter.byCommand.TransactWriteItems ?? 0) - racers(trial).length;
      const entry = await entryOf(workspaceId, automationId);
      const { names } = await store.memberAndNames(workspaceId, 'u_alice');
      expect(entry?.listedName).toBe(entry?.automationName);
      expect(names?.get(automationId)).toBe(entry?.automationName);
      expect(entry?.openAll).toBe(1 + racers(trial).length);
    }
    // The races did happen (a transaction lost and was retried), or this test would prove nothing.
    expect(retried).toBeGreaterThan(0);
  });
});

describe('a table from before the automation names', () => {
  it('gets them from the backfill, once; a later proposal keeps its newer name', async () => {
    const workspaceId = await newWorkspace();
    const alice = { workspaceId, userId: 'u_alice' };
    await ingest(run(workspaceId, 'auto_old', 'Legacy digest', 'workspace'));
    await ingest(run(workspaceId, 'auto_renamed', 'Before', 'workspace'));
    // As an earlier version left them: entries without listedName, no names records.
    for (const automationId of ['auto_old', 'auto_renamed'])
      await table.client.send(
        new UpdateCommand({
          TableName: table.tableName,
          Key: automationKeys.workspaceEntry(workspaceId, automationId),
          UpdateExpression: 'REMOVE listedName',
        }),
      );
    for (const key of automationNameKeys.all(workspaceId))
      await table.client.send(new DeleteCommand({ TableName: table.tableName, Key: key }));
    expect((await listByName(depsOf(store), alice, { automationName: 'legacy', limit: 25 })).items).toEqual(
      [],
    );
    // A proposal after the upgrade, before the backfill, lists its automation itself.
    await ingest(run(workspaceId, 'auto_renamed', 'After', 'workspace'));

    expect(await backfillAutomationNames(table.client, table.tableName)).toContain(workspaceId);
    const { names } = await store.memberAndNames(workspaceId, 'u_alice');
    expect(names).toEqual(
      new Map([
        ['auto_old', 'Legacy digest'],
        ['auto_renamed', 'After'],
      ]),
    );
    expect((await entryOf(workspaceId, 'auto_old'))?.listedName).toBe('Legacy digest');
    const found = await listByName(depsOf(store), alice, {
      automationName: 'legacy',
      scope: 'workspace',
      limit: 25,
    });
    expect(found.items.map((item) => item.origin.automationId)).toEqual(['auto_old']);
    // Done once: the marker says so.
    expect(await backfillAutomationNames(table.client, table.tableName)).toEqual([]);
  });
});

describe('a full names shard', () => {
  it('never costs a proposal: the names are marked incomplete and the list by name reads the automation list', async () => {
    const workspaceId = await newWorkspace();
    const alice = { workspaceId, userId: 'u_alice' };
    // DynamoDB Local does not enforce the 400 KB item size on updates; this client answers as DynamoDB does for a
    // shard at its limit: the transaction that writes to it is cancelled with a ValidationError.
    let refused = 0;
    const db = {
      send: async (command: unknown) => {
        if (command instanceof TransactWriteCommand && writesNameShard(command, workspaceId)) {
          refused += 1;
          throw new TransactionCanceledException({
            message: 'Transaction cancelled, please refer cancellation reasons for specific reasons',
            $metadata: {},
            CancellationReasons: [
              { Code: 'None' },
              {
                Code: 'ValidationError',
                Message: 'Item size to update has exceeded the maximum allowed size',
              },
            ],
          });
        }
        return table.client.send(command as never);
      },
    } as unknown as DynamoDBDocumentClient;
    const fullStore = new ReviewStore(db, table.tableName);

    await ingest(run(workspaceId, 'auto_big', 'Big automation', 'workspace'), fullStore);
    await ingest(run(workspaceId, 'auto_big', 'Big automation', 'u_alice'), fullStore);
    expect(refused).toBe(1);
    const { Item: head } = await table.client.send(
      new GetCommand({ TableName: table.tableName, Key: automationNameKeys.head(workspaceId) }),
    );
    expect(head?.overflow).toBe(true);
    expect((await store.memberAndNames(workspaceId, 'u_alice')).names).toBeNull();

    table.counter.reset();
    const page = await listByName(depsOf(store), alice, {
      automationName: 'big',
      scope: 'workspace',
      limit: 25,
    });
    expect(page.items).toHaveLength(2);
    // Names through the automation list: one request more than with the names.
    expect(table.counter.byCommand).toEqual({ BatchGetItem: 1, Query: 3 });
  });
});

function writesNameShard(command: TransactWriteCommand, workspaceId: string): boolean {
  return (command.input.TransactItems ?? []).some(
    (op) =>
      op.Update?.Key?.pk === automationNameKeys.pk(workspaceId) && String(op.Update.Key.sk).startsWith('S#'),
  );
}
