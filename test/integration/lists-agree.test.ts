/**
 * Every list and counter agrees with the items (docs/table-design.md). Random interleavings of proposals (new,
 * replacing, repeated, out of order), edits, dismissals, auto-resolves, expiries and member changes run on DynamoDB
 * Local; afterwards the whole workspace is read back (a Scan: test only) and every queue entry, queue counter, record
 * entry, automation entry and name, index attribute, dedup head and mailbox lookup is recomputed from the items and members
 * and compared.
 */
import { randomUUID } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Member, ReviewItem } from '../../shared/domain/review-item.js';
import { isOpen } from '../../shared/domain/review-item.js';
import { scopeOf } from '../../shared/domain/routing.js';
import { recordRefsOf } from '../../shared/drafts/index.js';
import { ConflictError } from '../../shared/errors.js';
import { parseItem } from '../../shared/store/entities/review-item.js';
import type { ReviewStore } from '../../shared/store/review-store.js';
import { applyMemberChange } from '../../shared/use-cases/apply-member-change.js';
import { dismissItem, editItem } from '../../shared/use-cases/decide.js';
import type { Deps } from '../../shared/use-cases/deps.js';
import { ingestProposal } from '../../shared/use-cases/ingest-proposal.js';
import { resolveFromWebhook } from '../../shared/use-cases/resolve-from-webhook.js';
import { expireDueItems } from '../../shared/use-cases/scheduled-jobs.js';
import { newItemId } from '../../shared/wiring.js';
import { member, proposal } from '../fixtures/index.js';
import { createTestTable, type TestTable } from '../support/dynamo.js';
import { emailOf } from '../support/items.js';
import { SettlingStore, settleTallies } from '../support/tallies.js';

let table: TestTable;
let store: ReviewStore;

beforeAll(async () => {
  table = await createTestTable('lists-agree', { stream: true });
  store = new SettlingStore(table.client, table.tableName);
});

const USERS = ['u_alice', 'u_bob', 'u_carol'] as const;
const mailboxOf = (userId: string) => `${userId.slice(2)}@acme.com`;
const RECORDS = ['acc_1', 'acc_2', 'opp_1'] as const;

