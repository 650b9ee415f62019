/**
 * spec 8: "DynamoDB requests per operation, counted by the tests: … approving ≤ 5 plus one SES call" (the
 * workspace's settings are read with the member and the item: the send hold, spec 3).
 * Every DynamoDB request goes through the test table's counting client; every SES request through an
 * SESv2Client with the same kind of counting middleware. Real DynamoDB Local, real local SES.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultAction, type SesFaultProxy, startSesFaultProxy } from '../../infra/local/ses-faults.js';
import { MAX_RELATED_RECORDS } from '../../shared/domain/primitives.js';
import { MAX_REVIEWERS } from '../../shared/domain/routing.js';
import { SendFailedError } from '../../shared/drafts/email/approve.js';
import { ConflictError } from '../../shared/errors.js';
import { approveItem, dismissItem, editItem } from '../../shared/use-cases/decide.js';
import { member } from '../fixtures/index.js';
import { sesEndpoint } from '../support/endpoints.js';
import {
  callerOf,
  createItemEnv,
  type ItemEnv,
  RUN_USER,
  SENDING_ADMIN,
  seedItem,
  seedMembers,
  testMailer,
  uniqueProposal,
} from '../support/items.js';

const alice = callerOf(RUN_USER);
/** Owners of related records: with a workspace run, each is a reviewer. */
const OWNERS = Array.from({ length: MAX_RELATED_RECORDS }, (_, i) =>
  member({ userId: `u_owner${i}`, mailboxes: [`owner${i}@acme.com`] }),
);
/** Members reached through the email's recipients, to fill the item up to its reviewer bound. */
const RECIPIENTS = Array.from({ length: MAX_REVIEWERS }, (_, i) =>
  member({ userId: `u_recipient${i}`, mailboxes: [`recipient${i}@acme.com`] }),
);

let env: ItemEnv;
const measured: Record<string, unknown> = {};

beforeAll(async () => {
  env = await createItemEnv({ prefix: 'approve-counts' });
  await seedMembers(env.deps, [RUN_USER, SENDING_ADMIN, ...OWNERS, ...RECIPIENTS]);
});

afterAll(async () => {
  console.info(`approve-counts: ${JSON.stringify(measured)}`);
  env?.ses.client.destroy();
  await env?.table.drop();
});

/** Counts the DynamoDB and SES requests of one operation (the item is set up before counting starts). */
async function counted<T>(name: string, operation: () => Promise<T>, ses = env.ses) {
  env.table.counter.reset();
  ses.counter.reset();
  const result = await operation().catch((error: unknown) => error);
  const counts = {
    dynamodb: env.table.counter.byCommand,
    dynamodbTotal: env.table.counter.total,
    ses: ses.counter.byCommand,
  };
  measured[name] = { dynamodb: counts.dynamodbTotal, ses: ses.counter.total };
  return { result, ...counts };
}

const APPROVE_REQUESTS = { GetItem: 3, TransactWriteItems: 2 };

