/**
 * spec 3 "Approve" under faults: a send whose outcome is unknown is never resent automatically; a definite
 * rejection returns the item to pending with the error shown; an item whose send was interrupted by a crash
 * is found and surfaced; every approval ends in a visible state.
 *
 * Real DynamoDB Local and real local SES; the faults come from a stand-in placed in front of local SES
 * (infra/local/ses-faults.ts), so "accepted" means the email really is in local SES's store. The mailer is
 * the real SesMailer on an SESv2Client with `maxAttempts: 1` and a 1 s request timeout.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type FaultAction,
  inSequence,
  type SesFaultProxy,
  startSesFaultProxy,
} from '../../infra/local/ses-faults.js';
import type { ReviewItem } from '../../shared/domain/review-item.js';
import { SendFailedError } from '../../shared/drafts/email/approve.js';
import { ConflictError } from '../../shared/errors.js';
import type { EmailItem } from '../../shared/mail/mailer.js';
import { approveItem, dismissItem } from '../../shared/use-cases/decide.js';
import { ingestProposal } from '../../shared/use-cases/ingest-proposal.js';
import { INTERRUPTED_AFTER_MS, recoverInterruptedSends } from '../../shared/use-cases/scheduled-jobs.js';
import { refusedEndpoint, sesEndpoint } from '../support/endpoints.js';
import {
  callerOf,
  createItemEnv,
  emailOf,
  type ItemEnv,
  mapLimit,
  RUN_USER,
  randomInt,
  SENDING_ADMIN,
  seededRandom,
  seedItem,
  seedMembers,
  testMailer,
  uniqueProposal,
} from '../support/items.js';
import { findEmails } from '../support/ses.js';

const REQUEST_TIMEOUT_MS = 1_000;
const alice = callerOf(RUN_USER);
const admin = callerOf(SENDING_ADMIN);

let env: ItemEnv;
let proxy: SesFaultProxy;
let faulty: ReturnType<typeof testMailer>;
let deps: ReturnType<ItemEnv['withMailer']>;

beforeAll(async () => {
  env = await createItemEnv({ prefix: 'approve-faults' });
  await seedMembers(env.deps, [RUN_USER, SENDING_ADMIN]);
  proxy = await startSesFaultProxy({ upstream: sesEndpoint(), lateMs: REQUEST_TIMEOUT_MS + 1_500 });
  faulty = testMailer({ endpoint: proxy.endpoint, requestTimeoutMs: REQUEST_TIMEOUT_MS });
  deps = env.withMailer(faulty);
});

afterEach(() => {
  proxy.use('forward');
});

afterAll(async () => {
  faulty?.client.destroy();
  env?.ses.client.destroy();
  await proxy?.stop();
  await env?.table.drop();
});

/** A fresh pending item with a subject of its own; returns it and a function counting its emails in local SES. */
async function freshItem(label: string) {
  const token = crypto.randomUUID();
  const item = await seedItem(env.deps, uniqueProposal({ draft: { subject: `${label} [t:${token}]` } }));
  const emails = async () => {
    await proxy.settled();
    return findEmails({ subject: token });
  };
  return { item, token, emails };
}

