/**
 * The one item-change transaction: what it writes for each list the item is on, and that the largest change the
 * bounds allow still fits in one DynamoDB transaction (docs/table-design.md, "the largest change").
 */
import { describe, expect, it } from 'vitest';
import { claimed, created, replaced } from '../../shared/domain/lifecycle.js';
import { MAX_RELATED_RECORDS } from '../../shared/domain/primitives.js';
import { historyEntry, type ReviewItem } from '../../shared/domain/review-item.js';
import { MAX_REVIEWERS } from '../../shared/domain/routing.js';
import { stateOf } from '../../shared/store/entities/review-item.js';
import { type CounterWrite, TALLY_ATTRIBUTE } from '../../shared/store/entities/tally.js';
import { itemChangeOps, MAX_TRANSACTION_ACTIONS } from '../../shared/store/item-change.js';
import type { TransactItem } from '../../shared/store/table.js';
import { proposal } from '../fixtures/index.js';
import { recordUpdateProposal } from '../support/records.js';

const T0 = '2026-11-20T10:00:00.000Z';
const T1 = '2026-11-20T10:05:00.000Z';

function item(over: {
  reviewers: string[];
  records: string[];
  automationId?: string;
  userRun?: boolean;
  /** A record update of this record (its own record is one more banner) instead of an email. */
  updates?: string;
}): ReviewItem {
  const p = over.updates
    ? recordUpdateProposal({ draft: { record: { type: 'opportunity', id: over.updates } } })
    : proposal();
  return created(
    'ri_1',
    {
      workspaceId: 'ws_acme',
      type: p.draft.type,
      draft: p.draft,
      reason: p.reason,
      relatedRecords: over.records.map((id) => ({ type: 'account', id })),
      origin: {
        automationId: over.automationId ?? 'auto_a',
        automationName: 'A',
        runId: 'run_1',
        stepId: 'step_1',
        executedAs: over.userRun ? { kind: 'user', userId: 'u_run' } : { kind: 'workspace' },
      },
      reviewers: over.reviewers,
      dedupHash: 'h',
      proposedAt: T0,
    },
    T0,
  );
}

