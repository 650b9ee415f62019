/**
 * Bulk decisions (spec 3, Bulk): each item decided exactly as if alone, answered with its own status and item or
 * problem, one item's failure never blocking another's; and the exactly-once guarantee per item with bulk and
 * single approvals racing, counted in the local SES. Real DynamoDB Local, real SesMailer on local SES.
 * Set BULK_SEED to replay a race plan.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError } from '../../shared/errors.js';
import { BULK_START_WITHIN_MS, decideItems } from '../../shared/use-cases/bulk.js';
import { approveItem } from '../../shared/use-cases/decide.js';
import { member } from '../fixtures/index.js';
import { RACE_CONFLICT_WINDOW_MS } from '../support/conflict-rule.js';
import {
  callerOf,
  createItemEnv,
  type ItemEnv,
  mapLimit,
  RUN_USER,
  randomInt,
  SENDING_ADMIN,
  seededRandom,
  seedItem,
  seedItemId,
  seedMembers,
  uniqueProposal,
} from '../support/items.js';
import { sentEmails } from '../support/ses.js';

const SEED = Number(process.env.BULK_SEED ?? Math.floor(Math.random() * 2 ** 31));
const TRIALS = Number(process.env.BULK_TRIALS ?? 120);
const BOB = member({ userId: 'u_bob', role: 'member', mailboxes: ['bob@acme.com'] });

let env: ItemEnv;
let startedAt: Date;

beforeAll(async () => {
  console.info(`bulk: seed ${SEED} (replay with BULK_SEED=${SEED})`);
  env = await createItemEnv({ prefix: 'bulk', conflictWindowMs: RACE_CONFLICT_WINDOW_MS });
  await seedMembers(env.deps, [RUN_USER, SENDING_ADMIN, BOB]);
  startedAt = new Date(Date.now() - 1_000);
});
afterAll(async () => {
  await env?.table.drop();
  env?.ses.client.destroy();
});

describe('bulk decisions', () => {
  it('answers each item with its own status: sent, 404 invisible, 409 stale version, 403 without the mailbox', async () => {
    const ok = await seedItem(env.deps);
    const old = await seedItem(env.deps);
    const invisible = await seedItem(env.deps); // alice's private run: bob cannot see it
    const workspaceRun = await seedItem(
      env.deps,
      uniqueProposal({
        run: { executedAs: { kind: 'workspace' } },
        relatedRecords: [{ type: 'account', id: 'acc_1', ownerId: 'u_bob' }],
      }),
    );
    // Bob reviews the workspace run's item but has not the alice@ mailbox: 403; the others are alice's.
    const asBob = await decideItems(env.deps, callerOf(BOB), {
      action: 'approve',
      items: [{ id: workspaceRun.id }, { id: invisible.id }],
    });
    expect(asBob.results.map((r) => [r.id, r.status])).toEqual([
      [workspaceRun.id, 403],
      [invisible.id, 404],
    ]);
    const asAlice = await decideItems(env.deps, callerOf(RUN_USER), {
      action: 'approve',
      items: [{ id: ok.id, version: 1 }, { id: old.id, version: 5 }, { id: 'ri_nope' }],
    });
    expect(asAlice.results.map((r) => [r.id, r.status])).toEqual([
      [ok.id, 200],
      [old.id, 409],
      ['ri_nope', 404],
    ]);
    const [sent, conflict, missing] = asAlice.results;
    expect(sent && 'item' in sent && sent.item).toMatchObject({ status: 'sent', version: 3 });
    expect(conflict && 'problem' in conflict && conflict.problem).toMatchObject({
      status: 409,
      title: 'Conflict',
      current: { status: 'pending', version: 1 },
    });
    expect(missing && 'problem' in missing && missing.problem).toMatchObject({ status: 404 });
    // Nothing was written for the refused items.
    for (const id of [old.id, invisible.id, workspaceRun.id])
      expect((await env.deps.store.getItem('ws_acme', id))?.version).toBe(1);
  });

  it('starts no item once its start window has passed: each answered 503, untouched, and decided when sent again', async () => {
    const items = [await seedItem(env.deps), await seedItem(env.deps)];
    const start = Date.now();
    // The request starts (its first reading of the clock); every later reading is at the window's end.
    let readings = 0;
    const late = () => new Date(start + (readings++ === 0 ? 0 : BULK_START_WITHIN_MS));
    const request = { action: 'approve' as const, items: items.map((i) => ({ id: i.id })) };
    const { results } = await decideItems({ ...env.deps, clock: late }, callerOf(RUN_USER), request);
    expect(results).toEqual(
      items.map((i) => ({
        id: i.id,
        status: 503,
        problem: expect.objectContaining({ title: 'Not started', status: 503 }),
      })),
    );
    for (const item of items)
      expect((await env.deps.store.getItem('ws_acme', item.id))?.status).toBe('pending');
    const again = await decideItems(env.deps, callerOf(RUN_USER), request);
    expect(again.results.map((r) => r.status)).toEqual([200, 200]);
  });

  it('dismisses with one reason and note for every item', async () => {
    const items = [await seedItem(env.deps), await seedItem(env.deps)];
    const { results } = await decideItems(env.deps, callerOf(RUN_USER), {
      action: 'dismiss',
      items: items.map((i) => ({ id: i.id })),
      reason: 'wrong_timing',
      note: 'after the holidays',
    });
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    for (const item of items) {
      expect((await env.deps.store.getItem('ws_acme', item.id))?.decision).toMatchObject({
        action: 'dismissed',
        reason: 'wrong_timing',
        note: 'after the holidays',
      });
    }
  });

  it(`sends each item once with bulk and single approvals racing, over ${TRIALS} trials`, {
    timeout: 300_000,
  }, async () => {
    const random = seededRandom(SEED);
    const plans = Array.from({ length: TRIALS }, (_, index) => ({
      index,
      size: randomInt(random, 1, 4),
      bulks: randomInt(random, 1, 2),
      singles: randomInt(random, 1, 3),
    }));
    const sesBefore = env.ses.counter.byCommand.SendEmail ?? 0;
    const trials = await mapLimit(plans, 4, async (plan) => {
      const token = crypto.randomUUID();
      const ids = await Promise.all(
        Array.from({ length: plan.size }, (_, n) =>
          seedItemId(
            env.deps,
            uniqueProposal({ draft: { subject: `Bulk race ${plan.index}.${n} [t:${token}]` } }),
          ),
        ),
      );
      const approvers = [RUN_USER, SENDING_ADMIN];
      const calls = [
        ...Array.from({ length: plan.bulks }, (_, n) => async () => {
          const { results } = await decideItems(env.deps, callerOf(approvers[n % 2]!), {
            action: 'approve',
            items: ids.map((id) => ({ id })),
          });
          return results.map((r) => ({ id: r.id, won: r.status === 200, status: r.status }));
        }),
        ...ids.flatMap((id) =>
          Array.from({ length: plan.singles }, (_, n) => async () => {
            try {
              await approveItem(env.deps, callerOf(approvers[n % 2]!), id, {});
              return [{ id, won: true, status: 200 }];
            } catch (error) {
              if (!(error instanceof ConflictError)) throw error;
              return [{ id, won: false, status: 409 }];
            }
          }),
        ),
      ];
      const outcomes = (await Promise.all(calls.map((call) => call()))).flat();
      const label = `trial ${plan.index} (${plan.size} items, ${plan.bulks} bulk, ${plan.singles} single each, seed ${SEED})`;
      for (const id of ids) {
        const mine = outcomes.filter((o) => o.id === id);
        expect(
          mine.filter((o) => o.won),
          `${label}: ${id} won once`,
        ).toHaveLength(1);
        expect(
          mine.filter((o) => !o.won).every((o) => o.status === 409),
          `${label}: losers answered 409`,
        ).toBe(true);
        expect((await env.deps.store.getItem('ws_acme', id))?.status, label).toBe('sent');
      }
      return { token, items: ids.length, label };
    });
    const emails = await sentEmails(startedAt);
    for (const trial of trials) {
      const sent = emails.filter((e) => e.subject.includes(`[t:${trial.token}]`));
      expect(sent, `${trial.label}: one email per item in local SES`).toHaveLength(trial.items);
      expect(new Set(sent.map((e) => e.subject)).size, trial.label).toBe(trial.items);
    }
    const items = trials.reduce((n, t) => n + t.items, 0);
    expect((env.ses.counter.byCommand.SendEmail ?? 0) - sesBefore).toBe(items);
    console.info(`bulk: ${TRIALS} trials, ${items} items, ${items} emails in local SES (one each)`);
  });
});
