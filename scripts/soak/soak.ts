/**
 * The crash soak (spec 8, "Crash anywhere"; docs/crash-soak.md). Random operations, one at a time, against DynamoDB
 * Local and local SES, through the use cases and stream handlers the functions call: proposals (new, replacing,
 * redelivered), edits, approvals of emails and record drafts, dismissals, bulk decisions, email webhooks, the CRM's
 * answers and `Record Changed`, the scheduled jobs and the two stream consumers (the outbox publisher, the tallies).
 * Before many of them a crash point is armed (crashes.ts); when it fires, the "process" is gone: the soak starts a
 * fresh one (new store, new mailer and SES client), lets time pass, retries the event the crashed function was
 * handling as EventBridge (or the webhook's provider) would, runs the jobs and pumps the stream. At the end it lets
 * every job and the CRM finish and checks the invariants (invariants.ts).
 */
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { createDocumentClient } from '../../shared/aws-clients.js';
import { Crash, type CrashPointName } from '../../shared/crash-points.js';
import {
  type RecordChangeAnswer,
  recordChangeAppliedSchema,
  recordChangedSchema,
  recordChangeRejectedSchema,
} from '../../shared/domain/crm-events.js';
import { emailWebhookSchema } from '../../shared/domain/email-webhook.js';
import type { ReviewItem } from '../../shared/domain/review-item.js';
import { DomainError } from '../../shared/errors.js';
import type { OutEvent } from '../../shared/events/out-events.js';
import { publishRecords } from '../../shared/events/outbox.js';
import { SesMailer } from '../../shared/mail/mailer.js';
import { ReviewStore } from '../../shared/store/review-store.js';
import { Table } from '../../shared/store/table.js';
import { applyTallies, talliesOfRecords } from '../../shared/store/tallies.js';
import { applyMemberChange } from '../../shared/use-cases/apply-member-change.js';
import { decideItems } from '../../shared/use-cases/bulk.js';
import { approveItem, dismissItem, editItem } from '../../shared/use-cases/decide.js';
import type { SendDeps } from '../../shared/use-cases/deps.js';
import { ingestProposal } from '../../shared/use-cases/ingest-proposal.js';
import {
  applyRecordChanged,
  republishRecordChanges,
  settleRecordChange,
} from '../../shared/use-cases/record-apply.js';
import { resolveFromWebhook, WEBHOOK_LEASE_MS } from '../../shared/use-cases/resolve-from-webhook.js';
import {
  expireDueItems,
  INTERRUPTED_AFTER_MS,
  recoverInterruptedSends,
} from '../../shared/use-cases/scheduled-jobs.js';
import { newItemId } from '../../shared/wiring.js';
import { seededRandom } from '../lib/seeded-random.js';
import { type Coverage, CrashPlan, pick } from './crashes.js';
import { checkInvariants, type World } from './invariants.js';
import { soakTable } from './table.js';
import { proposalFor, SOAK_MEMBERS, type SoakProposal } from './workload.js';

export interface SoakOptions {
  dynamodbEndpoint: string;
  sesEndpoint: string;
  seed: number;
  /** Operations in the random mix (recovery and the final settling come on top). */
  operations: number;
  /** The share of operations that run with a crash point armed. */
  crashRate: number;
  log?: (line: string) => void;
  /** Called every 500 operations with the operations and crashes so far. */
  progress?: (operations: number, crashes: number) => void;
}

export interface SoakReport {
  seed: number;
  operations: number;
  crashes: number;
  /** Per operation × crash point: how often the point was passed, and how often it fired. */
  coverage: Coverage;
  /** Pairs passed but never fired. */
  unfired: string[];
  violations: string[];
  items: number;
  emails: number;
  events: number;
  ms: number;
}

/** What the operations of the mix draw from. */
type Operation =
  | 'ingest'
  | 'redeliver'
  | 'edit'
  | 'approve-email'
  | 'approve-record'
  | 'dismiss'
  | 'bulk'
  | 'webhook'
  | 'record-changed'
  | 'crm-answer'
  | 'expire'
  | 'recover-sends'
  | 'republish'
  | 'publish-outbox'
  | 'apply-tallies';

