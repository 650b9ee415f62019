/**
 * Workspace settings and the overdue and escalation job (spec 3): who may read and save the settings, the version
 * check, and the job under a test clock: overdue at the limit and not before, once; escalation adding only the
 * escalation reviewers who can see the item; a decided item never marked; a settings change re-timing pending
 * items at the next run; the summary's overdueCount; requests per due item flat. Real DynamoDB Local.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settingsRequestSchema } from '../../shared/domain/settings.js';
import { ConflictError, ForbiddenError } from '../../shared/errors.js';
import { TOOLS } from '../../shared/mcp/tools.js';
import { dismissItem } from '../../shared/use-cases/decide.js';
import { markOverdueItems } from '../../shared/use-cases/overdue-jobs.js';
import { getReviewItem, summarize } from '../../shared/use-cases/read-items.js';
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
const BOB = member({ userId: 'u_bob', role: 'member', mailboxes: ['bob@acme.com'] });
const ADMIN = member({ userId: 'u_boss', role: 'admin', mailboxes: [] });
const ADMIN2 = member({ userId: 'u_chief', role: 'admin', mailboxes: [] });
const GONE = member({ userId: 'u_gone', role: 'member', mailboxes: [], active: false });
const OUTSIDER = member({ workspaceId: 'ws_other', userId: 'u_out', role: 'admin', mailboxes: [] });
const MINUTE = 60_000;
const T0 = new Date('2026-12-01T09:00:00.000Z');

let env: ItemEnv;

beforeAll(async () => {
  env = await createItemEnv({ prefix: 'overdue', tallies: true });
  await seedMembers(env.deps, [RUN_USER, BOB, ADMIN, ADMIN2, GONE, OUTSIDER]);
});
afterAll(async () => {
  await env?.table.drop();
  env?.ses.client.destroy();
});

const admin = callerOf(ADMIN);
const save = async (values: Record<string, unknown>) => {
  const { version } = await getSettings(env.deps, admin);
  return saveSettings(env.deps, admin, settingsRequestSchema.parse({ ...values, version }));
};

/** A workspace run reviewed by the run user (alice) only. */
const workspaceRun = () =>
  uniqueProposal({
    run: { executedAs: { kind: 'workspace' } },
    relatedRecords: [{ type: 'account', id: 'acc_1', ownerId: 'u_alice' }],
    draft: { from: 'alice@acme.com' },
  });
/** Alice's private run: only alice and admins may see it. */
const privateRun = () =>
  uniqueProposal({
    run: { executedAs: { kind: 'user', userId: 'u_alice' } },
    draft: { from: 'alice@acme.com' },
  });

const item = (id: string) => env.deps.store.getItem(WS, id);
const eventsOf = async (id: string) => (await env.outbox.ofItem(WS, id)).map((e) => e.detailType);

describe('workspace settings', () => {
  it('answers the defaults at version 0 to any active member before any save', async () => {
    const settings = await getSettings(env.deps, callerOf(BOB));
    expect(settings).toMatchObject({
      overdueAfterMinutes: 2880,
      escalateAfterMinutes: null,
      escalateTo: 'admins',
      sendHoldSeconds: 0,
      trust: { maxHumanRate: 0.02, minDecisions: 100 },
      retentionDays: 365,
      version: 0,
      updatedAt: null,
    });
  });

  it('refuses an inactive member and another workspace (403)', async () => {
    await expect(getSettings(env.deps, callerOf(GONE))).rejects.toBeInstanceOf(ForbiddenError);
    await expect(getSettings(env.deps, { workspaceId: WS, userId: 'u_out' })).rejects.toBeInstanceOf(
      ForbiddenError,
    );
  });

  it('lets only an admin save, versioned: a stale version answers 409 with the version now', async () => {
    const body = settingsRequestSchema.parse({ version: 0, overdueAfterMinutes: 600 });
    await expect(saveSettings(env.deps, callerOf(BOB), body)).rejects.toBeInstanceOf(ForbiddenError);
    const saved = await saveSettings(env.deps, admin, body);
    expect(saved).toMatchObject({ overdueAfterMinutes: 600, version: 1, updatedBy: 'u_boss' });
    const stale = await saveSettings(env.deps, admin, body).catch((error: unknown) => error);
    expect(stale).toBeInstanceOf(ConflictError);
    expect((stale as ConflictError).current).toEqual({ status: 'saved', version: 1 });
    expect(await getSettings(env.deps, callerOf(BOB))).toMatchObject({
      overdueAfterMinutes: 600,
      version: 1,
    });
    // The other workspace still has its defaults.
    expect(await getSettings(env.deps, callerOf(OUTSIDER))).toMatchObject({
      overdueAfterMinutes: 2880,
      version: 0,
    });
  });
});

