/**
 * Time on DynamoDB Local (spec 2, 3): a member change or a proposal a microsecond later wins; history is in version
 * order and its times never go back, even when a replacement retries after losing a race to an edit and its clock
 * lags behind the editor's.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConflictError } from '../../shared/errors.js';
import { ReviewStore } from '../../shared/store/review-store.js';
import { applyMemberChange } from '../../shared/use-cases/apply-member-change.js';
import { editItem } from '../../shared/use-cases/decide.js';
import type { Deps } from '../../shared/use-cases/deps.js';
import { ingestProposal } from '../../shared/use-cases/ingest-proposal.js';
import { getReviewItem, listReviewItems } from '../../shared/use-cases/read-items.js';
import { newItemId } from '../../shared/wiring.js';
import { member, proposal } from '../fixtures/index.js';
import { RACE_CONFLICT_WINDOW_MS } from '../support/conflict-rule.js';
import { createTestTable } from '../support/dynamo.js';

let store: ReviewStore;
const deps = (clock: () => Date = () => new Date()): Deps => ({ store, clock, newId: newItemId });

beforeAll(async () => {
  const table = await createTestTable('time', { conflictWindowMs: RACE_CONFLICT_WINDOW_MS });
  store = new ReviewStore(table.client, table.tableName);
});

const newWorkspace = () => `ws_${randomUUID().slice(0, 8)}`;

describe('times at the precision given', () => {
  it('applies a deactivation 0.8 µs after the last change, whichever order they arrive in', async () => {
    for (const order of ['in order', 'reversed'] as const) {
      const workspaceId = newWorkspace();
      const active = member({ workspaceId, changedAt: '2026-11-20T09:00:00.000100Z' });
      const inactive = member({ workspaceId, active: false, changedAt: '2026-11-20T09:00:00.000900Z' });
      const [first, second] = order === 'in order' ? [active, inactive] : [inactive, active];
      expect(await applyMemberChange(store, first)).toBe(true);
      expect(await applyMemberChange(store, second)).toBe(order === 'in order');
      expect(await store.getMember(workspaceId, 'u_alice'), order).toMatchObject({
        active: false,
        changedAt: '2026-11-20T09:00:00.0009Z',
      });
      // The deactivation revokes access: nothing is listed for her.
      expect(
        (await listReviewItems(deps(), { workspaceId, userId: 'u_alice' }, { limit: 5, scope: 'workspace' }))
          .items,
      ).toEqual([]);
    }
  });

  it('lets a proposal 0.8 µs later replace the earlier one, even when its run id sorts first', async () => {
    const workspaceId = newWorkspace();
    await applyMemberChange(store, member({ workspaceId }));
    const older = proposal({
      workspaceId,
      dedupKey: 'k',
      proposedAt: '2026-11-20T10:00:00.000100Z',
      run: { id: 'run_z' },
    });
    const newer = proposal({
      workspaceId,
      dedupKey: 'k',
      proposedAt: '2026-11-20T10:00:00.000900Z',
      run: { id: 'run_a' },
      draft: { subject: 'Newer' },
    });
    const created = await ingestProposal(deps(), older);
    expect(await ingestProposal(deps(), newer)).toMatchObject({ outcome: 'replaced' });
    expect(await ingestProposal(deps(), older)).toMatchObject({ outcome: 'ignored' });
    const item = await getReviewItem(
      deps(),
      { workspaceId, userId: 'u_alice' },
      created.outcome === 'created' ? created.itemId : '',
    );
    expect(item).toMatchObject({ draft: { subject: 'Newer' }, proposedAt: '2026-11-20T10:00:00.0009Z' });
  });
});

describe('history order', () => {
  it('keeps versions and times increasing when a replacement from a lagging clock races an edit, over 60 rounds', async () => {
    const workspaceId = newWorkspace();
    await applyMemberChange(store, member({ workspaceId }));
    const alice = { workspaceId, userId: 'u_alice' };
    const lagging = () => new Date(Date.now() - 5_000);
    const outcomes = { editFirst: 0, replaceFirst: 0 };
    for (let round = 0; round < 60; round++) {
      const key = `race${round}`;
      const created = await ingestProposal(
        deps(lagging),
        proposal({
          workspaceId,
          dedupKey: key,
          proposedAt: '2026-11-20T10:00:00.000Z',
          run: { id: `run_${round}_a` },
        }),
      );
      if (created.outcome !== 'created') throw new Error('no item');
      // The edit starts 0-36 ms after the replacement, so that over the rounds both orders come up (asserted below).
      const editDelayMs = (round % 10) * 4;
      const [edit, replace] = await Promise.allSettled([
        delay(editDelayMs).then(() =>
          editItem(deps(), alice, created.itemId, { version: 1, draft: { subject: `Edited ${round}` } }),
        ),
        ingestProposal(
          deps(lagging),
          proposal({
            workspaceId,
            dedupKey: key,
            proposedAt: '2026-11-20T10:00:01.000Z',
            run: { id: `run_${round}_b` },
          }),
        ),
      ]);
      expect(replace.status).toBe('fulfilled');
      if (edit.status === 'rejected') expect(edit.reason).toBeInstanceOf(ConflictError);
      const history = await store.getHistory(workspaceId, created.itemId);
      expect(history.map((h) => h.version)).toEqual(history.map((_, i) => i + 1));
      for (let i = 1; i < history.length; i++)
        expect(
          Date.parse(history[i]!.at),
          `round ${round}: ${history.map((h) => `${h.action}@${h.at}`).join(', ')}`,
        ).toBeGreaterThan(Date.parse(history[i - 1]!.at));
      const item = await store.getItem(workspaceId, created.itemId);
      expect(item?.updatedAt).toBe(history.at(-1)?.at);
      // The edit (of version 1) lands only before the replacement; after it, it is refused as stale.
      const order = history.map((h) => h.action);
      if (edit.status === 'fulfilled') {
        expect(order, `round ${round}`).toEqual(['created', 'edited', 'replaced']);
        outcomes.editFirst += 1;
      } else {
        expect(order, `round ${round}`).toEqual(['created', 'replaced']);
        outcomes.replaceFirst += 1;
      }
    }
    console.info(`time-order: ${JSON.stringify(outcomes)}`);
    // Both orders happened: the edit first (the replacement's lagging clock is stamped after the editor's) and the
    // replacement first (the stale edit refused). A run where the race always went one way proves only half.
    expect(outcomes.editFirst, 'rounds where the edit landed first').toBeGreaterThan(0);
    expect(outcomes.replaceFirst, 'rounds where the replacement landed first').toBeGreaterThan(0);
  }, 120_000);
});
