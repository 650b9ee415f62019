/**
 * spec 3 "Trust" on DynamoDB Local: decisions of a step counted into its trust figures by apply-tallies' code from
 * the table's real stream, and `Automation Step Trust Changed` written to the outbox once per change of the
 * recommendation — not again when the same batch is handed over twice, not for a version that starts from nothing.
 * The counts themselves are checked against a recount from the histories in review-feedback.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../shared/domain/settings.js';
import type { TrustSettings } from '../../shared/domain/trust.js';
import type { OutEvent } from '../../shared/events/out-events.js';
import { Table } from '../../shared/store/table.js';
import { applyTallies, talliesOfRecords } from '../../shared/store/tallies.js';
import { publishTrustChanges } from '../../shared/store/trust-changes.js';
import { approveItem, dismissItem, editItem } from '../../shared/use-cases/decide.js';
import { reviewFeedback } from '../../shared/use-cases/review-feedback.js';
import { saveSettings } from '../../shared/use-cases/save-settings.js';
import {
  callerOf,
  createItemEnv,
  type ItemEnv,
  RUN_USER,
  SENDING_ADMIN,
  seedItemId,
  seedMembers,
  uniqueProposal,
} from '../support/items.js';
import { tallyRecords } from '../support/tallies.js';

/** A workspace that trusts a step after 30 decisions with a bound of at most 10%. */
const SETTINGS: TrustSettings = { maxHumanRate: 0.1, minDecisions: 30 };
const AUTOMATION = `auto_trust_${randomUUID().slice(0, 8)}`;

let env: ItemEnv;
let table: Table;

beforeAll(async () => {
  env = await createItemEnv({ prefix: 'trust', tallies: true });
  table = new Table(env.table.client, env.table.tableName);
  await seedMembers(env.deps, [RUN_USER, SENDING_ADMIN]);
  // The workspace's trust settings, as an admin saves them (PUT /settings).
  await saveSettings(env.deps, callerOf(SENDING_ADMIN), { ...DEFAULT_SETTINGS, trust: SETTINGS, version: 0 });
});
afterAll(async () => {
  await env?.table.drop();
  env?.ses.client.destroy();
});

const propose = (version: string, stepId = 'step_send') =>
  seedItemId(
    env.deps,
    uniqueProposal({
      run: {
        id: `run_${randomUUID().slice(0, 8)}`,
        stepId,
        automationId: AUTOMATION,
        automationVersion: version,
        executedAs: { kind: 'workspace' },
      },
    }),
  );

/** What apply-tallies does with the whole stream so far: count (exactly once), then look at the steps. */
async function settle(): Promise<number> {
  const tallies = talliesOfRecords(await tallyRecords(env.table.tableName));
  await applyTallies(table, tallies);
  const trustOf = async (workspaceId: string) => (await env.deps.store.getSettings(workspaceId)).trust;
  return publishTrustChanges(table, tallies, trustOf, env.deps.clock());
}

const trustEvents = async (): Promise<OutEvent[]> =>
  (await env.outbox.inWorkspace(RUN_USER.workspaceId))
    .filter((event) => event.detailType === 'Automation Step Trust Changed')
    .filter((event) => event.detail.automationId === AUTOMATION);

describe('trust', () => {
  it('publishes a step’s recommendation when it changes, once, and a new version starts from nothing', {
    timeout: 240_000,
  }, async () => {
    const admin = callerOf(SENDING_ADMIN);
    // 29 approved as proposed: 0 of 29, too few decisions.
    for (let i = 0; i < 29; i++) await approveItem(env.deps, admin, await propose('v1'), {});
    expect(await settle()).toBe(0);
    expect(await trustEvents()).toEqual([]);

    // The 30th: 0 of 30, bound 0.0950 ≤ 0.1 → apply_directly.
    await approveItem(env.deps, admin, await propose('v1'), {});
    expect(await settle()).toBe(1);
    const [first] = await trustEvents();
    expect(first?.detail).toMatchObject({
      workspaceId: RUN_USER.workspaceId,
      automationId: AUTOMATION,
      automationVersion: 'v1',
      stepId: 'step_send',
      draftType: 'email',
      recommendation: 'apply_directly',
      previous: 'keep_reviewing',
      decisions: 30,
      neededHuman: 0,
      upperBound: 0.095,
      maxHumanRate: 0.1,
      minDecisions: 30,
    });
    // The same batch handed over again: counted before, nothing new to publish.
    expect(await settle()).toBe(0);

    // An edit before approval and a dismissal: 2 of 32 needed a human, bound > 0.1 → keep_reviewing.
    const edited = await propose('v1');
    const item = await env.deps.store.getItem(RUN_USER.workspaceId, edited);
    await editItem(env.deps, admin, edited, { version: item?.version ?? 1, draft: { subject: 'Edited' } });
    await approveItem(env.deps, admin, edited, {});
    await dismissItem(env.deps, admin, await propose('v1'), { reason: 'tone' });
    expect(await settle()).toBe(1);
    const events = await trustEvents();
    expect(events.map((event) => event.detail.recommendation)).toEqual(['apply_directly', 'keep_reviewing']);
    expect(events[1]?.detail).toMatchObject({ decisions: 32, neededHuman: 2, previous: 'apply_directly' });
    expect(new Set(events.map((event) => event.detail.eventId)).size).toBe(2);

    // A new version starts from nothing: its first decisions change nothing, v1 keeps its figures.
    for (let i = 0; i < 3; i++) await approveItem(env.deps, admin, await propose('v2'), {});
    expect(await settle()).toBe(0);
    const feedback = await reviewFeedback(env.deps, admin, AUTOMATION);
    const stepOf = (version: string) => feedback.versions.find((v) => v.automationVersion === version)?.steps;
    expect(stepOf('v2')).toEqual([
      expect.objectContaining({
        stepId: 'step_send',
        decisions: 3,
        neededHuman: 0,
        recommendation: 'keep_reviewing',
      }),
    ]);
    expect(stepOf('v1')).toEqual([
      expect.objectContaining({
        decisions: 32,
        neededHuman: 2,
        dismissed: 1,
        recommendation: 'keep_reviewing',
      }),
    ]);
  });
});
