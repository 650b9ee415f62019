/**
 * The `due` index's shards on DynamoDB Local (docs/table-design.md, "Which partitions one workspace can make hot"):
 * one workspace's due items spread over the shards, the jobs find them in every shard and in the unsharded key
 * rows written before the shards, in due order, and a run's requests do not grow with the due items: one Query per
 * partition, then one TransactWrite per item.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DUE_SHARDS, duePartitions } from '../../shared/store/entities/due.js';
import { itemKeys } from '../../shared/store/entities/review-item.js';
import type { ReviewStore } from '../../shared/store/review-store.js';
import { applyMemberChange } from '../../shared/use-cases/apply-member-change.js';
import type { Deps } from '../../shared/use-cases/deps.js';
import { ingestProposal } from '../../shared/use-cases/ingest-proposal.js';
import { expireDueItems } from '../../shared/use-cases/scheduled-jobs.js';
import { newItemId } from '../../shared/wiring.js';
import { member, proposal } from '../fixtures/index.js';
import { createTestTable, type TestTable } from '../support/dynamo.js';
import { SettlingStore } from '../support/tallies.js';

let table: TestTable;
let store: ReviewStore;
let now = new Date('2026-11-20T12:00:00.000Z');
const deps = (): Deps => ({ store, clock: () => now, newId: newItemId });

beforeAll(async () => {
  table = await createTestTable('due-shards', { stream: true });
  store = new SettlingStore(table.client, table.tableName);
});

async function workspace(): Promise<string> {
  const workspaceId = `ws_${randomUUID().slice(0, 8)}`;
  await applyMemberChange(store, member({ workspaceId }));
  return workspaceId;
}

/** Ingests `count` proposals of one workspace expiring one minute apart from `firstExpiry`; their item ids. */
async function expiring(workspaceId: string, count: number, firstExpiry: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const expiresAt = new Date(Date.parse(firstExpiry) + i * 60_000).toISOString();
    const outcome = await ingestProposal(
      deps(),
      proposal({ workspaceId, dedupKey: `k${randomUUID()}`, expiresAt }),
    );
    if (outcome.outcome !== 'created') throw new Error(`not created: ${outcome.outcome}`);
    ids.push(outcome.itemId);
  }
  return ids;
}

const duePkOf = async (workspaceId: string, itemId: string) =>
  (
    await table.client.send(
      new GetCommand({ TableName: table.tableName, Key: itemKeys.item(workspaceId, itemId) }),
    )
  ).Item?.duePk;

describe('the due index shards', () => {
  it("spreads one workspace's due items over the shards", async () => {
    now = new Date('2026-11-20T12:00:00.000Z');
    const workspaceId = await workspace();
    const ids = await expiring(workspaceId, 24, '2026-11-21T12:00:00.000Z');
    const keys = new Set(await Promise.all(ids.map((id) => duePkOf(workspaceId, id))));
    // 24 items in 8 shards by a hash: all in one shard by chance is (1/8)^23.
    expect(keys.size).toBeGreaterThan(1);
    for (const key of keys) expect(duePartitions(itemKeys.due('EXPIRY')).slice(1)).toContain(key);
  });

  it('reads the earliest due items across the shards and the unsharded key, in due order', async () => {
    now = new Date('2025-12-31T00:00:00.000Z');
    const workspaceId = await workspace();
    const ids = await expiring(workspaceId, 6, '2026-01-01T00:00:00.000Z');
    // An item written before the shards: its row under the kind's unsharded key.
    const [legacy] = ids;
    await table.client.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: itemKeys.item(workspaceId, legacy as string),
        UpdateExpression: 'SET duePk = :pk',
        ExpressionAttributeValues: { ':pk': itemKeys.due('EXPIRY') },
      }),
    );
    const due = await store.due('EXPIRY', '2026-01-01T00:03:00.000Z', 3);
    expect(due.filter((item) => item.workspaceId === workspaceId).map((item) => item.id)).toEqual(
      ids.slice(0, 3),
    );
  });

  it('expires due items in any shard with one Query per partition and one TransactWrite per item', async () => {
    const counts: Record<string, number>[] = [];
    for (const [n, day] of [
      [1, '2026-02-01'],
      [5, '2026-03-01'],
    ] as const) {
      now = new Date(`${day}T00:00:00.000Z`);
      await expireDueItems(deps()); // what earlier tests left due
      const workspaceId = await workspace();
      const ids = await expiring(workspaceId, n, `${day}T00:01:00.000Z`);
      now = new Date(`${day}T01:00:00.000Z`);
      table.counter.reset();
      expect(await expireDueItems(deps())).toEqual({ expired: n });
      counts.push({ ...table.counter.byCommand });
      for (const id of ids) expect((await store.getItem(workspaceId, id))?.status).toBe('expired');
    }
    expect(counts).toEqual([
      { Query: DUE_SHARDS + 1, TransactWriteItems: 1 },
      { Query: DUE_SHARDS + 1, TransactWriteItems: 5 },
    ]);
  });
});
