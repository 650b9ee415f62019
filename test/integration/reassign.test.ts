/**
 * Reassign (spec 3): who may, what may be added and removed, the queues changing at once, the event and history,
 * and a replacing proposal keeping the hand changes. Real DynamoDB Local through the use cases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../shared/errors.js';
import { ingestProposal } from '../../shared/use-cases/ingest-proposal.js';
import { listReviewItems, summarize } from '../../shared/use-cases/read-items.js';
import { reassignItem } from '../../shared/use-cases/reassign.js';
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

const BOB = member({ userId: 'u_bob', role: 'member', mailboxes: ['bob@acme.com'] });
const CAROL = member({ userId: 'u_carol', role: 'member', mailboxes: ['carol@acme.com'] });
const DAN = member({ userId: 'u_dan', role: 'member', mailboxes: ['dan@acme.com'] });
const ERIN = member({ userId: 'u_erin', role: 'member', mailboxes: [] });
const GONE = member({ userId: 'u_gone', role: 'member', mailboxes: [], active: false });
const ADMIN = member({ userId: 'u_boss', role: 'admin', mailboxes: [] });
const OUTSIDER = member({ workspaceId: 'ws_other', userId: 'u_bob', role: 'admin', mailboxes: [] });

let env: ItemEnv;

beforeAll(async () => {
  env = await createItemEnv({ prefix: 'reassign', tallies: true });
  await seedMembers(env.deps, [RUN_USER, BOB, CAROL, DAN, ERIN, GONE, ADMIN, OUTSIDER]);
});
afterAll(async () => {
  await env?.table.drop();
  env?.ses.client.destroy();
});

/** A workspace run whose records are owned by bob and dan: they are its reviewers. */
const workspaceProposal = (dedupKey?: string, proposedAt = new Date().toISOString()) =>
  uniqueProposal({
    ...(dedupKey ? { dedupKey } : {}),
    proposedAt,
    run: { executedAs: { kind: 'workspace' } },
    relatedRecords: [
      { type: 'account', id: 'acc_1', ownerId: 'u_bob' },
      { type: 'account', id: 'acc_2', ownerId: 'u_dan' },
    ],
    draft: { from: 'robot@acme.com', to: ['x@globex.com'] },
  });

const queueIds = async (userId: string) =>
  (
    await listReviewItems(env.deps, { workspaceId: 'ws_acme', userId }, { scope: 'mine', limit: 100 })
  ).items.map((i) => i.id);
const pendingCount = async (userId: string) =>
  (await summarize(env.deps, { workspaceId: 'ws_acme', userId }, 0)).pendingCount;