describe('DynamoDB and SES requests per action', () => {
  it('approves with 5 DynamoDB requests (member, item, settings, claim, outcome) and one SES SendEmail', async () => {
    const item = await seedItem(env.deps);

    const { result, dynamodb, dynamodbTotal, ses } = await counted('approve', () =>
      approveItem(env.deps, alice, item.id, {}),
    );

    expect(result).toMatchObject({ status: 'sent' });
    expect(dynamodb).toEqual(APPROVE_REQUESTS);
    expect(dynamodbTotal).toBeLessThanOrEqual(5);
    expect(ses).toEqual({ SendEmail: 1 });
  });

  it('approves an edited item with the same 5 requests and one send', async () => {
    const item = await seedItem(env.deps);
    await editItem(env.deps, alice, item.id, { version: 1, draft: { bodyText: 'Edited before approval' } });

    const { result, dynamodb, ses } = await counted('approve after edit', () =>
      approveItem(env.deps, alice, item.id, { version: 2 }),
    );

    expect(result).toMatchObject({ status: 'sent', edited: true });
    expect(dynamodb).toEqual(APPROVE_REQUESTS);
    expect(ses).toEqual({ SendEmail: 1 });
  });

  it(`approves the largest item (${MAX_REVIEWERS} reviewers, ${MAX_RELATED_RECORDS} records) with the same 5 requests`, async () => {
    const item = await seedItem(
      env.deps,
      uniqueProposal({
        run: { executedAs: { kind: 'workspace' } },
        relatedRecords: OWNERS.map((o, i) => ({ type: 'account', id: `acc_${i}`, ownerId: o.userId })),
        draft: { to: RECIPIENTS.map((r) => r.mailboxes[0]!) },
      }),
    );
    expect(item.reviewers).toHaveLength(MAX_REVIEWERS);

    const { result, dynamodb, ses } = await counted('approve, largest item', () =>
      approveItem(env.deps, alice, item.id, {}),
    );

    expect(result).toMatchObject({ status: 'sent' });
    expect(dynamodb).toEqual(APPROVE_REQUESTS);
    expect(ses).toEqual({ SendEmail: 1 });
  });

  it('edits with 3 DynamoDB requests (member, item, change) and no SES call', async () => {
    const item = await seedItem(env.deps);

    const { result, dynamodb, ses } = await counted('edit', () =>
      editItem(env.deps, alice, item.id, { version: 1, draft: { subject: 'Renewal, edited' } }),
    );

    expect(result).toMatchObject({ status: 'pending', version: 2, edited: true });
    expect(dynamodb).toEqual({ GetItem: 2, TransactWriteItems: 1 });
    expect(ses).toEqual({});
  });

  it('dismisses with 3 DynamoDB requests (member, item, change) and no SES call', async () => {
    const item = await seedItem(env.deps);

    const { result, dynamodb, ses } = await counted('dismiss', () =>
      dismissItem(env.deps, alice, item.id, { note: 'no' }),
    );

    expect(result).toMatchObject({ status: 'dismissed' });
    expect(dynamodb).toEqual({ GetItem: 2, TransactWriteItems: 1 });
    expect(ses).toEqual({});
  });

  it('answers a second approval of a sent item with 3 reads, no write and no SES call', async () => {
    const item = await seedItem(env.deps);
    await approveItem(env.deps, alice, item.id, {});

    const { result, dynamodb, ses } = await counted('approve, already sent (409)', () =>
      approveItem(env.deps, callerOf(SENDING_ADMIN), item.id, {}),
    );

    expect(result).toBeInstanceOf(ConflictError);
    expect(dynamodb).toEqual({ GetItem: 3 });
    expect(ses).toEqual({});
  });
});

describe('requests per approval when the send fails', () => {
  let proxy: SesFaultProxy;
  let faulty: ReturnType<typeof testMailer>;

  beforeAll(async () => {
    proxy = await startSesFaultProxy({ upstream: sesEndpoint() });
    faulty = testMailer({ endpoint: proxy.endpoint, requestTimeoutMs: 1_000 });
  });

  afterAll(async () => {
    faulty?.client.destroy();
    await proxy?.stop();
  });

  const cases: { action: FaultAction; status: 502 | 504 }[] = [
    { action: 'reject', status: 502 },
    { action: 'reset-before-send', status: 504 },
  ];

  it.each(cases)(
    'stays within 5 DynamoDB requests and one SES call when SES answers $action',
    async ({ action, status }) => {
      const item = await seedItem(env.deps);
      proxy.use(action);

      const { result, dynamodb, ses } = await counted(
        `approve, ${action}`,
        () => approveItem(env.withMailer(faulty), alice, item.id, {}),
        faulty,
      );

      expect(result).toBeInstanceOf(SendFailedError);
      expect((result as SendFailedError).status).toBe(status);
      expect(dynamodb).toEqual(APPROVE_REQUESTS);
      expect(ses).toEqual({ SendEmail: 1 });
    },
  );
});