const WEIGHTS: [Operation, number][] = [
  ['ingest', 22],
  ['redeliver', 4],
  ['edit', 6],
  ['approve-email', 9],
  ['approve-record', 8],
  ['dismiss', 4],
  ['bulk', 6],
  ['webhook', 5],
  ['record-changed', 4],
  ['crm-answer', 10],
  ['expire', 5],
  ['recover-sends', 3],
  ['republish', 5],
  ['publish-outbox', 9],
  ['apply-tallies', 8],
];

/** The operation at `roll` (0 to the weights' total). */
function weighted(roll: number): Operation {
  let left = roll;
  for (const [operation, weight] of WEIGHTS) {
    left -= weight;
    if (left < 0) return operation;
  }
  return 'ingest';
}

/** A use case's answer that is no failure of the system: a refusal (4xx) or a send that failed as designed (5xx). */
const expected = (error: unknown) => error instanceof DomainError;

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const started = Date.now();
  const random = seededRandom(options.seed);
  const log = options.log ?? (() => undefined);
  const table = await soakTable(options.dynamodbEndpoint);
  const plan = new CrashPlan(random);
  const world: World = {
    workspaceId: `ws_soak_${options.seed}`,
    tag: `soak-${options.seed}-${Date.now().toString(36)}`,
    proposals: [],
    itemIds: new Set(),
    published: [],
    crm: new Map(),
    unexpected: [],
  };
  let now = Date.now();
  const clock = () => new Date(now);
  const advance = (ms: number) => {
    now += ms;
  };

  /** A process (a Lambda container): the use cases' deps and the stream handlers' own clients, built once. */
  const startProcess = () => {
    const ses = new SESv2Client({
      endpoint: options.sesEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
      requestHandler: {
        requestTimeout: 10_000,
        throwOnRequestTimeout: true,
        httpAgent: { keepAlive: false },
      },
    });
    const deps: SendDeps = {
      store: new ReviewStore(table.client, table.tableName),
      clock,
      newId: newItemId,
      mailer: new SesMailer(ses, { throttleBackoffMs: [] }),
    };
    return { deps, tallies: new Table(createDocumentClient(table.raw), table.tableName), ses };
  };
  let container = startProcess();

  for (const member of SOAK_MEMBERS(world.workspaceId)) await applyMemberChange(container.deps.store, member);

  /** Events the CRM answered with (or reported), waiting for their function. */
  const inbox: RecordChangeAnswer[] = [];
  let webhooks = 0;
  let crashes = 0;

  const bus = {
    put: async (events: OutEvent[]) => {
      for (const event of events) world.published.push(event);
      return [];
    },
  };
  let crmSeen = 0;
  /** The fake CRM reads the commands off the bus: it applies each applyId at most once and answers. */
  const runCrm = () => {
    for (; crmSeen < world.published.length; crmSeen++) {
      const event = world.published[crmSeen] as OutEvent;
      if (event.detailType !== 'Record Change Approved') continue;
      const detail = event.detail as {
        itemId: string;
        applyId: string;
        operation: 'update' | 'create';
        record: { type: string; id?: string };
      };
      let state = world.crm.get(detail.applyId);
      if (!state) {
        const roll = random();
        state = {
          itemId: detail.itemId,
          outcome: roll < 0.7 ? 'apply' : roll < 0.85 ? 'reject' : 'silent',
          applications: 0,
        };
        world.crm.set(detail.applyId, state);
        if (state.outcome === 'apply') state.applications += 1;
      }
      const at = clock().toISOString();
      const base = { workspaceId: world.workspaceId, itemId: detail.itemId, applyId: detail.applyId };
      // Answers are validated as settle-record-change validates them.
      if (state.outcome === 'apply')
        inbox.push({
          outcome: 'applied',
          ...recordChangeAppliedSchema.parse({
            ...base,
            record:
              detail.operation === 'create'
                ? { type: detail.record.type, id: `new_${detail.applyId}` }
                : { type: detail.record.type, id: detail.record.id, version: String(now) },
            appliedAt: at,
          }),
        });
      else if (state.outcome === 'reject')
        inbox.push({
          outcome: 'rejected',
          ...recordChangeRejectedSchema.parse({
            ...base,
            reason: 'conflict',
            message: 'The record changed meanwhile',
            ...(random() < 0.5
              ? { current: { version: String(now), fields: { stage: 'Closed Lost' } } }
              : {}),
            rejectedAt: at,
          }),
        });
    }
  };

  const pumpOutbox = async () => {
    const response = await table.outbox.pump((records) => publishRecords(bus, records));
    runCrm();
    return response;
  };
  const pumpTallies = () =>
    table.tallies.pump(async (records) => {
      await applyTallies(container.tallies, talliesOfRecords(records));
      return undefined;
    });

  const knownItems = async (filter: (item: ReviewItem) => boolean): Promise<ReviewItem[]> => {
    const ids = [...world.itemIds];
    const sample = ids.length <= 12 ? ids : Array.from({ length: 12 }, () => pick(random, ids));
    const items: ReviewItem[] = [];
    for (const id of new Set(sample)) {
      const item = await container.deps.store.getItem(world.workspaceId, id);
      if (item && filter(item)) items.push(item);
    }
    return items;
  };
  const callerFor = (item: ReviewItem) => ({
    workspaceId: world.workspaceId,
    userId: item.reviewers[0] ?? 'u_admin',
  });

  /**
   * A reviewer approves a pending item. Never one whose outcome is unknown (`send_unknown`, `apply_unknown`): approving
   * it again is the reviewer's deliberate choice to risk a second send or application (spec 3), which the invariants
   * would then rightly count.
   */
  const approve = async (kind: (item: ReviewItem) => boolean) => {
    const [item] = await knownItems((i) => i.status === 'pending' && kind(i));
    if (!item) return;
    await approveItem(container.deps, callerFor(item), item.id, {
      version: item.version,
      ...(item.stale ? { acknowledgeStale: true } : {}),
    }).catch(rethrowUnexpected);
  };

  const ingest = async (proposal: SoakProposal) => {
    const outcome = await ingestProposal(container.deps, proposal.event);
    if (outcome.outcome !== 'dropped') world.itemIds.add(outcome.itemId);
  };

  /**
   * The event a function is handling: what EventBridge (or the webhook's provider) delivers again should the function
   * crash. A reviewer's request is not retried: the reviewer sees the error and looks again.
   */
  let handling: (() => Promise<unknown>) | undefined;
  const handle = async (run: () => Promise<unknown>) => {
    handling = run;
    await run();
  };

  const operations: Record<Operation, () => Promise<void>> = {
    ingest: async () => {
      const proposal = proposalFor(random, world, clock());
      world.proposals.push(proposal);
      await handle(() => ingest(proposal));
    },
    redeliver: async () => {
      const earlier = world.proposals.length > 0 ? pick(random, world.proposals) : undefined;
      if (!earlier) return;
      await handle(() => ingest(earlier));
    },
    edit: async () => {
      const [item] = await knownItems((i) => i.status === 'pending' && i.type === 'email');
      if (!item) return;
      await editItem(container.deps, callerFor(item), item.id, {
        version: item.version,
        draft: { bodyText: `Edited at ${clock().toISOString()}` },
      }).catch(rethrowUnexpected);
    },
    'approve-email': () => approve((item) => item.type === 'email'),
    'approve-record': () => approve((item) => item.type !== 'email'),
    dismiss: async () => {
      const [item] = await knownItems((i) => ['pending', 'send_unknown', 'apply_unknown'].includes(i.status));
      if (!item) return;
      await dismissItem(container.deps, callerFor(item), item.id, { version: item.version }).catch(
        rethrowUnexpected,
      );
    },
    bulk: async () => {
      const items = await knownItems((i) => i.status === 'pending');
      const first = items[0];
      if (!first) return;
      const caller = callerFor(first);
      const mine = items.filter((i) => i.reviewers.includes(caller.userId)).slice(0, 4);
      const { results } = await decideItems(container.deps, caller, {
        action: random() < 0.7 ? 'approve' : 'dismiss',
        items: mine.map((i) => ({ id: i.id, version: i.version })),
      });
      for (const result of results)
        if (
          !plan.crashed &&
          result.status >= 500 &&
          'problem' in result &&
          ![502, 504].includes(result.status)
        )
          world.unexpected.push(`bulk answered ${result.status} for ${result.id}: ${result.problem.detail}`);
    },
    webhook: async () => {
      const [item] = await knownItems((i) => i.status === 'pending' && i.type === 'email');
      if (item?.draft.type !== 'email') return;
      const draft = item.draft;
      const received = random() < 0.4;
      const event = emailWebhookSchema.parse({
        type: received ? 'message.received' : 'message.sent',
        workspaceId: world.workspaceId,
        mailbox: draft.from,
        ...(received ? { from: 'carol@globex.com' } : {}),
        ...(draft.threadId ? { threadId: draft.threadId } : { subject: draft.subject }),
        messageId: `<m${webhooks}@soak>`,
        to: received ? [draft.from] : draft.to,
        occurredAt: clock().toISOString(),
      });
      const webhookId = `msg_soak_${webhooks++}`;
      await handle(() => resolveFromWebhook(container.deps, webhookId, event));
    },
    'record-changed': async () => {
      const event = recordChangedSchema.parse({
        workspaceId: world.workspaceId,
        record: { type: 'opportunity', id: `opp_${1 + Math.floor(random() * 4)}`, version: String(now) },
        fields: random() < 0.5 ? { stage: 'Closed Won' } : { amount: 20_000 },
        changedAt: clock().toISOString(),
      });
      await handle(() => applyRecordChanged(container.deps, event));
    },
    'crm-answer': async () => {
      const next = inbox.shift();
      if (!next) return;
      // EventBridge delivers at least once: now and then twice.
      if (random() < 0.2) inbox.push(next);
      await handle(() => settleRecordChange(container.deps, next));
    },
    expire: async () => {
      await expireDueItems(container.deps);
    },
    'recover-sends': async () => {
      await recoverInterruptedSends(container.deps);
    },
    republish: async () => {
      await republishRecordChanges(container.deps);
    },
    'publish-outbox': async () => {
      await pumpOutbox();
    },
    'apply-tallies': async () => {
      await pumpTallies();
    },
  };

  /** After a crash: a new process; time passes; the event is retried; the jobs run; the stream catches up. */
  const recover = async (retry: (() => Promise<unknown>) | undefined) => {
    container.ses.destroy();
    container = startProcess();
    advance(INTERRUPTED_AFTER_MS + WEBHOOK_LEASE_MS);
    if (retry) await retry();
    // The jobs a crash leaves work for (expiry is no recovery: it runs on its own schedule, an operation of the mix).
    await recoverInterruptedSends(container.deps);
    await republishRecordChanges(container.deps);
    await pumpOutbox();
    await pumpTallies();
  };

  try {
    return await mix();
  } finally {
    plan.stop();
    container.ses.destroy();
    await table.drop();
  }

  async function mix(): Promise<SoakReport> {
    const total = WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0);
    for (let index = 0; index < options.operations; index++) {
      const operation = weighted(random() * total);
      advance(1_000 + Math.floor(random() * 20_000));
      plan.begin(operation, random() < options.crashRate);
      handling = undefined;
      let thrown: unknown;
      try {
        await operations[operation]();
      } catch (error) {
        thrown = error;
      }
      const crashedAt: CrashPointName | undefined = plan.end();
      if (crashedAt) {
        crashes += 1;
        log(`#${index} ${operation}: crash at ${crashedAt}`);
        await recover(handling);
      } else if (thrown !== undefined && !(thrown instanceof Crash)) {
        world.unexpected.push(`${operation}: ${describe(thrown)}`);
      }
      if ((index + 1) % 500 === 0) options.progress?.(index + 1, crashes);
    }

    // Everything settles: the jobs run until no command is left unanswered (republished, then apply_unknown), the CRM
    // answers, and the stream is drained.
    for (let round = 0; round < 12; round++) {
      advance(6 * 60_000);
      await recoverInterruptedSends(container.deps);
      await republishRecordChanges(container.deps);
      await expireDueItems(container.deps);
      await pumpOutbox();
      for (let next = inbox.shift(); next; next = inbox.shift())
        await settleRecordChange(container.deps, next);
      await pumpOutbox();
    }
    await pumpTallies();
    plan.stop();

    const result = await checkInvariants(world, table, container.deps, options.sesEndpoint);
    const unfired = [...plan.coverage].filter(([, c]) => c.passes > 0 && c.fired === 0).map(([id]) => id);
    return {
      seed: options.seed,
      operations: options.operations,
      crashes,
      coverage: plan.coverage,
      unfired,
      violations: [...world.unexpected.map((u) => `unexpected error: ${u}`), ...result.violations],
      items: world.itemIds.size,
      emails: result.emails,
      events: result.events,
      ms: Date.now() - started,
    };
  }
}

function rethrowUnexpected(error: unknown): undefined {
  if (expected(error)) return undefined;
  throw error;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
