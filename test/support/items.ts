/**
 * Builders for use-case tests on the run's stand-ins: dependencies on a fresh DynamoDB Local table, a real
 * SesMailer on local SES (or on a fault stand-in in front of it), a recording publisher, members and items.
 *
 *   const env = await createItemEnv();               // fresh table, real mailer on local SES
 *   await seedMembers(env.deps, [RUN_USER, SENDING_ADMIN]);
 *   const item = await seedItem(env.deps, uniqueProposal({ draft: { subject: uniqueSubject('Approve') } }));
 */
import { randomUUID } from 'node:crypto';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { ulid } from 'ulid';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../infra/local/aws-identity.js';
import type { ReviewItem } from '../../shared/domain/review-item.js';
import type { DraftProposed, MemberChanged } from '../../shared/events/in-schemas.js';
import type { Caller } from '../../shared/http/request.js';
import { SesMailer, type SesMailerOptions } from '../../shared/mail/mailer.js';
import { ReviewStore } from '../../shared/store/review-store.js';
import { applyMemberChange } from '../../shared/use-cases/apply-member-change.js';
import type { SendDeps } from '../../shared/use-cases/deps.js';
import { ingestProposal } from '../../shared/use-cases/ingest-proposal.js';
import { newItemId } from '../../shared/wiring.js';
import { member, proposal } from '../fixtures/index.js';
import { countRequests, createTestTable, type RequestCounter, type TestTable } from './dynamo.js';
import { sesEndpoint } from './endpoints.js';
import { OutboxReader } from './outbox.js';
import { SettlingStore } from './tallies.js';

/** The draft's `from` in the fixture proposal. */
export const FROM = 'alice@acme.com';

/** The user the fixture run executed as: a reviewer who owns the `from` mailbox. */
export const RUN_USER = member({ userId: 'u_alice', role: 'member', mailboxes: [FROM] });
/** An admin who also has the `from` mailbox connected: routed as a reviewer, may approve. */
export const SENDING_ADMIN = member({
  userId: 'u_admin',
  role: 'admin',
  mailboxes: [FROM, 'admin@acme.com'],
});

export const callerOf = (m: MemberChanged): Caller => ({ userId: m.userId, workspaceId: m.workspaceId });

/** A clock tests can move: `clock()` is `now`, `clock.set(date)` and `clock.advance(ms)` change it. */
export interface TestClock {
  (): Date;
  set(time: Date | string): void;
  advance(ms: number): void;
}

/** A real clock by default; a fixed one from the first `set`. */
export function testClock(): TestClock {
  let fixed: Date | undefined;
  const clock = (() => (fixed ? new Date(fixed) : new Date())) as TestClock;
  clock.set = (time) => {
    fixed = new Date(time);
  };
  clock.advance = (ms) => {
    fixed = new Date((fixed ?? new Date()).getTime() + ms);
  };
  return clock;
}

export interface SesClientOptions {
  /** Where SES is; default the run's local SES. */
  endpoint?: string;
  /** Milliseconds before an unanswered request fails with TimeoutError (an unknown outcome). */
  requestTimeoutMs?: number;
  /** Reuse connections (production does). Default false: see testSesClient. */
  keepAlive?: boolean;
}

/**
 * An SESv2Client like production's (shared/aws-clients.ts): `maxAttempts: 1`, so the SDK never resends.
 * `throwOnRequestTimeout` makes the request timeout an error: without it, @smithy/node-http-handler 4.x only
 * logs a warning when `requestTimeout` passes and keeps waiting.
 *
 * Connections are not reused by default. Local SES closes a connection after 5 s idle; Node drops it from
 * its pool a second earlier, but on a loaded machine (timers late by a second) a send can still go out on
 * a connection the server is closing, and fail with ECONNRESET. The mailer rightly calls that an unknown
 * outcome (send_unknown, never resent): a fault, which approve-faults injects on purpose, and which must
 * not randomly turn one of a thousand concurrency trials into "nobody sent".
 */
export function testSesClient(options: SesClientOptions = {}): SESv2Client {
  return new SESv2Client({
    endpoint: options.endpoint ?? sesEndpoint(),
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
    requestHandler: {
      requestTimeout: options.requestTimeoutMs ?? 5_000,
      connectionTimeout: 2_000,
      throwOnRequestTimeout: true,
      httpAgent: { keepAlive: options.keepAlive ?? false },
    },
  });
}

/** Counts SES requests by operation (`SendEmail`), one per `client.send`, like the DynamoDB counter. */
export const countSesRequests = (client: SESv2Client): RequestCounter =>
  countRequests(client, 'testSesRequestCounter');

export interface TestMailer {
  mailer: SesMailer;
  client: SESv2Client;
  /** SES requests made through `client`. */
  counter: RequestCounter;
  /** The backoff sleeps the mailer asked for, in ms. */
  sleeps: number[];
}