describe('reassign', () => {
  it('adds and removes reviewers: their queues change at once and their counts once counted, with an event and a history entry', async () => {
    const item = await seedItem(env.deps, workspaceProposal());
    expect(item.reviewers.sort()).toEqual(['u_bob', 'u_dan']);
    const carolBefore = await pendingCount('u_carol');
    const danBefore = await pendingCount('u_dan');

    const after = await reassignItem(env.deps, callerOf(BOB), item.id, {
      version: 1,
      add: ['u_carol'],
      remove: ['u_dan'],
    });
    expect(after).toMatchObject({ version: 2, status: 'pending', reviewers: ['u_bob', 'u_carol'] });
    expect(await queueIds('u_carol')).toContain(item.id);
    expect(await queueIds('u_dan')).not.toContain(item.id);
    expect(await pendingCount('u_carol')).toBe(carolBefore + 1);
    expect(await pendingCount('u_dan')).toBe(danBefore - 1);

    const history = await env.deps.store.getHistory('ws_acme', item.id);
    expect(history.at(-1)).toMatchObject({
      action: 'reassigned',
      actor: { kind: 'user', userId: 'u_bob' },
      version: 2,
      detail: { added: 'u_carol', removed: 'u_dan' },
    });
    const events = await env.outbox.of('Review Item Reassigned', 'ws_acme', item.id);
    expect(events).toHaveLength(1);
    expect(events[0]?.detail).toMatchObject({
      itemId: item.id,
      version: 2,
      added: ['u_carol'],
      removed: ['u_dan'],
      reviewers: ['u_bob', 'u_carol'],
      eventId: `${item.id}.v2`,
    });
  });

  it('lets an admin who is not a reviewer reassign; refuses a member who is not one (403) and other workspaces (404)', async () => {
    const item = await seedItem(env.deps, workspaceProposal());
    await expect(
      reassignItem(env.deps, callerOf(ERIN), item.id, { version: 1, add: ['u_erin'] }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    await expect(
      reassignItem(env.deps, callerOf(OUTSIDER), item.id, { version: 1, add: ['u_carol'] }),
    ).rejects.toBeInstanceOf(NotFoundError);
    expect((await env.deps.store.getItem('ws_acme', item.id))?.version).toBe(1);
    const after = await reassignItem(env.deps, callerOf(ADMIN), item.id, { version: 1, add: ['u_erin'] });
    expect(after.reviewers).toContain('u_erin');
  });

  it('refuses reviewers who could not see the item, the last removal, over 16, and a stale version; writes nothing', async () => {
    // A private run of alice: bob (a member) may not see it.
    const privateItem = await seedItem(env.deps, uniqueProposal());
    const refuse = async (
      request: Parameters<typeof reassignItem>[3],
      error: unknown,
      id = privateItem.id,
    ) => {
      await expect(reassignItem(env.deps, callerOf(ADMIN), id, request)).rejects.toBeInstanceOf(error);
    };
    await refuse({ version: 1, add: ['u_bob'] }, ValidationError);
    await refuse({ version: 1, add: ['u_gone'] }, ValidationError);
    await refuse({ version: 1, add: ['u_nobody'] }, ValidationError);
    await refuse({ version: 1, remove: privateItem.reviewers }, ConflictError);
    await refuse({ version: 7, add: ['u_boss'] }, ConflictError);
    const many = Array.from({ length: 16 }, (_, i) =>
      member({ userId: `u_many${i}`, role: 'admin', mailboxes: [] }),
    );
    await seedMembers(env.deps, many);
    await refuse({ version: 1, add: many.map((m) => m.userId) }, ValidationError);
    const stored = await env.deps.store.getItem('ws_acme', privateItem.id);
    expect(stored).toMatchObject({ version: 1, reviewers: privateItem.reviewers });
    expect(await env.deps.store.getHistory('ws_acme', privateItem.id)).toHaveLength(1);
  });

  it('answers 409 once the item is decided', async () => {
    const item = await seedItem(env.deps, workspaceProposal());
    const { dismissItem } = await import('../../shared/use-cases/decide.js');
    await dismissItem(env.deps, callerOf(BOB), item.id, {});
    await expect(
      reassignItem(env.deps, callerOf(BOB), item.id, { version: 2, add: ['u_carol'] }),
    ).rejects.toBeInstanceOf(ConflictError);
  });

  it('a replacing proposal keeps the reviewers added by hand and does not bring back those removed', async () => {
    const dedupKey = `reassign-${crypto.randomUUID()}`;
    const t0 = Date.now();
    const first = await ingestProposal(env.deps, workspaceProposal(dedupKey, new Date(t0).toISOString()));
    if (first.outcome !== 'created') throw new Error(first.outcome);
    await reassignItem(env.deps, callerOf(BOB), first.itemId, {
      version: 1,
      add: ['u_carol'],
      remove: ['u_dan'],
    });
    const second = await ingestProposal(
      env.deps,
      workspaceProposal(dedupKey, new Date(t0 + 1000).toISOString()),
    );
    expect(second).toMatchObject({ outcome: 'replaced', itemId: first.itemId, version: 3 });
    const item = await env.deps.store.getItem('ws_acme', first.itemId);
    expect(item?.reviewers.sort()).toEqual(['u_bob', 'u_carol']);
    expect(item?.reviewerChanges).toEqual({ added: ['u_carol'], removed: ['u_dan'] });
    expect(await queueIds('u_dan')).not.toContain(first.itemId);
    expect(await queueIds('u_carol')).toContain(first.itemId);

    // Hand removals never leave the item without a reviewer: the routed reviewers stay.
    await reassignItem(env.deps, callerOf(BOB), first.itemId, {
      version: 3,
      add: ['u_dan'],
      remove: ['u_bob', 'u_carol'],
    });
    await reassignItem(env.deps, callerOf(ADMIN), first.itemId, {
      version: 4,
      add: ['u_erin'],
      remove: ['u_dan'],
    });
    expect(
      await ingestProposal(env.deps, workspaceProposal(dedupKey, new Date(t0 + 2000).toISOString())),
    ).toMatchObject({
      outcome: 'replaced',
      version: 6,
    });
    const replaced = await env.deps.store.getItem('ws_acme', first.itemId);
    expect(replaced?.reviewers).toEqual(['u_erin']);
    expect(replaced?.reviewerChanges).toEqual({ added: ['u_erin'], removed: ['u_bob', 'u_carol', 'u_dan'] });
  });
});
