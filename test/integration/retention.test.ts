/**
 * Retention (spec 3, "Data lifecycle") under a test clock: the workspaces' every-minute run stamps a decided item's
 * records with `ttl` = decision + `retentionDays` within a day of that time, and the local TTL sweeper (DynamoDB's
 * TTL, locally) deletes them then, not before; open items never; the counters and duration records stay; a
 * shorter or longer retention re-times items not yet stamped; requests per expiring item are flat. Real DynamoDB
 * Local.
 */
import { DeleteCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalLog } from '../../infra/local/log.js';
import { startTtlSweeper, type TtlSweeper } from '../../infra/local/ttl-sweeper.js';
import { settingsRequestSchema } from '../../shared/domain/settings.js';
import { backfillDecidedItems } from '../../shared/store/backfill.js';
import { dismissItem } from '../../shared/use-cases/decide.js';
import { runWorkspaceJobs } from '../../shared/use-cases/overdue-jobs.js';
import { saveSettings } from '../../shared/use-cases/save-settings.js';
import { getSettings } from '../../shared/use-cases/settings.js';
import { member } from '../fixtures/index.js';
import {
  callerOf,
  createItemEnv,
  type ItemEnv,
  RUN_USER,
  seedItem,
  seedMembers,
  uniqueProposal,
} from '../support/items.js';

const WS = 'ws_acme';
const ADMIN = member({ userId: 'u_boss', role: 'admin', mailboxes: [] });
const MINUTE = 60_000;
const DAY = 86_400_000;

let env: ItemEnv;
let sweeper: TtlSweeper;

beforeAll(async () => {
  env = await createItemEnv({ prefix: 'retention', tallies: true });
  await seedMembers(env.deps, [RUN_USER, ADMIN]);
  sweeper = startTtlSweeper({
    db: env.table.client,
    tableName: env.table.tableName,
    log: createLocalLog('warn', 'ttl'),
    timers: false,
  });
});
afterAll(async () => {
  sweeper?.stop();
  await env?.table.drop();
  env?.ses.client.destroy();
});

const admin = callerOf(ADMIN);
const setRetention = async (retentionDays: number) => {
  const { version } = await getSettings(env.deps, admin);
  await saveSettings(env.deps, admin, settingsRequestSchema.parse({ retentionDays, version }));
};

/** The runs of 8 consecutive minutes from `at`: each reads one shard of the `decided` index, so all are read. */
async function runEveryShard(at: number) {
  const outcomes = [];
  for (let minute = 0; minute < 8; minute++) {
    env.deps.clock.set(new Date(at + minute * MINUTE));
    outcomes.push((await runWorkspaceJobs(env.deps)).retention);
  }
  return {
    stamped: outcomes.reduce((sum, o) => sum + o.stamped, 0),
    records: outcomes.reduce((sum, o) => sum + o.records, 0),
  };
}

/** Every row of the table (a Scan: tests only), keyed `pk|sk`. */
async function rows(): Promise<Map<string, Record<string, unknown>>> {
  const found = new Map<string, Record<string, unknown>>();
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await env.table.client.send(
      new ScanCommand({ TableName: env.table.tableName, ConsistentRead: true, ExclusiveStartKey }),
    );
    for (const row of page.Items ?? []) found.set(`${row.pk}|${row.sk}`, row);
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return found;
}

/** The rows that hold an item's content: its partition (item, history) and its dismiss notes. */
const contentOf = (all: Map<string, Record<string, unknown>>, itemId: string) =>
  [...all.entries()]
    .filter(
      ([key, row]) =>
        key.includes(`#ITEM#${itemId}|`) || (row.entity === 'DismissNote' && row.itemId === itemId),
    )
    .filter(([key]) => !key.includes('|TALLIED#'))
    .map(([key]) => key);

const workspaceRun = () =>
  uniqueProposal({
    run: { executedAs: { kind: 'workspace' } },
    draft: { from: 'alice@acme.com' },
  });

/** A dismissed item (with a note: its two note records) decided at `at`. */
async function decidedAt(at: number): Promise<string> {
  env.deps.clock.set(new Date(at - 10 * MINUTE));
  const seeded = await seedItem(env.deps, workspaceRun());
  env.deps.clock.set(new Date(at));
  await dismissItem(env.deps, callerOf(RUN_USER), seeded.id, { reason: 'tone', note: 'too curt' });
  return seeded.id;
}

