/**
 * Erasure on request on DynamoDB Local (spec 3, "Data lifecycle"): by address (as sender, recipient, cc, bcc) and by
 * record, open and decided items; another workspace with the same address untouched; a proposal after the request
 * kept; erased ids 404; open items out of the queues with exact counts; nothing of the address left in the
 * workspace's records, the erasure's own record and event included; every record of the workspace on the tenant index.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dismissItem } from '../../shared/use-cases/decide.js';
import { startWorkspaceDeletion } from '../../shared/use-cases/delete-workspace.js';
import { getErasure } from '../../shared/use-cases/erasure-status.js';
import { runPrivacyJobs } from '../../shared/use-cases/privacy-jobs.js';
import { getReviewItem } from '../../shared/use-cases/read-items.js';
import { requestErasure } from '../../shared/use-cases/request-erasure.js';
import { member } from '../fixtures/index.js';
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
import { settleTallies } from '../support/tallies.js';

const DANA = 'dana@globex.com';
const OTHER_ADMIN = member({
  workspaceId: 'ws_other',
  userId: 'u_olga',
  role: 'admin',
  mailboxes: ['olga@other.com'],
});
const NOW = new Date('2026-12-06T09:00:00.000Z');

let env: ItemEnv;

beforeAll(async () => {
  env = await createItemEnv({ prefix: 'erasure', tallies: true });
  env.deps.clock.set(NOW);
  await seedMembers(env.deps, [RUN_USER, SENDING_ADMIN, OTHER_ADMIN]);
}, 120_000);

afterAll(async () => {
  await env?.table.drop();
  env?.ses.client.destroy();
});

type Row = Record<string, unknown>;
async function rowsOf(workspaceId: string): Promise<Row[]> {
  const rows: Row[] = [];
  let ExclusiveStartKey: Row | undefined;
  do {
    const out = await env.table.client.send(
      new ScanCommand({ TableName: env.table.tableName, ExclusiveStartKey }),
    );
    rows.push(...(out.Items ?? []));
    ExclusiveStartKey = out.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return rows.filter((row) =>
    [`WS#${workspaceId}#`, `AUDIT#${workspaceId}`].some((p) => String(row.pk).startsWith(p)),
  );
}

const email = (draft: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  seedItemId(env.deps, uniqueProposal({ ...extra, draft: { to: ['someone@globex.com'], ...draft } }));

describe('erasure by email address', () => {
  it('erases every item naming the address, open or decided, and nothing else', async () => {
    const named = [
      await email({ to: [DANA] }),
      await email({ to: ['someone@globex.com'], cc: ['Dana@Globex.com'] }),
      await email({ bcc: [DANA] }),
      await email({ from: DANA }),
      await email({ bodyText: `Forwarding what ${DANA} wrote` }),
    ];
    const decided = await email({ to: [DANA] });
    await dismissItem(env.deps, callerOf(RUN_USER), decided, {
      reason: 'wrong_recipient',
      note: `not ${DANA}`,
    });
    named.push(decided);
    const kept = [await email({ to: [`jo${DANA}`] }), await email({ to: ['dana@globex.community'] })];
    const otherWorkspace = await seedItemId(
      env.deps,
      uniqueProposal({
        workspaceId: 'ws_other',
        run: { executedAs: { kind: 'user', userId: 'u_olga' } },
        relatedRecords: [],
        draft: { from: 'olga@other.com', to: [DANA] },
      }),
    );
    expect((await env.deps.store.queueCounts('ws_acme', 'u_alice')).pending).toBe(
      named.length - 1 + kept.length,
    );

    await expect(requestErasure(env.deps, callerOf(RUN_USER), { email: DANA })).rejects.toMatchObject({
      status: 403,
    });
    const asked = await requestErasure(env.deps, callerOf(SENDING_ADMIN), { email: DANA });
    expect(asked).toMatchObject({ status: 'running', scope: 'email', progress: 0 });
    expect(JSON.stringify(asked)).not.toContain('dana');

    const run = await runPrivacyJobs(env.deps);
    expect(run).toMatchObject({ erasures: 1, completed: 1, itemsErased: named.length });

    const status = await getErasure(env.deps, callerOf(SENDING_ADMIN), asked.id);
    expect(status).toMatchObject({ status: 'completed', progress: 1, completedAt: NOW.toISOString() });
    expect(status.counts.itemsErased).toBe(named.length);
    expect(status.counts.recordsDeleted).toBeGreaterThan(named.length * 2);
    await expect(getErasure(env.deps, callerOf(RUN_USER), asked.id)).rejects.toMatchObject({ status: 403 });
    await expect(getErasure(env.deps, callerOf(OTHER_ADMIN), asked.id)).rejects.toMatchObject({
      status: 404,
    });

    for (const id of named)
      await expect(getReviewItem(env.deps, callerOf(SENDING_ADMIN), id)).rejects.toMatchObject({
        status: 404,
      });
    for (const id of kept) expect(await env.deps.store.getItem('ws_acme', id)).toBeDefined();
    expect(await env.deps.store.getItem('ws_other', otherWorkspace)).toBeDefined();

    // The open ones left the queue, and the counts followed (the erasure's tally).
    expect((await env.deps.store.queueCounts('ws_acme', 'u_alice')).pending).toBe(kept.length);

    // Nothing of the address is left in the workspace's records: items, history, entries, notes, heads, the
    // erasure's own record, its audit entry and its event.
    const rows = await rowsOf('ws_acme');
    const left = rows.filter((row) => /(?<![\w.])dana@globex\.com(?![\w-]|\.\w)/i.test(JSON.stringify(row)));
    expect(left.map((row) => `${row.pk} ${row.sk}`)).toEqual([]);
    expect(JSON.stringify(await rowsOf('ws_other'))).toContain(DANA);

    const [event] = await env.outbox.of('Privacy Erasure Completed', 'ws_acme');
    expect(event?.detail).toMatchObject({ erasureId: asked.id, scope: 'email', itemsErased: named.length });
    const audit = rows.filter((row) => row.entity === 'AuditEntry');
    expect(audit).toEqual([
      expect.objectContaining({ action: 'erasure', erasureId: asked.id, by: 'u_admin', scope: 'email' }),
    ]);
  });

  it('keeps a proposal naming the address that came after the request (decided: the request time draws the line)', async () => {
    const before = await email({ to: ['erin@globex.com'] });
    const asked = await requestErasure(env.deps, callerOf(SENDING_ADMIN), { email: 'erin@globex.com' });
    env.deps.clock.advance(1000);
    const after = await email({ to: ['erin@globex.com'] });
    await runPrivacyJobs(env.deps);
    expect(await env.deps.store.getItem('ws_acme', before)).toBeUndefined();
    expect(await env.deps.store.getItem('ws_acme', after)).toBeDefined();
    expect((await getErasure(env.deps, callerOf(SENDING_ADMIN), asked.id)).counts.itemsErased).toBe(1);
  });
});

describe('erasure by record', () => {
  it('erases the items about the record and keeps the others', async () => {
    const about = await email(
      {},
      { relatedRecords: [{ type: 'account', id: 'acc_erase', ownerId: 'u_alice' }] },
    );
    const other = await email(
      {},
      { relatedRecords: [{ type: 'account', id: 'acc_keep', ownerId: 'u_alice' }] },
    );
    const asked = await requestErasure(env.deps, callerOf(SENDING_ADMIN), {
      record: { type: 'account', id: 'acc_erase' },
    });
    await runPrivacyJobs(env.deps);
    expect(await env.deps.store.getItem('ws_acme', about)).toBeUndefined();
    expect(await env.deps.store.getItem('ws_acme', other)).toBeDefined();
    const rows = await rowsOf('ws_acme');
    expect(rows.filter((row) => JSON.stringify(row).includes('acc_erase'))).toEqual([]);
    expect((await getErasure(env.deps, callerOf(SENDING_ADMIN), asked.id)).scope).toBe('record');
  });
});

describe('the tenant index', () => {
  it('lists every record written under a workspace key (but the per-window rate records)', async () => {
    const rows = await rowsOf('ws_acme');
    const missing = rows.filter(
      (row) => String(row.pk).startsWith('WS#') && row.entity !== 'WorkspaceRate' && !row.tenantPk,
    );
    expect(missing.map((row) => `${row.entity} ${row.pk} ${row.sk}`)).toEqual([]);
    expect(new Set(rows.map((row) => row.entity)).size).toBeGreaterThan(8);
  });
});

describe('workspace deletion', () => {
  const GONE = 'ws_gone';
  const GONE_USER = member({
    workspaceId: GONE,
    userId: 'u_gina',
    role: 'admin',
    mailboxes: ['gina@gone.com'],
  });

  it('deletes every record of the workspace in pages, resumes where it stopped, and keeps its audit', async () => {
    await seedMembers(env.deps, [GONE_USER]);
    for (let i = 0; i < 30; i++) {
      await seedItemId(
        env.deps,
        uniqueProposal({
          workspaceId: GONE,
          run: { executedAs: { kind: 'user', userId: 'u_gina' } },
          relatedRecords: [{ type: 'account', id: `acc_${i}`, ownerId: 'u_gina' }],
          draft: { from: 'gina@gone.com', to: [DANA] },
        }),
      );
    }
    await settleTallies(env.table.tableName);
    const neighbours = await rowsOf('ws_acme');
    expect((await rowsOf(GONE)).length).toBeGreaterThan(30 * 4);

    const event = { workspaceId: GONE, deletedAt: NOW.toISOString() };
    expect(await startWorkspaceDeletion(env.deps, event)).toEqual({ started: true });
    expect(await startWorkspaceDeletion(env.deps, event)).toEqual({ started: false });

    // A run that stops after one page (its time was up, or it crashed): the position is saved.
    const first = await runPrivacyJobs(env.deps, { pages: 1 });
    expect(first).toMatchObject({ deletions: 1, completed: 0, pages: 1 });
    const midway = await rowsOf(GONE);
    expect(midway.find((row) => row.entity === 'WorkspaceDeletion')).toMatchObject({
      status: 'running',
      positions: expect.arrayContaining(['done']),
    });
    expect(midway.length).toBeGreaterThan(1);

    const rest = await runPrivacyJobs(env.deps);
    expect(rest).toMatchObject({ deletions: 1, completed: 1 });
    const left = await rowsOf(GONE);
    expect(left.map((row) => row.entity)).toEqual(['WorkspaceDeletion']);
    expect(left[0]).toMatchObject({
      pk: `AUDIT#${GONE}`,
      status: 'completed',
      pass: { number: 2, deleted: 0 },
    });
    expect(left[0]?.recordsDeleted).toBe(midway.length - 1 + (first.recordsDeleted ?? 0));
    expect(JSON.stringify(left)).not.toContain(DANA);

    // The registry of the jobs forgot it; the neighbour is as it was.
    const registry = await env.table.client.send(
      new ScanCommand({
        TableName: env.table.tableName,
        FilterExpression: 'workspaceId = :ws AND entity = :e',
        ExpressionAttributeValues: { ':ws': GONE, ':e': 'WorkspaceRegistry' },
      }),
    );
    expect(registry.Items).toEqual([]);
    expect((await rowsOf('ws_acme')).length).toBe(neighbours.length);
    expect(await runPrivacyJobs(env.deps)).toMatchObject({ deletions: 0, erasures: 0 });
  });
});