async function until(condition: () => boolean, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('Timed out waiting for a condition');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function stateOf(item: ReviewItem) {
  const stored = await env.deps.store.getItem(item.workspaceId, item.id);
  const history = await env.deps.store.getHistory(item.workspaceId, item.id);
  return { item: stored as ReviewItem, actions: history.map((h) => h.action) };
}

/** Runs an approval expected to fail and returns the error. */
async function failedApproval(run: Promise<unknown>): Promise<unknown> {
  try {
    await run;
  } catch (error) {
    return error;
  }
  throw new Error('The approval was expected to fail, but it succeeded');
}

function expectSendFailed(error: unknown, status: 502 | 504, itemStatus: string): SendFailedError {
  expect(error, String(error)).toBeInstanceOf(SendFailedError);
  const failed = error as SendFailedError;
  expect(failed.status).toBe(status);
  expect(failed.item.status).toBe(itemStatus);
  expect(failed.item.lastSendError).toEqual({
    code: expect.any(String),
    message: expect.any(String),
    at: expect.any(String),
  });
  return failed;
}

async function expectConflict(run: Promise<unknown>, status: string) {
  const error = await failedApproval(run);
  expect(error, String(error)).toBeInstanceOf(ConflictError);
  expect((error as ConflictError).status).toBe(409);
  expect((error as ConflictError).current.status).toBe(status);
}

const sendFailedEvents = async (itemId: string) =>
  (await env.outbox.of('Review Item Send Failed', RUN_USER.workspaceId, itemId)).map((e) => ({
    outcome: e.detail.outcome,
    code: e.detail.code,
  }));

describe('a definite rejection', () => {
  it('answers 502, returns the item to pending with the error shown, sends nothing; a later approve sends once', async () => {
    const { item, emails } = await freshItem('Rejected');
    proxy.use('reject');
    const calls = faulty.counter.total;

    const failed = expectSendFailed(
      await failedApproval(approveItem(deps, alice, item.id, {})),
      502,
      'pending',
    );
    expect(failed.item.lastSendError?.code).toBe('MessageRejected');
    expect(failed.item.lastSendError?.message).toBe('Email address is not verified.');

    const after = await stateOf(item);
    expect(after.item).toMatchObject({
      status: 'pending',
      version: 3,
      holdsKey: true,
      lastSendError: { code: 'MessageRejected' },
    });
    expect(after.item.sendAttempt).toBeUndefined();
    expect(after.actions).toEqual(['created', 'approved', 'send_failed']);
    expect(await env.deps.store.getHead(item.workspaceId, item.dedupHash)).toMatchObject({
      itemId: item.id,
      open: true,
      version: 3,
    });
    expect(await sendFailedEvents(item.id)).toEqual([{ outcome: 'rejected', code: 'MessageRejected' }]);
    expect(faulty.counter.total - calls).toBe(1);
    expect(await emails()).toEqual([]);

    proxy.use('forward');
    const sent = await approveItem(deps, alice, item.id, { version: 3 });
    expect(sent).toMatchObject({ status: 'sent', version: 5, lastSendError: null });
    const final = await stateOf(item);
    expect(final.actions).toEqual(['created', 'approved', 'send_failed', 'approved', 'sent']);
    expect((await emails()).map((e) => e.messageId)).toEqual([sent.decision?.messageId]);
  });

  it('stays pending without its dedup key when a newer proposal took the key during the rejected send', async () => {
    const first = uniqueProposal({
      draft: { subject: `Rejected while replaced [t:${crypto.randomUUID()}]` },
    });
    const item = await seedItem(env.deps, first);
    const newer = uniqueProposal({
      dedupKey: first.dedupKey,
      proposedAt: new Date(Date.parse(first.proposedAt) + 1_000).toISOString(),
      run: { id: 'run_newer' },
      draft: { subject: `${emailOf(first.draft).subject} newer` },
    });
    proxy.use('reject');
    // The newer proposal arrives between the claim and SES's answer.
    let ingested: Awaited<ReturnType<typeof ingestProposal>> | undefined;
    const racing = {
      ...deps,
      mailer: {
        send: async (sending: EmailItem) => {
          ingested = await ingestProposal(env.deps, newer);
          return faulty.mailer.send(sending);
        },
      },
    };

    expectSendFailed(await failedApproval(approveItem(racing, alice, item.id, {})), 502, 'pending');

    expect(ingested).toMatchObject({ outcome: 'created' });
    const newItemId = (ingested as { itemId: string }).itemId;
    expect(newItemId).not.toBe(item.id);
    const after = await stateOf(item);
    expect(after.item).toMatchObject({
      status: 'pending',
      holdsKey: false,
      lastSendError: { code: 'MessageRejected' },
    });
    expect(after.actions).toEqual(['created', 'approved', 'send_failed']);
    expect(await env.deps.store.getItem(item.workspaceId, newItemId)).toMatchObject({
      status: 'pending',
      holdsKey: true,
    });
    expect(await env.deps.store.getHead(item.workspaceId, item.dedupHash)).toMatchObject({
      itemId: newItemId,
      open: true,
    });

    // Both stay actionable: the older one can still be approved, and sends once; the newer keeps the key.
    proxy.use('forward');
    const sent = await approveItem(deps, alice, item.id, {});
    expect(
      (await findEmails({ subject: emailOf(first.draft).subject })).map((e) => [e.subject, e.messageId]),
    ).toEqual([[emailOf(first.draft).subject, sent.decision?.messageId]]);
    expect(await env.deps.store.getHead(item.workspaceId, item.dedupHash)).toMatchObject({
      itemId: newItemId,
      open: true,
    });
  });

  it('retries a throttled send with backoff and then sends exactly once', async () => {
    const { item, emails } = await freshItem('Throttled twice');
    proxy.use(inSequence(['throttle', 'throttle'], 'forward'));
    const calls = faulty.counter.total;
    const sleeps = faulty.sleeps.length;

    const sent = await approveItem(deps, alice, item.id, {});

    expect(sent.status).toBe('sent');
    expect(faulty.counter.total - calls).toBe(3);
    expect(faulty.sleeps.slice(sleeps)).toEqual([20, 40]);
    expect(proxy.requests.slice(-3).map((r) => [r.action, r.forwarded])).toEqual([
      ['throttle', false],
      ['throttle', false],
      ['forward', true],
    ]);
    expect((await stateOf(item)).actions).toEqual(['created', 'approved', 'sent']);
    expect((await emails()).map((e) => e.messageId)).toEqual([sent.decision?.messageId]);
  });

  it('ends an always-throttled send as a rejection after the backoff: 502, pending, nothing sent', async () => {
    const { item, emails } = await freshItem('Always throttled');
    proxy.use('throttle');
    const calls = faulty.counter.total;
    const sleeps = faulty.sleeps.length;

    const failed = expectSendFailed(
      await failedApproval(approveItem(deps, alice, item.id, {})),
      502,
      'pending',
    );

    expect(failed.item.lastSendError?.code).toBe('TooManyRequestsException');
    expect(faulty.counter.total - calls).toBe(4);
    expect(faulty.sleeps.slice(sleeps)).toEqual([20, 40, 80]);
    expect((await stateOf(item)).actions).toEqual(['created', 'approved', 'send_failed']);
    expect(await emails()).toEqual([]);
  });

  it('treats a refused connection as nothing sent: 502, pending, and the next approve sends once', async () => {
    const { item, emails } = await freshItem('Refused');
    const refused = testMailer({ endpoint: await refusedEndpoint(), requestTimeoutMs: REQUEST_TIMEOUT_MS });
    try {
      const failed = expectSendFailed(
        await failedApproval(approveItem(env.withMailer(refused), alice, item.id, {})),
        502,
        'pending',
      );
      expect(failed.item.lastSendError?.code).toBe('ECONNREFUSED');
    } finally {
      refused.client.destroy();
    }
    expect((await stateOf(item)).actions).toEqual(['created', 'approved', 'send_failed']);
    expect(await emails()).toEqual([]);

    const sent = await approveItem(deps, admin, item.id, {});
    expect((await emails()).map((e) => e.messageId)).toEqual([sent.decision?.messageId]);
  });
});

describe('an unknown outcome', () => {
  const unknownCases: { action: FaultAction; what: string; stored: number }[] = [
    { action: 'accept-hang', what: 'SES accepted it and the answer never came (timeout)', stored: 1 },
    { action: 'accept-late', what: 'SES accepted it and answered after the client gave up', stored: 1 },
    { action: 'accept-reset', what: 'SES accepted it and then the connection was lost', stored: 1 },
    { action: 'accept-500', what: 'SES accepted it and then answered 500', stored: 1 },
    // The client cannot tell a reset before SES read the request from one after: unknown, though nothing went out.
    { action: 'reset-before-send', what: 'the connection was lost before SES read it', stored: 0 },
  ];

  it.each(unknownCases)(
    'answers 504 and leaves the item send_unknown when $what; never resends it by itself',
    async ({ action, stored }) => {
      const { item, emails } = await freshItem(`Unknown ${action}`);
      proxy.use(action);
      const calls = faulty.counter.total;

      const failed = expectSendFailed(
        await failedApproval(approveItem(deps, alice, item.id, {})),
        504,
        'send_unknown',
      );

      expect(faulty.counter.total - calls, 'one SES call, no retry of an unknown outcome').toBe(1);
      const after = await stateOf(item);
      expect(after.item).toMatchObject({
        status: 'send_unknown',
        version: 3,
        holdsKey: false,
        lastSendError: { code: failed.item.lastSendError?.code },
      });
      expect(after.actions).toEqual(['created', 'approved', 'send_unknown']);
      expect(await sendFailedEvents(item.id)).toEqual([
        { outcome: 'unknown', code: failed.item.lastSendError?.code },
      ]);
      expect((await emails()).length, 'emails in local SES').toBe(stored);

      // The fault is gone, yet a plain approve does not send again: the reviewer must confirm.
      proxy.use('forward');
      await expectConflict(approveItem(deps, alice, item.id, {}), 'send_unknown');
      await expectConflict(approveItem(deps, admin, item.id, { version: 3 }), 'send_unknown');
      expect(faulty.counter.total - calls).toBe(1);
      expect((await emails()).length).toBe(stored);
      expect(failed.item.permissions).toMatchObject({ canApprove: true, canDismiss: true, canEdit: false });
    },
  );

  it('lets the reviewer dismiss an item whose send outcome is unknown', async () => {
    const { item, emails } = await freshItem('Unknown then dismissed');
    proxy.use('accept-hang');
    expectSendFailed(await failedApproval(approveItem(deps, alice, item.id, {})), 504, 'send_unknown');

    const dismissed = await dismissItem(deps, admin, item.id, {
      version: 3,
      note: 'it went out, checked the sent mail',
    });

    expect(dismissed).toMatchObject({ status: 'dismissed', version: 4 });
    expect((await stateOf(item)).actions).toEqual(['created', 'approved', 'send_unknown', 'dismissed']);
    await expectConflict(approveItem(deps, alice, item.id, { confirmResend: true }), 'dismissed');
    expect(await emails()).toHaveLength(1);
  });

  it('sends again only when the reviewer confirms the resend', async () => {
    const { item, emails } = await freshItem('Unknown then confirmed');
    proxy.use('reset-before-send');
    expectSendFailed(await failedApproval(approveItem(deps, alice, item.id, {})), 504, 'send_unknown');
    expect(await emails()).toEqual([]);

    proxy.use('forward');
    const sent = await approveItem(deps, alice, item.id, { confirmResend: true });

    expect(sent).toMatchObject({ status: 'sent', version: 5 });
    expect((await stateOf(item)).actions).toEqual([
      'created',
      'approved',
      'send_unknown',
      'approved',
      'sent',
    ]);
    expect((await emails()).map((e) => e.messageId)).toEqual([sent.decision?.messageId]);
  });
});

describe('a crash between the claim and the outcome', () => {
  let crash: ItemEnv;

  beforeAll(async () => {
    // Its own table: the recovery job reads every `sending` item of the table.
    crash = await createItemEnv({ prefix: 'approve-crash' });
    await seedMembers(crash.deps, [RUN_USER, SENDING_ADMIN]);
  });

  afterAll(async () => {
    crash?.ses.client.destroy();
    await crash?.table.drop();
  });

  /** Writes the claim exactly as approveItem does (pending → sending), then "crashes": no send, no outcome. */
  async function claimAndCrash(item: ReviewItem, claimedAt: Date): Promise<ReviewItem> {
    const sending: ReviewItem = {
      ...item,
      status: 'sending',
      version: item.version + 1,
      updatedAt: claimedAt.toISOString(),
      sendAttempt: { id: crash.deps.newId(), by: alice.userId, claimedAt: claimedAt.toISOString() },
      holdsKey: false,
    };
    await crash.deps.store.changeItem({
      before: item,
      after: sending,
      entry: {
        action: 'approved',
        actor: { kind: 'user', userId: alice.userId },
        at: sending.updatedAt,
        runId: item.origin.runId,
        version: sending.version,
        status: 'sending',
        draft: sending.draft,
      },
      events: [],
    });
    return sending;
  }

  it('is left alone for a minute, then surfaced as send_unknown with a Send Failed event', async () => {
    crash.deps.clock.set(new Date());
    const item = await seedItem(
      crash.deps,
      uniqueProposal({ draft: { subject: `Crash ${crypto.randomUUID()}` } }),
    );
    const claimedAt = crash.deps.clock();
    await claimAndCrash(item, claimedAt);

    crash.deps.clock.set(new Date(claimedAt.getTime() + 60_000));
    expect(await recoverInterruptedSends(crash.deps)).toEqual({ recovered: 0 });
    expect((await crash.deps.store.getItem(item.workspaceId, item.id))?.status).toBe('sending');
    // While it is `sending`, nobody can approve it again.
    await expectConflict(approveItem(crash.deps, admin, item.id, { confirmResend: true }), 'sending');

    crash.deps.clock.set(new Date(claimedAt.getTime() + 3 * 60_000));
    expect(INTERRUPTED_AFTER_MS).toBeLessThan(3 * 60_000);
    expect(await recoverInterruptedSends(crash.deps)).toEqual({ recovered: 1 });

    const after = await crash.deps.store.getItem(item.workspaceId, item.id);
    expect(after).toMatchObject({
      status: 'send_unknown',
      version: 3,
      lastSendError: { code: 'Interrupted' },
    });
    const history = await crash.deps.store.getHistory(item.workspaceId, item.id);
    expect(history.map((h) => h.action)).toEqual(['created', 'approved', 'send_unknown']);
    expect(history[2]?.actor).toEqual({ kind: 'system', reason: 'interrupted send' });
    const events = await crash.outbox.of('Review Item Send Failed', item.workspaceId, item.id);
    expect(events.map((e) => e.detail)).toEqual([
      expect.objectContaining({
        itemId: item.id,
        status: 'send_unknown',
        outcome: 'unknown',
        code: 'Interrupted',
      }),
    ]);
    // Surfaced: back in the reviewers' queue, for them to decide.
    const queue = await crash.deps.store.listItems(
      item.workspaceId,
      alice.userId,
      { kind: 'queue', userId: alice.userId },
      { limit: 100 },
      () => true,
    );
    expect(queue.items.map((i) => [i.id, i.status])).toContainEqual([item.id, 'send_unknown']);

    // A second run of the job finds nothing more to do.
    expect(await recoverInterruptedSends(crash.deps)).toEqual({ recovered: 0 });
    await expectConflict(approveItem(crash.deps, alice, item.id, {}), 'send_unknown');
    crash.deps.clock.set(new Date(claimedAt.getTime() + 4 * 60_000));
    expect(await dismissItem(crash.deps, alice, item.id, {})).toMatchObject({ status: 'dismissed' });
  });

  it('never overrides an outcome written in time: a send that finished is not marked unknown', async () => {
    const item = await seedItem(
      crash.deps,
      uniqueProposal({ draft: { subject: `No crash ${crypto.randomUUID()}` } }),
    );
    crash.deps.clock.set(new Date());
    const sent = await approveItem(crash.deps, alice, item.id, {});

    crash.deps.clock.advance(10 * 60_000);
    await recoverInterruptedSends(crash.deps);

    expect(await crash.deps.store.getItem(item.workspaceId, item.id)).toMatchObject({
      status: 'sent',
      decision: { messageId: sent.decision?.messageId },
    });
  });

  it('keeps send_unknown when the recovery job ran before a slow send finished: the late outcome gets 409, one email', async () => {
    crash.deps.clock.set(new Date());
    const token = crypto.randomUUID();
    const item = await seedItem(crash.deps, uniqueProposal({ draft: { subject: `Slow send [t:${token}]` } }));
    // The fault stand-in answers late; this client is patient enough to wait for the answer.
    const patient = testMailer({ endpoint: proxy.endpoint, requestTimeoutMs: 10_000 });
    proxy.use('accept-late');
    try {
      const approving = approveItem(crash.withMailer(patient), alice, item.id, {}).catch((e: unknown) => e);
      await until(() => proxy.requests.some((r) => r.subject === emailOf(item.draft).subject && r.forwarded));

      // The job, 3 minutes on (as if this send were stuck), moves the item on before the answer arrives.
      crash.deps.clock.advance(3 * 60_000);
      expect(await recoverInterruptedSends(crash.deps)).toEqual({ recovered: 1 });
      const outcome = await approving;

      expect(outcome, String(outcome)).toBeInstanceOf(ConflictError);
      expect((outcome as ConflictError).current.status).toBe('send_unknown');
      const after = await crash.deps.store.getItem(item.workspaceId, item.id);
      expect(after).toMatchObject({ status: 'send_unknown', lastSendError: { code: 'Interrupted' } });
      const history = await crash.deps.store.getHistory(item.workspaceId, item.id);
      expect(history.map((h) => h.action)).toEqual(['created', 'approved', 'send_unknown']);
      expect(await findEmails({ subject: token })).toHaveLength(1);
    } finally {
      patient.client.destroy();
    }
  });
});

describe('random faults under concurrent approvals', () => {
  const SEED = Number(process.env.APPROVE_FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const ITEMS = Number(process.env.APPROVE_FAULT_ITEMS ?? 60);
  const ACTIONS: FaultAction[] = [
    'forward',
    'forward',
    'reject',
    'throttle',
    'reset-before-send',
    'accept-hang',
    'accept-late',
    'accept-reset',
    'accept-500',
  ];

  it(`never sends an item twice and never loses an approval (${ITEMS} items, 2–4 concurrent approvals each)`, {
    // A guard against a hang, not a speed check (the run's load decides how long 60 items take).
    timeout: 240_000,
  }, async () => {
    console.info(`approve-faults: seed ${SEED} (replay the fault plan with APPROVE_FAULT_SEED=${SEED})`);
    const random = seededRandom(SEED);
    const plans = Array.from({ length: ITEMS }, (_, index) => ({
      index,
      approvers: Array.from({ length: randomInt(random, 2, 4) }, () => (random() < 0.5 ? alice : admin)),
      // The fault for each SendEmail of this item, in order (throttled retries take the next ones).
      faults: Array.from({ length: 6 }, () => ACTIONS[randomInt(random, 0, ACTIONS.length - 1)]!),
    }));
    const faultsBySubject = new Map<string, FaultAction[]>();
    proxy.use((request) => faultsBySubject.get(request.subject ?? '')?.shift() ?? 'forward');

    const tally: Record<string, number> = {};
    const count = (key: string) => {
      tally[key] = (tally[key] ?? 0) + 1;
    };
    const outcomes = await mapLimit(plans, 8, async (plan) => {
      const { item, token, emails } = await freshItem(`Fault soak ${plan.index}`);
      faultsBySubject.set(emailOf(item.draft).subject, [...plan.faults]);
      const label = `item ${plan.index} (faults ${plan.faults.join(',')}, seed ${SEED})`;
      const results = await Promise.allSettled(
        plan.approvers.map((caller) => approveItem(deps, caller, item.id, {})),
      );

      // Every approval ends in a visible state: sent, pending with the error, send_unknown, or 409.
      for (const result of results) {
        if (result.status === 'fulfilled') {
          expect(result.value.status, label).toBe('sent');
          count('sent');
        } else if (result.reason instanceof SendFailedError) {
          const status = result.reason.status === 502 ? 'pending' : 'send_unknown';
          expectSendFailed(result.reason, result.reason.status, status);
          count(`${result.reason.status} ${status}`);
        } else {
          expect(result.reason, `${label}: ${String(result.reason)}`).toBeInstanceOf(ConflictError);
          count('409');
        }
      }
      const after = await stateOf(item);
      expect(['sent', 'pending', 'send_unknown'], label).toContain(after.item.status);
      const forwarded = proxy.requests.filter(
        (r) => r.subject === emailOf(item.draft).subject && r.forwarded,
      ).length;
      const stored = await emails();
      expect(stored.length, `${label}: emails stored = requests that reached SES`).toBe(forwarded);
      expect(stored.length, `${label}: never a second send`).toBeLessThanOrEqual(1);
      if (after.item.status === 'sent')
        expect(
          stored.map((e) => e.messageId),
          label,
        ).toEqual([after.item.decision?.messageId]);
      if (after.item.status === 'pending') {
        expect(after.item.lastSendError, label).toBeDefined();
        expect(stored, label).toEqual([]);
      }
      faultsBySubject.delete(emailOf(item.draft).subject);
      return { item, token, emails, status: after.item.status, label };
    });

    // Then the reviewers decide: a pending item is approved again (faults gone), an unknown one dismissed.
    proxy.use('forward');
    for (const outcome of outcomes) {
      if (outcome.status === 'pending') await approveItem(deps, alice, outcome.item.id, {});
      if (outcome.status === 'send_unknown') await dismissItem(deps, alice, outcome.item.id, {});
      const final = await stateOf(outcome.item);
      expect(['sent', 'dismissed'], outcome.label).toContain(final.item.status);
      const stored = await outcome.emails();
      expect(stored.length, outcome.label).toBeLessThanOrEqual(1);
      if (final.item.status === 'sent')
        expect(
          stored.map((e) => e.messageId),
          outcome.label,
        ).toEqual([final.item.decision?.messageId]);
    }
    const ended: Record<string, number> = {};
    for (const outcome of outcomes) ended[outcome.status] = (ended[outcome.status] ?? 0) + 1;
    console.info(
      `approve-faults: approvals ended ${JSON.stringify(tally)}; items after the race ${JSON.stringify(ended)}`,
    );
  });
});

function setEnv(values: Record<string, string>): () => void {
  const before = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]));
  Object.assign(process.env, values);
  return () => {
    for (const [name, value] of Object.entries(before)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

describe('the production SES client (shared/aws-clients.ts)', () => {
  /**
   * With @smithy/node-http-handler 4.x, `requestTimeout`
   * alone only logs a warning and keeps waiting; sesClient() needs `throwOnRequestTimeout: true`. Without it a
   * send SES accepted but never answered hung until the Lambda's 30 s timeout instead of ending after 10 s as
   * a 504 with the item shown `send_unknown` (the recovery job surfaced it only minutes later). Here SES
   * accepts and answers after 12 s: the send must have given up at 10 s.
   */
  it('gives up on an unanswered send after its 10 s request timeout: 504, send_unknown', {
    timeout: 30_000,
  }, async () => {
    const slow = await startSesFaultProxy({ upstream: sesEndpoint(), plan: 'accept-late', lateMs: 12_000 });
    // How the local runtime points the handlers' clients at local SES (SDK endpoint configuration).
    const restore = setEnv({
      AWS_ENDPOINT_URL_SESV2: slow.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
    try {
      const { sesClient } = await import('../../shared/aws-clients.js');
      const { SesMailer } = await import('../../shared/mail/mailer.js');
      const production = { ...env.deps, mailer: new SesMailer(sesClient()) };
      const { item, emails } = await freshItem('Production client timeout');
      const outcome = await failedApproval(approveItem(production, alice, item.id, {})).catch(
        (e: Error) => e,
      );
      // SES answers after 12 s: had the client waited for it, the approval would have answered `sent`. A 504 with
      // send_unknown is the 10 s request timeout giving up (no timed assertion: the machine's load would move it).
      expectSendFailed(outcome, 504, 'send_unknown');
      await slow.settled();
      expect(await emails()).toHaveLength(1);
    } finally {
      restore();
      await slow.stop();
    }
  });
});