const step = fc.oneof(
  fc.record({
    kind: fc.constant('propose' as const),
    key: fc.integer({ min: 0, max: 4 }),
    minute: fc.integer({ min: 0, max: 30 }),
    automation: fc.constantFrom('auto_a', 'auto_b'),
    name: fc.constantFrom('Renewal', 'Renewal v2'),
    runAs: fc.constantFrom('workspace', ...USERS),
    from: fc.constantFrom(...USERS),
    to: fc.subarray([...USERS]),
    records: fc.subarray([...RECORDS]),
    owner: fc.option(fc.constantFrom(...USERS), { nil: undefined }),
    expires: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('edit' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('dismiss' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('resolve' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('expire' as const) }),
  fc.record({
    kind: fc.constant('member' as const),
    user: fc.constantFrom(...USERS),
    role: fc.constantFrom('admin' as const, 'member' as const),
    active: fc.boolean(),
    extraMailbox: fc.boolean(),
  }),
);
type Step = typeof step extends fc.Arbitrary<infer S> ? S : never;

/** Every record of the workspace, once the changes' tallies are counted. */
async function scanWorkspace(workspaceId: string): Promise<Record<string, unknown>[]> {
  await settleTallies(table.tableName);
  const rows: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const out = await table.client.send(
      new ScanCommand({
        TableName: table.tableName,
        FilterExpression: 'begins_with(pk, :ws)',
        ExpressionAttributeValues: { ':ws': `WS#${workspaceId}#` },
        ExclusiveStartKey,
      }),
    );
    rows.push(...(out.Items ?? []));
    ExclusiveStartKey = out.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return rows;
}

async function run(steps: Step[]) {
  const workspaceId = `ws_${randomUUID().slice(0, 8)}`;
  let clock = new Date('2026-11-20T12:00:00.000Z');
  const deps: Deps = {
    store,
    clock: () => clock,
    newId: newItemId,
  };
  const admin = { workspaceId, userId: 'u_admin' };
  await applyMemberChange(store, member({ workspaceId, userId: 'u_admin', role: 'admin', mailboxes: [] }));
  let memberClock = Date.parse('2026-11-20T09:00:00.000Z');
  for (const userId of USERS)
    await applyMemberChange(store, member({ workspaceId, userId, mailboxes: [mailboxOf(userId)] }));

  const created: string[] = [];
  const pick = (n: number) => created[n % Math.max(1, created.length)];
  for (const [index, s] of steps.entries()) {
    clock = new Date(clock.getTime() + 1000);
    try {
      if (s.kind === 'propose') {
        const outcome = await ingestProposal(
          deps,
          proposal({
            workspaceId,
            proposedAt: new Date(Date.parse('2026-11-20T11:00:00.000Z') + s.minute * 60_000).toISOString(),
            dedupKey: `k${s.key}`,
            ...(s.expires ? { expiresAt: new Date(clock.getTime() + 60 * 60_000).toISOString() } : {}),
            run: {
              id: `run_${index}`,
              automationId: s.automation,
              automationName: s.name,
              executedAs: s.runAs === 'workspace' ? { kind: 'workspace' } : { kind: 'user', userId: s.runAs },
            },
            relatedRecords: s.records.map((id) => ({
              type: 'account',
              id,
              ...(s.owner ? { ownerId: s.owner } : {}),
            })),
            draft: {
              from: mailboxOf(s.from),
              to: ['x@globex.com', ...s.to.map(mailboxOf)],
              threadId: `t${s.key}`,
            },
          }),
        );
        if (outcome.outcome === 'created') created.push(outcome.itemId);
      } else if (s.kind === 'edit' && pick(s.pick)) {
        const item = await store.getItem(workspaceId, pick(s.pick)!);
        if (item)
          await editItem(deps, admin, item.id, {
            version: item.version,
            draft: { subject: `Edited ${index}` },
          });
      } else if (s.kind === 'dismiss' && pick(s.pick)) {
        await dismissItem(deps, admin, pick(s.pick)!, { note: 'no' });
      } else if (s.kind === 'resolve' && pick(s.pick)) {
        const item = await store.getItem(workspaceId, pick(s.pick)!);
        if (item)
          await resolveFromWebhook(deps, `wh_${workspaceId}_${index}`, {
            type: 'message.sent',
            workspaceId,
            mailbox: emailOf(item.draft).from,
            threadId: emailOf(item.draft).threadId,
            to: emailOf(item.draft).to,
            occurredAt: clock.toISOString(),
          });
      } else if (s.kind === 'expire') {
        clock = new Date(clock.getTime() + 61 * 60_000);
        await expireDueItems(deps);
      } else if (s.kind === 'member') {
        memberClock += 60_000;
        await applyMemberChange(
          store,
          member({
            workspaceId,
            userId: s.user,
            role: s.role,
            active: s.active,
            mailboxes: [mailboxOf(s.user), ...(s.extraMailbox ? [`shared@acme.com`] : [])],
            changedAt: new Date(memberClock).toISOString(),
          }),
        );
      }
    } catch (error) {
      // A lost race or an action the item's status refuses is a 409; anything else is a failure.
      if (!(error instanceof ConflictError)) throw error;
    }
  }
  await expectListsAgree(workspaceId);
}

async function expectListsAgree(workspaceId: string) {
  const rows = await scanWorkspace(workspaceId);
  const of = (entity: string) => rows.filter((r) => r.entity === entity);
  const items: ReviewItem[] = of('ReviewItem').map(parseItem);
  const open = items.filter((item) => isOpen(item.status));
  const key = (...parts: string[]) => parts.join(' | ');

  // Queue entries: one per reviewer of each open item, carrying its current version.
  const queue = of('QueueEntry').map((r) =>
    key(
      String(r.pk).split('#QUEUE#')[1]!,
      String((r.summary as ReviewItem).id),
      String((r.summary as ReviewItem).version),
    ),
  );
  const expectedQueue = open.flatMap((item) =>
    item.reviewers.map((u) => key(u, item.id, String(item.version))),
  );
  expect(queue.sort()).toEqual(expectedQueue.sort());

  // Queue counters: pending and per automation.
  for (const userId of ['u_admin', ...USERS]) {
    const counts = await store.queueCounts(workspaceId, userId);
    const mine = open.filter((item) => item.reviewers.includes(userId));
    expect(counts.pending, userId).toBe(mine.length);
    const byAutomation = new Map<string, number>();
    for (const item of mine)
      byAutomation.set(item.origin.automationId, (byAutomation.get(item.origin.automationId) ?? 0) + 1);
    expect(Object.fromEntries(counts.byAutomation.map((a) => [a.automationId, a.count])), userId).toEqual(
      Object.fromEntries(byAutomation),
    );
  }

  // Record entries: one per record of each open item.
  const records = of('RecordEntry').map((r) =>
    key(
      String(r.pk).split('#REC#')[1]!,
      String((r.summary as ReviewItem).id),
      String((r.summary as ReviewItem).version),
    ),
  );
  const expectedRecords = open.flatMap((item) =>
    recordRefsOf(item).map((ref) => key(`${ref.type}#${ref.id}`, item.id, String(item.version))),
  );
  expect(records.sort()).toEqual(expectedRecords.sort());

  // Index attributes: on open items only.
  for (const item of items) {
    const row = rows.find((r) => r.entity === 'ReviewItem' && (r.id as string) === item.id)!;
    expect(row.openPk !== undefined, item.id).toBe(isOpen(item.status));
    expect(row.scopePk, item.id).toBe(
      isOpen(item.status)
        ? `WS#${workspaceId}#OPEN#S#${scopeOf(item.origin.executedAs).replace('#', '%23')}`
        : undefined,
    );
  }

  // Automation entries: open counts per automation, in all, of workspace runs, and per private run user.
  for (const automationId of ['auto_a', 'auto_b']) {
    const mine = open.filter((item) => item.origin.automationId === automationId);
    const entry = rows.find(
      (r) =>
        r.entity === 'AutomationEntry' &&
        r.pk === `WS#${workspaceId}#AUTOS` &&
        r.automationId === automationId,
    );
    if (!entry) {
      expect(items.some((item) => item.origin.automationId === automationId)).toBe(false);
      continue;
    }
    // The automation names (what the agent's list by name reads) agree with the entry's latest name.
    const names = rows.find((r) => r.entity === 'AutomationNames' && r[`N#${automationId}`] !== undefined);
    expect(names?.[`N#${automationId}`], automationId).toBe(entry.automationName);
    expect(entry.listedName, automationId).toBe(entry.automationName);
    expect(Number(entry.openAll ?? 0), automationId).toBe(mine.length);
    expect(Number(entry.openWorkspace ?? 0), automationId).toBe(
      mine.filter((i) => i.origin.executedAs.kind === 'workspace').length,
    );
    for (const userId of USERS) {
      const own = rows.find(
        (r) =>
          r.entity === 'AutomationEntry' &&
          r.pk === `WS#${workspaceId}#AUTOS#U#${userId}` &&
          r.automationId === automationId,
      );
      const expected = mine.filter(
        (i) => i.origin.executedAs.kind === 'user' && i.origin.executedAs.userId === userId,
      ).length;
      expect(Number(own?.open ?? 0), `${automationId} ${userId}`).toBe(expected);
    }
  }

  // Dedup heads: an open head points at the item that holds its key, at its version.
  for (const head of of('DedupHead')) {
    const holder = items.find(
      (item) => item.holdsKey && item.dedupHash === String(head.pk).split('#DEDUP#')[1],
    );
    if (head.open) {
      expect(holder, String(head.pk)).toBeDefined();
      expect([head.itemId, head.version, head.reviewers]).toEqual([
        holder!.id,
        holder!.version,
        holder!.reviewers,
      ]);
    } else expect(holder).toBeUndefined();
  }

  // Mailbox lookups: exactly the active members with that mailbox.
  const members: Member[] = (
    await Promise.all(['u_admin', ...USERS].map((u) => store.getMember(workspaceId, u)))
  ).filter((m): m is Member => m !== undefined);
  const addresses = new Set(members.flatMap((m) => m.mailboxes));
  for (const address of addresses) {
    const lookup = rows.find(
      (r) => r.entity === 'Mailbox' && r.pk === `WS#${workspaceId}#MAILBOX#${address}`,
    );
    const listed = Object.keys(lookup ?? {})
      .filter((name) => name.startsWith('u#'))
      .map((name) => name.slice(2))
      .sort();
    expect(listed, address).toEqual(
      members
        .filter((m) => m.active && m.mailboxes.includes(address))
        .map((m) => m.userId)
        .sort(),
    );
  }
}

describe('lists and counters', () => {
  it('agree with the items after random interleavings of proposals, actions, expiries and member changes', async () => {
    await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 40 }), run), {
      numRuns: 15,
      seed: process.env.LISTS_SEED ? Number(process.env.LISTS_SEED) : undefined,
    });
  }, 300_000);
});