/** A real SesMailer with a quick backoff (the delays are recorded, the sleeps take 1 ms). */
export function testMailer(options: SesClientOptions & SesMailerOptions = {}): TestMailer {
  const { endpoint, requestTimeoutMs, keepAlive, ...mailerOptions } = options;
  const client = testSesClient({ endpoint, requestTimeoutMs, keepAlive });
  const counter = countSesRequests(client);
  const sleeps: number[] = [];
  const mailer = new SesMailer(client, {
    throttleBackoffMs: [20, 40, 80],
    sleep: async (ms) => {
      sleeps.push(ms);
      await new Promise((resolve) => setTimeout(resolve, 1));
    },
    ...mailerOptions,
  });
  return { mailer, client, counter, sleeps };
}

export interface ItemEnv {
  table: TestTable;
  deps: SendDeps & { store: ReviewStore; clock: TestClock };
  /** What the changes wrote to the outbox. */
  outbox: OutboxReader;
  ses: TestMailer;
  /** Deps whose mailer goes elsewhere (a fault stand-in), sharing table and clock. */
  withMailer(mailer: TestMailer): SendDeps & { store: ReviewStore; clock: TestClock };
}

/**
 * A fresh table, a movable clock, a real mailer on local SES, and a reader of the outbox. With `tallies`, the table
 * has its stream and the store settles the changes' tallies before it reads a counter (support/tallies.ts).
 */
export async function createItemEnv(
  options: {
    prefix?: string;
    mailer?: SesClientOptions & SesMailerOptions;
    /** The table's clients go through DynamoDB's conflict rule with this commit window (dynamo.ts). */
    conflictWindowMs?: number;
    /** The table has its stream, and the store settles the tallies before reading a counter (tallies.ts). */
    tallies?: boolean;
  } = {},
): Promise<ItemEnv> {
  const table = await createTestTable(options.prefix ?? 'items', {
    stream: options.tallies === true,
    conflictWindowMs: options.conflictWindowMs,
  });
  const ses = testMailer(options.mailer);
  const base = {
    store: options.tallies
      ? new SettlingStore(table.client, table.tableName)
      : new ReviewStore(table.client, table.tableName),
    clock: testClock(),
    newId: newItemId,
  };
  return {
    table,
    ses,
    outbox: new OutboxReader(table.client, table.tableName),
    deps: { ...base, mailer: ses.mailer },
    withMailer: (other) => ({ ...base, mailer: other.mailer }),
  };
}

export async function seedMembers(deps: { store: ReviewStore }, members: MemberChanged[]): Promise<void> {
  for (const m of members) await applyMemberChange(deps.store, m);
}

/** A subject no other test or trial of the run shares (the local SES store is shared by the whole run). */
export const uniqueSubject = (label: string): string => `${label} ${randomUUID()}`;

type ProposalOverrides = Parameters<typeof proposal>[0];

/**
 * A proposal with its own dedup key (so items never replace each other) and, unless given, a unique subject.
 * `proposedAt` defaults to now so the item never looks expired or stale.
 */
export function uniqueProposal(overrides: ProposalOverrides = {}): DraftProposed {
  const draft = (overrides.draft ?? {}) as Record<string, unknown>;
  return proposal({
    dedupKey: `key-${ulid()}`,
    proposedAt: new Date().toISOString(),
    ...overrides,
    draft: { subject: uniqueSubject('Renewal'), ...draft },
  });
}

/** Ingests a proposal (as the EventBridge handler does) and returns the created item's id. */
export async function seedItemId(deps: SendDeps, p: DraftProposed = uniqueProposal()): Promise<string> {
  const outcome = await ingestProposal(deps, p);
  if (outcome.outcome !== 'created')
    throw new Error(`Expected a created item, got ${JSON.stringify(outcome)}`);
  return outcome.itemId;
}

/** Ingests a proposal and reads the created item back. */
export async function seedItem(deps: SendDeps, p: DraftProposed = uniqueProposal()): Promise<ReviewItem> {
  const itemId = await seedItemId(deps, p);
  const item = await deps.store.getItem(p.workspaceId, itemId);
  if (!item) throw new Error(`Item ${itemId} was not stored`);
  return item;
}

export { seededRandom } from '../../scripts/lib/seeded-random.js';

/** An integer in [min, max] from `random`. */
export const randomInt = (random: () => number, min: number, max: number): number =>
  min + Math.floor(random() * (max - min + 1));

/** Runs `task` for each input with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(
  inputs: readonly T[],
  limit: number,
  task: (input: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(inputs.length);
  let next = 0;
  const worker = async () => {
    while (next < inputs.length) {
      const index = next++;
      results[index] = await task(inputs[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, inputs.length) }, worker));
  return results;
}

/** The email draft (or preview) of an item in a test about emails; throws for another kind. */
export function emailOf<D extends { type: string }>(draft: D): Extract<D, { type: 'email' }>;
export function emailOf<D extends { type: string }>(
  draft: D | undefined,
): Extract<D, { type: 'email' }> | undefined;
export function emailOf<D extends { type: string }>(draft: D | undefined) {
  if (draft === undefined) return undefined;
  if (draft.type !== 'email') throw new Error(`Expected an email draft, got ${draft.type}`);
  return draft as Extract<D, { type: 'email' }>;
}