describe('overdue and escalation', () => {
  it('marks an item overdue at the limit, not before, once, and counts it in the summary', async () => {
    await save({ overdueAfterMinutes: 10 });
    env.deps.clock.set(T0);
    const seeded = await seedItem(env.deps, workspaceRun());
    expect(seeded.reviewers).toEqual(['u_alice']);
    const before = (await summarize(env.deps, callerOf(RUN_USER), 0)).overdueCount;

    env.deps.clock.set(new Date(T0.getTime() + 10 * MINUTE - 1));
    await markOverdueItems(env.deps);
    expect((await item(seeded.id))?.overdue).toBeUndefined();

    env.deps.clock.set(new Date(T0.getTime() + 10 * MINUTE));
    await markOverdueItems(env.deps);
    const marked = await item(seeded.id);
    expect(marked?.overdue).toEqual({ since: new Date(T0.getTime() + 10 * MINUTE).toISOString() });
    expect(marked?.status).toBe('pending');

    env.deps.clock.advance(5 * MINUTE);
    await markOverdueItems(env.deps);
    expect((await item(seeded.id))?.version).toBe(marked?.version);
    expect((await eventsOf(seeded.id)).filter((t) => t === 'Review Item Overdue')).toHaveLength(1);
    const history = await env.deps.store.getHistory(WS, seeded.id);
    expect(history.map((h) => h.action)).toEqual(['created', 'overdue']);
    expect((await summarize(env.deps, callerOf(RUN_USER), 0)).overdueCount).toBe(before + 1);
    const shown = await getReviewItem(env.deps, callerOf(RUN_USER), seeded.id);
    expect(shown.overdue).toEqual(marked?.overdue);
    // The agent's list and get show the mark.
    for (const [name, input] of [
      ['get_review_item', { id: seeded.id }],
      ['list_review_items', { scope: 'mine' }],
    ] as const) {
      const tool = TOOLS.find((t) => t.name === name);
      if (!tool) throw new Error(`No tool ${name}`);
      const context = { deps: env.deps, caller: callerOf(RUN_USER) };
      const answer = tool.output.parse(await tool.run(context, tool.input.parse(input)));
      expect(tool.describe(answer)).toContain(`OVERDUE since ${marked?.overdue?.since}`);
    }

    // Leaving the queue takes it out of the overdue count.
    await dismissItem(env.deps, callerOf(RUN_USER), seeded.id, {});
    expect((await summarize(env.deps, callerOf(RUN_USER), 0)).overdueCount).toBe(before);
  });

  it('never marks a decided item', async () => {
    await save({ overdueAfterMinutes: 10 });
    env.deps.clock.set(T0);
    const seeded = await seedItem(env.deps, workspaceRun());
    await dismissItem(env.deps, callerOf(RUN_USER), seeded.id, {});
    env.deps.clock.set(new Date(T0.getTime() + 60 * MINUTE));
    await markOverdueItems(env.deps);
    const after = await item(seeded.id);
    expect(after?.status).toBe('dismissed');
    expect(after?.overdue).toBeUndefined();
    expect(await eventsOf(seeded.id)).not.toContain('Review Item Overdue');
  });

  it('re-times pending items when the settings change, at the next run', async () => {
    await save({ overdueAfterMinutes: 60 });
    env.deps.clock.set(T0);
    const seeded = await seedItem(env.deps, workspaceRun());
    env.deps.clock.set(new Date(T0.getTime() + 30 * MINUTE));
    await markOverdueItems(env.deps);
    expect((await item(seeded.id))?.overdue).toBeUndefined();

    await save({ overdueAfterMinutes: 20 });
    await markOverdueItems(env.deps);
    expect((await item(seeded.id))?.overdue).toEqual({
      since: new Date(T0.getTime() + 20 * MINUTE).toISOString(),
    });
    await dismissItem(env.deps, callerOf(RUN_USER), seeded.id, {});
  });

  it('escalates to the named users who can see the item, and only marks an item none of them can see', async () => {
    await save({
      overdueAfterMinutes: 10,
      escalateAfterMinutes: 20,
      escalateTo: { userIds: ['u_bob', 'u_gone'] },
    });
    env.deps.clock.set(T0);
    const open = await seedItem(env.deps, workspaceRun());
    const hidden = await seedItem(env.deps, privateRun());
    env.deps.clock.set(new Date(T0.getTime() + 20 * MINUTE));
    await markOverdueItems(env.deps);

    const escalatedOpen = await item(open.id);
    expect(escalatedOpen?.overdue).toBeDefined();
    expect(escalatedOpen?.reviewers).toEqual(['u_alice', 'u_bob']);
    expect(escalatedOpen?.escalated?.added).toEqual(['u_bob']);
    const escalatedHidden = await item(hidden.id);
    expect(escalatedHidden?.reviewers).toEqual(['u_alice']);
    expect(escalatedHidden?.escalated?.added).toEqual([]);
    expect(await eventsOf(open.id)).toEqual([
      'Review Item Created',
      'Review Item Overdue',
      'Review Item Escalated',
    ]);
    expect((await env.deps.store.getHistory(WS, open.id)).map((h) => h.action)).toEqual([
      'created',
      'overdue',
      'escalated',
    ]);
    // Bob's queue holds it now, counted as overdue.
    const bob = await summarize(env.deps, callerOf(BOB), 20);
    expect(bob.latest.map((i) => i.id)).toContain(open.id);
    expect(bob.overdueCount).toBeGreaterThanOrEqual(1);

    // Once escalated, later runs change nothing.
    env.deps.clock.advance(30 * MINUTE);
    await markOverdueItems(env.deps);
    expect((await item(open.id))?.version).toBe(escalatedOpen?.version);
    for (const id of [open.id, hidden.id]) await dismissItem(env.deps, admin, id, {});
  });

  it('escalates a private run to the active admins, who may see every run', async () => {
    await save({ overdueAfterMinutes: 10, escalateAfterMinutes: 20, escalateTo: 'admins' });
    env.deps.clock.set(T0);
    const hidden = await seedItem(env.deps, privateRun());
    env.deps.clock.set(new Date(T0.getTime() + 25 * MINUTE));
    await markOverdueItems(env.deps);
    const after = await item(hidden.id);
    expect(after?.reviewers).toEqual(['u_alice', 'u_boss', 'u_chief']);
    await dismissItem(env.deps, admin, hidden.id, {});
  });

  it('costs one transaction per due item and the same reads whatever the number due', async () => {
    await save({ overdueAfterMinutes: 10 });
    const requestsFor = async (due: number) => {
      env.deps.clock.set(T0);
      const ids: string[] = [];
      for (let i = 0; i < due; i++) ids.push((await seedItem(env.deps, workspaceRun())).id);
      await env.deps.store.registeredWorkspaces(); // settle the registry's tallies outside the count
      env.deps.clock.set(new Date(T0.getTime() + 10 * MINUTE));
      env.table.counter.reset();
      const outcome = await markOverdueItems(env.deps);
      const counted = { ...env.table.counter.byCommand };
      for (const id of ids) await dismissItem(env.deps, callerOf(RUN_USER), id, {});
      return { outcome, counted };
    };
    const one = await requestsFor(1);
    const five = await requestsFor(5);
    expect(one.outcome.overdue).toBe(1);
    expect(five.outcome.overdue).toBe(5);
    expect(five.counted.TransactWriteItems).toBe(5);
    expect(one.counted.TransactWriteItems).toBe(1);
    // The reads: the registry's shards, the settings, and one query per stage of each workspace.
    const reads = (c: Record<string, number>) => ({ Query: c.Query, BatchGetItem: c.BatchGetItem });
    expect(reads(five.counted)).toEqual(reads(one.counted));
  });
});