describe('retention', () => {
  it('deletes a decided item, its history and its dismiss note at decision + retentionDays, not before; open items never; counters stay', async () => {
    await setRetention(30);
    const T = Date.parse('2027-01-10T12:00:00.000Z');
    const decided = await decidedAt(T);
    env.deps.clock.set(new Date(T));
    const open = (await seedItem(env.deps, workspaceRun())).id;
    const before = await rows();
    const content = contentOf(before, decided);
    // The item, created + dismissed history entries, and the note in its scope's and the `all` partitions.
    expect(content).toHaveLength(5);
    const kept = [...before.entries()]
      .filter(([, row]) =>
        ['AutomationCounters', 'AutomationFeedback', 'DecisionDuration'].includes(String(row.entity)),
      )
      .map(([key, row]) => [key, row] as const);
    expect(kept.length).toBeGreaterThan(0);

    // A day and a minute before its end: not within the day yet, nothing stamped.
    expect(await runEveryShard(T + 29 * DAY - 10 * MINUTE)).toEqual({ stamped: 0, records: 0 });
    expect(
      [...(await rows()).values()].filter((row) => row.itemId === decided && row.ttl !== undefined),
    ).toEqual([]);

    // Within the day: every content record gets ttl = decision + 30 days; the item leaves the index.
    expect(await runEveryShard(T + 29 * DAY)).toEqual({ stamped: 1, records: 5 });
    const stamped = await rows();
    for (const key of content) expect(stamped.get(key)?.ttl).toBe((T + 30 * DAY) / 1000);
    expect(stamped.get(content.find((k) => k.endsWith('|ITEM')) ?? '')?.decidedPk).toBeUndefined();
    // Read once: later runs find nothing more.
    expect(await runEveryShard(T + 29 * DAY + 10 * MINUTE)).toEqual({ stamped: 0, records: 0 });

    // Not before its time; at its time, gone, and nothing else.
    await sweeper.sweep(new Date(T + 30 * DAY - 1000));
    expect(contentOf(await rows(), decided)).toEqual(content);
    await sweeper.sweep(new Date(T + 30 * DAY));
    const after = await rows();
    expect(contentOf(after, decided)).toEqual([]);
    expect(await env.deps.store.getItem(WS, decided)).toBeUndefined();
    expect(await env.deps.store.getHistory(WS, decided)).toEqual([]);

    // The open item, far past any retention, is never stamped nor deleted.
    await runEveryShard(T + 400 * DAY);
    await sweeper.sweep(new Date(T + 400 * DAY));
    expect((await env.deps.store.getItem(WS, open))?.status).toBe('pending');
    expect((await rows()).get(`WS#${WS}#ITEM#${open}|ITEM`)?.ttl).toBeUndefined();
    // The counters and durations, which hold no content, stay as they were.
    const now = await rows();
    for (const [key, row] of kept) expect(now.get(key)).toEqual(row);
    // Once decided, it goes the same way.
    await dismissItem(env.deps, callerOf(RUN_USER), open, {});
    expect(await runEveryShard(T + 429 * DAY + 10 * MINUTE)).toMatchObject({ stamped: 1 });
    await sweeper.sweep(new Date(T + 430 * DAY + 10 * MINUTE));
    expect(await env.deps.store.getItem(WS, open)).toBeUndefined();
  });

  it('re-times items not yet stamped when the retention is shortened or lengthened', async () => {
    const T = Date.parse('2028-03-01T08:00:00.000Z');
    await setRetention(60);
    const first = await decidedAt(T);
    const second = await decidedAt(T + MINUTE);
    expect(await runEveryShard(T + 10 * DAY)).toEqual({ stamped: 0, records: 0 });

    // 60 → 30: the next runs reach both items, each stamped with its own new end.
    await setRetention(30);
    expect(await runEveryShard(T + 29 * DAY + 2 * MINUTE)).toEqual({ stamped: 2, records: 10 });
    const stamped = await rows();
    expect(stamped.get(`WS#${WS}#ITEM#${first}|ITEM`)?.ttl).toBe((T + 30 * DAY) / 1000);
    expect(stamped.get(`WS#${WS}#ITEM#${second}|ITEM`)?.ttl).toBe((T + 30 * DAY + MINUTE) / 1000);
    await sweeper.sweep(new Date(T + 30 * DAY));
    expect(await env.deps.store.getItem(WS, first)).toBeUndefined();
    expect((await env.deps.store.getItem(WS, second))?.status).toBe('dismissed');
    await sweeper.sweep(new Date(T + 30 * DAY + MINUTE));
    expect(await env.deps.store.getItem(WS, second)).toBeUndefined();

    // Decided later, 30 → 90 before any stamp: not stamped at 30 days, stamped and gone at 90.
    await setRetention(30);
    const U = T + 40 * DAY;
    const later = await decidedAt(U);
    expect(await runEveryShard(U + 10 * DAY)).toEqual({ stamped: 0, records: 0 });
    await setRetention(90);
    expect(await runEveryShard(U + 29 * DAY + MINUTE)).toEqual({ stamped: 0, records: 0 });
    await sweeper.sweep(new Date(U + 31 * DAY));
    expect((await env.deps.store.getItem(WS, later))?.status).toBe('dismissed');
    expect(await runEveryShard(U + 89 * DAY + MINUTE)).toEqual({ stamped: 1, records: 5 });
    await sweeper.sweep(new Date(U + 90 * DAY - 1000));
    expect((await env.deps.store.getItem(WS, later))?.status).toBe('dismissed');
    await sweeper.sweep(new Date(U + 90 * DAY));
    expect(await env.deps.store.getItem(WS, later)).toBeUndefined();
  });

  it('costs one Query and one transaction per expiring item, and the same other reads whatever the number', async () => {
    await setRetention(30);
    const requestsFor = async (expiring: number, T: number) => {
      // What earlier tests left decided is stamped first, outside the count.
      await runEveryShard(T - DAY);
      for (let i = 0; i < expiring; i++) await decidedAt(T + i * 1000);
      await env.deps.store.registeredWorkspaces(); // settle the tallies outside the count
      // Overdue marks aside: no open item waits in this workspace.
      env.table.counter.reset();
      const outcome = await runEveryShard(T + 29 * DAY + 10 * MINUTE);
      return { outcome, counted: { ...env.table.counter.byCommand } };
    };
    const one = await requestsFor(1, Date.parse('2029-01-01T00:00:00.000Z'));
    const four = await requestsFor(4, Date.parse('2029-06-01T00:00:00.000Z'));
    expect(one.outcome.stamped).toBe(1);
    expect(four.outcome.stamped).toBe(4);
    expect(one.counted.TransactWriteItems).toBe(1);
    expect(four.counted.TransactWriteItems).toBe(4);
    expect((four.counted.Query ?? 0) - (one.counted.Query ?? 0)).toBe(3);
    expect(four.counted.BatchGetItem).toBe(one.counted.BatchGetItem);
  });

  it('puts items decided before retention was kept in the index once (the backfill), so they expire too', async () => {
    await setRetention(30);
    const T = Date.parse('2030-01-01T00:00:00.000Z');
    const old = await decidedAt(T);
    // As an earlier version wrote it: no index attributes.
    await env.table.client.send(
      new UpdateCommand({
        TableName: env.table.tableName,
        Key: { pk: `WS#${WS}#ITEM#${old}`, sk: 'ITEM' },
        UpdateExpression: 'REMOVE decidedPk, decidedSk',
      }),
    );
    expect(await runEveryShard(T + 29 * DAY + MINUTE)).toEqual({ stamped: 0, records: 0 });

    expect(await backfillDecidedItems(env.table.client, env.table.tableName)).toBe(1);
    expect(await backfillDecidedItems(env.table.client, env.table.tableName)).toBe(0);
    expect(await runEveryShard(T + 29 * DAY + 10 * MINUTE)).toEqual({ stamped: 1, records: 5 });
    await sweeper.sweep(new Date(T + 30 * DAY));
    expect(await env.deps.store.getItem(WS, old)).toBeUndefined();
  });

  it('stamps the rest when a dismiss note is not there, rather than leaving the item forever', async () => {
    await setRetention(30);
    const T = Date.parse('2030-06-01T00:00:00.000Z');
    const itemId = await decidedAt(T);
    const [note] = [...(await rows()).values()].filter(
      (row) => row.entity === 'DismissNote' && row.itemId === itemId,
    );
    await env.table.client.send(
      new DeleteCommand({ TableName: env.table.tableName, Key: { pk: note?.pk, sk: note?.sk } }),
    );
    expect(await runEveryShard(T + 29 * DAY + MINUTE)).toEqual({ stamped: 1, records: 4 });
    await sweeper.sweep(new Date(T + 30 * DAY));
    expect(contentOf(await rows(), itemId)).toEqual([]);
  });
});