const entity = (op: TransactItem) => {
  const record = (op.Put?.Item ?? {}) as Record<string, unknown>;
  if (op.Put) return String(record.entity);
  const key = (op.Update?.Key ?? op.Delete?.Key ?? {}) as Record<string, string>;
  return `${op.Update ? 'Update' : 'Delete'} ${key.pk?.replace(/^WS#ws_acme#/, '').split('#')[0]}`;
};
function actions(ops: TransactItem[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of ops.map(entity)) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}
/** The counter records the change's tally writes (carried by its history record), by kind. */
function tallied(ops: TransactItem[]): Record<string, number> {
  const history = ops.find((op) => op.Put?.Item?.entity === 'History')?.Put?.Item;
  const writes = (history?.[TALLY_ATTRIBUTE] ?? []) as CounterWrite[];
  const counts: Record<string, number> = {};
  for (const write of writes) {
    const name = write.key.pk.replace(/^WS#ws_acme#/, '').split('#')[0] as string;
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

const users = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `u_${prefix}${i}`);
const records = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i}`);

/** A new item's transaction, with what its proposal read of the automation's listed name. */
function proposalOps(listing: { listedName: string | null; namesOverflow?: boolean }): TransactItem[] {
  const after = item({ reviewers: ['u_a'], records: [] });
  return itemChangeOps('t', {
    before: null,
    after,
    entry: historyEntry(after, 'created', { kind: 'automation', runId: 'run_1' }),
    events: [],
    ...listing,
  });
}

describe('an item change', () => {
  it('creates an item on every list at once (queues, banners) and tallies its counters', () => {
    const after = item({ reviewers: ['u_a', 'u_b'], records: ['acc_1'] });
    const ops = itemChangeOps('t', {
      before: null,
      after,
      entry: historyEntry(after, 'created', { kind: 'automation', runId: 'run_1' }),
      counters: { automationId: 'auto_a', executedAs: after.origin.executedAs, add: { proposed: 1 } },
      events: [],
    });
    expect(actions(ops)).toEqual({
      ReviewItem: 1,
      History: 1,
      QueueEntry: 2,
      RecordEntry: 1,
      // Its listed name was not read: the name goes to the entry and its names shard unconditionally.
      'Update AUTOS': 1,
      'Update AUTONAMES': 1,
    });
    // No counter record is in the transaction: the reviewers' counters, the open count, stats and feedback are
    // the tally of the history record. So is the jobs' registry of workspaces (a creation registers its workspace).
    expect(tallied(ops)).toEqual({ QCOUNT: 2, AUTOS: 1, STATS: 1, FEEDBACK: 1, JOBS: 1 });
  });

  it("leaves the automation's entry and names out of the transaction when the proposal brings the listed name", () => {
    const ops = proposalOps({ listedName: 'A' });
    expect(actions(ops)['Update AUTONAMES']).toBeUndefined();
    expect(actions(ops)['Update AUTOS']).toBeUndefined();
  });

  it.each([
    ['another', 'Old name', 'listedName = :listed'],
    ['none', null, 'attribute_not_exists(listedName)'],
  ] as const)(
    "writes a proposal's new name to the entry and its names shard when the entry lists %s, conditional on what it read",
    (_label, listedName, condition) => {
      const ops = proposalOps({ listedName });
      expect(actions(ops)['Update AUTONAMES']).toBe(1);
      const entry = ops.find((op) => op.Update?.Key?.pk === 'WS#ws_acme#AUTOS')?.Update;
      expect(entry?.ConditionExpression).toBe(condition);
      expect(entry?.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
      expect(entry?.UpdateExpression).toContain('listedName = :name');
      if (listedName === 'Old name') expect(entry?.ExpressionAttributeValues?.[':listed']).toBe('Old name');
    },
  );

  it('marks the names incomplete instead of writing to a full shard', () => {
    const ops = proposalOps({ listedName: null, namesOverflow: true });
    const names = ops.filter((op) => op.Update?.Key?.pk === 'WS#ws_acme#AUTONAMES');
    expect(names.map((op) => [op.Update?.Key?.sk, op.Update?.UpdateExpression])).toEqual([
      ['HEAD', 'SET entity = :entity, overflow = :true'],
    ]);
  });

  it("takes a closed item off every list, and counts it out of its private run user's automation entry", () => {
    const before = item({ reviewers: ['u_a', 'u_b'], records: ['acc_1', 'acc_2'], userRun: true });
    const after = claimed(before, { id: 'a', by: 'u_a', claimedAt: T1 });
    const ops = itemChangeOps('t', {
      before: stateOf(before),
      after,
      entry: historyEntry(after, 'approved', { kind: 'user', userId: 'u_a' }),
      events: [],
    });
    expect(actions(ops)).toEqual({
      ReviewItem: 1,
      History: 1,
      'Delete QUEUE': 2,
      'Delete REC': 2,
      'Update DEDUP': 1,
    });
    // The reviewers' counts and the workspace's and the run user's automation entries: counted from the tally.
    expect(tallied(ops)).toEqual({ QCOUNT: 2, AUTOS: 2 });
  });

  it.each([
    ['an email', undefined, undefined, 0],
    ['a record update moving to another record', 'opp_old', 'opp_new', 2],
  ])(
    `fits the largest change in one transaction: a replacement of %s swapping all ${MAX_REVIEWERS} reviewers and ${MAX_RELATED_RECORDS} records to another automation`,
    (_label, oldRecord, newRecord, ownRecordOps) => {
      const before = item({
        reviewers: users('old', MAX_REVIEWERS),
        records: records('old', MAX_RELATED_RECORDS),
        userRun: true,
        ...(oldRecord ? { updates: oldRecord } : {}),
      });
      const proposalFields = item({
        reviewers: users('new', MAX_REVIEWERS),
        records: records('new', MAX_RELATED_RECORDS),
        automationId: 'auto_b',
        userRun: true,
        ...(newRecord ? { updates: newRecord } : {}),
      });
      const after = replaced(before, proposalFields, T1);
      const ops = itemChangeOps('t', {
        before: stateOf(before),
        after,
        entry: historyEntry(after, 'replaced', { kind: 'automation', runId: 'run_2' }),
        counters: { automationId: 'auto_b', executedAs: after.origin.executedAs, add: { replaced: 1 } },
        events: [],
      });
      // The item and its history, the queue entries put and deleted, the record entries put and deleted, the new
      // automation's entry and names shard (its name), the dedup head; every counter is in the tally.
      expect(ops.length).toBe(2 + 2 * MAX_REVIEWERS + 2 * MAX_RELATED_RECORDS + ownRecordOps + 2 + 1);
      expect(ops.length).toBeLessThanOrEqual(MAX_TRANSACTION_ACTIONS);
      // DynamoDB refuses two actions on one record in a transaction.
      const keys = ops.map((op) =>
        JSON.stringify(op.Put ? [op.Put.Item?.pk, op.Put.Item?.sk] : (op.Update ?? op.Delete)?.Key),
      );
      expect(new Set(keys).size).toBe(keys.length);
    },
  );

  it("refuses to build a change over DynamoDB's transaction limit", () => {
    const before = item({ reviewers: users('old', 40), records: records('old', 20) });
    const after = replaced(before, item({ reviewers: users('new', 40), records: records('new', 20) }), T1);
    expect(() =>
      itemChangeOps('t', {
        before: stateOf(before),
        after,
        entry: historyEntry(after, 'replaced', { kind: 'automation', runId: 'r' }),
        events: [],
      }),
    ).toThrow(/over DynamoDB's 100/);
  });
});
