/**
 * Every answer spec 8 "Flat at scale" names, as a caller gets it: through the local HTTP API with a real JWT (the
 * agent's list through `POST /mcp` with the MCP SDK's client, ingest through PutEvents to the local bus, the webhook
 * signed per Standard Webhooks), each with what it must answer, checked on every call.
 */
import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Webhook } from 'standardwebhooks';
import type { RuntimeHandle } from '../../infra/local/runtime.js';
import { proposal } from '../lib/proposal.js';
import {
  ADMIN,
  ALICE,
  ALICE_ITEMS,
  BOB,
  bobThread,
  CAROL,
  directoryMember,
  type Seeded,
  WORKSPACE_ID,
} from './workspace.js';

/** What one call answered. */
export interface Answer {
  status: number;
  body: unknown;
  bytes: number;
}

/** What the checks make of an answer: the items in it, whether it is the last page, what is wrong with it. */
export interface Verdict {
  /** Items answered (for the summary: the latest items; for ingest and webhook: items created / resolved). */
  items: number;
  /** A list's answer had no next cursor. */
  last?: boolean;
  problems: string[];
}

export interface Pattern {
  name: string;
  caller: string;
  /** spec 8's most requests for it; `perMatch` adds one per matched item. */
  bound: number;
  perMatch?: boolean;
  /** Whether a list answer must be a full page or the last one. */
  list?: boolean;
  call(index: number): Promise<Answer>;
  check(answer: Answer): Verdict;
}

interface Page {
  items: {
    id: string;
    origin: { automationId: string; executedAs: { kind: string; userId?: string } };
    draft: { subject: string };
  }[];
  nextCursor: string | null;
}

export interface Context {
  runtime: RuntimeHandle;
  tokens: Record<string, string>;
  mcp: Record<string, Client>;
  eventBridge: EventBridgeClient;
  seeded: Seeded;
  /** Bob's items resolved by the webhook so far (the newest first, going down). */
  resolved: number;
  /** The next measured ingest's number (unique across sizes). */
  ingests: number;
}

export const PAGE = 25;

async function get(context: Context, caller: string, path: string): Promise<Answer> {
  const response = await fetch(`${context.runtime.urls.api}${path}`, {
    headers: { authorization: `Bearer ${context.tokens[caller]}` },
  });
  const text = await response.text();
  return { status: response.status, body: parse(text), bytes: Buffer.byteLength(text) };
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A list answer's checks: 200, a full page or the last one, and `expect`'s own. */
function pageVerdict(answer: Answer, expect: (page: Page) => string[] = () => []): Verdict {
  if (answer.status !== 200) return { items: 0, problems: [`status ${answer.status}`] };
  const page = answer.body as Page;
  const last = page.nextCursor === null;
  const problems = expect(page);
  if (page.items.length < PAGE && !last) problems.push(`a short page (${page.items.length}) with a cursor`);
  return { items: page.items.length, last, problems };
}

const only = (page: Page, subject: string) =>
  page.items.length === 1 && page.items[0]!.draft.subject === subject && page.nextCursor === null
    ? []
    : [`expected only "${subject}", got ${page.items.length} items`];

const fullPage = (page: Page) => (page.items.length === PAGE ? [] : [`expected ${PAGE} items`]);

/** Nothing of another user's private runs in Alice's answer. */
const aliceMaySee = (page: Page) =>
  page.items.every(
    ({ origin: { executedAs } }) => executedAs.kind === 'workspace' || executedAs.userId === ALICE,
  )
    ? []
    : ['an item Alice may not see'];

/** The list patterns, the summary and the automation list. */
export function readPatterns(context: Context, aliceSecondPage: () => string): Pattern[] {
  const bobOpen = () => context.seeded.bobItems - context.resolved;
  return [
    {
      name: 'queue page (`GET /review-items`), a queue of every item but 36',
      caller: 'Bob',
      bound: 2,
      list: true,
      call: () => get(context, BOB, '/review-items'),
      check: (a) => pageVerdict(a, fullPage),
    },
    {
      name: 'queue page, a queue of 36',
      caller: 'Alice',
      bound: 2,
      list: true,
      call: () => get(context, ALICE, '/review-items'),
      check: (a) => pageVerdict(a, (p) => [...fullPage(p), ...aliceMaySee(p)]),
    },
    {
      name: '`automationId` whose one item is the queue’s oldest',
      caller: 'Alice',
      bound: 3,
      list: true,
      call: () => get(context, ALICE, '/review-items?automationId=auto_rare'),
      check: (a) => pageVerdict(a, (p) => only(p, 'The rare one')),
    },
    {
      name: '`automationId`, every item but 36',
      caller: 'Bob',
      bound: 3,
      list: true,
      call: () => get(context, BOB, '/review-items?automationId=auto_bob'),
      check: (a) => pageVerdict(a, fullPage),
    },
    {
      name: '`scope=workspace`, a member who may see 36 items',
      caller: 'Alice',
      bound: 3,
      list: true,
      call: () => get(context, ALICE, '/review-items?scope=workspace'),
      check: (a) => pageVerdict(a, (p) => [...fullPage(p), ...aliceMaySee(p)]),
    },
    {
      name: '`scope=workspace`, that member’s last page',
      caller: 'Alice',
      bound: 3,
      list: true,
      call: () =>
        get(context, ALICE, `/review-items?scope=workspace&cursor=${encodeURIComponent(aliceSecondPage())}`),
      check: (a) =>
        pageVerdict(a, (p) => [
          ...(p.items.length === ALICE_ITEMS - PAGE && p.nextCursor === null
            ? []
            : [`expected the last ${ALICE_ITEMS - PAGE} items`]),
          ...aliceMaySee(p),
        ]),
    },
    {
      name: '`scope=workspace&automationId`, the member’s oldest item',
      caller: 'Alice',
      bound: 3,
      list: true,
      call: () => get(context, ALICE, '/review-items?scope=workspace&automationId=auto_rare'),
      check: (a) => pageVerdict(a, (p) => only(p, 'The rare one')),
    },
    {
      name: '`scope=workspace`, an admin',
      caller: 'admin',
      bound: 3,
      list: true,
      call: () => get(context, ADMIN, '/review-items?scope=workspace'),
      check: (a) => pageVerdict(a, fullPage),
    },
    {
      name: 'record banner, the record’s one item is the oldest',
      caller: 'Alice',
      bound: 3,
      list: true,
      call: () => get(context, ALICE, '/records/opportunity/opp_rare/review-items'),
      check: (a) => pageVerdict(a, (p) => only(p, 'The rare one')),
    },
    {
      name: 'record banner, every item invisible to the caller',
      caller: 'Alice',
      bound: 3,
      list: true,
      call: () => get(context, ALICE, '/records/account/acc_bob/review-items'),
      check: (a) =>
        pageVerdict(a, (p) => (p.items.length === 0 && p.nextCursor === null ? [] : ['expected nothing'])),
    },
    {
      name: 'record banner, an admin',
      caller: 'admin',
      bound: 3,
      list: true,
      call: () => get(context, ADMIN, '/records/account/acc_bob/review-items'),
      check: (a) => pageVerdict(a, fullPage),
    },
    {
      name: 'agent: list by automation name (MCP `list_review_items`)',
      caller: 'Alice',
      bound: 3,
      list: true,
      call: () => mcpList(context, ALICE, { automationName: 'rare reminder', scope: 'workspace' }),
      check: (a) => pageVerdict(a, (p) => only(p, 'The rare one')),
    },
    {
      name: 'agent: list by automation name, an admin',
      caller: 'admin',
      bound: 3,
      list: true,
      call: () => mcpList(context, ADMIN, { automationName: 'rare reminder', scope: 'workspace' }),
      check: (a) => pageVerdict(a, (p) => only(p, 'The rare one')),
    },
    {
      name: 'summary (`GET /review-items/summary`), exact counts',
      caller: 'Alice',
      bound: 3,
      call: () => get(context, ALICE, '/review-items/summary'),
      check: (a) =>
        summaryVerdict(a, ALICE_ITEMS, [
          ['auto_renewal', ALICE_ITEMS - 1],
          ['auto_rare', 1],
        ]),
    },
    {
      name: 'summary, a queue of every item but 36',
      caller: 'Bob',
      bound: 3,
      call: () => get(context, BOB, '/review-items/summary'),
      check: (a) => summaryVerdict(a, bobOpen(), [['auto_bob', bobOpen()]]),
    },
    {
      name: '`GET /automations`',
      caller: 'Alice',
      bound: 3,
      call: () => get(context, ALICE, '/automations'),
      check: (a) => {
        if (a.status !== 200) return { items: 0, problems: [`status ${a.status}`] };
        const { items } = a.body as { items: { automationId: string; openItems: number }[] };
        const open = Object.fromEntries(items.map((i) => [i.automationId, i.openItems]));
        const problems =
          open.auto_bob === 0 && open.auto_rare === 1 && open.auto_renewal === ALICE_ITEMS - 1
            ? []
            : [`open items ${JSON.stringify(open)}`];
        return { items: items.length, problems };
      },
    },
  ];
}

function summaryVerdict(answer: Answer, pending: number, byAutomation: [string, number][]): Verdict {
  if (answer.status !== 200) return { items: 0, problems: [`status ${answer.status}`] };
  const summary = answer.body as {
    pendingCount: number;
    byAutomation: { automationId: string; count: number }[];
    latest: unknown[];
  };
  const problems: string[] = [];
  if (summary.pendingCount !== pending) problems.push(`pendingCount ${summary.pendingCount}, not ${pending}`);
  const counts = JSON.stringify(summary.byAutomation.map((a) => [a.automationId, a.count]));
  if (counts !== JSON.stringify(byAutomation)) problems.push(`byAutomation ${counts}`);
  if (summary.latest.length !== 5) problems.push(`${summary.latest.length} latest items`);
  return { items: summary.latest.length, problems };
}

async function mcpList(context: Context, caller: string, args: Record<string, unknown>): Promise<Answer> {
  const result = (await context.mcp[caller]!.callTool({
    name: 'list_review_items',
    arguments: args,
  })) as CallToolResult;
  const text = JSON.stringify(result);
  return {
    status: result.isError ? 500 : 200,
    body: result.structuredContent,
    bytes: Buffer.byteLength(text),
  };
}

/**
 * Ingest: one `Review Draft Proposed` (PutEvents to the local bus, timed until the ingest function is done) of
 * Carol's private run, to three directory members' mailboxes: routing reads Carol, the mailboxes of `from`, `to`
 * and `cc` and the record owners by key, whatever the directory holds. Carol's items are hers alone, so they
 * change none of the figures the other patterns check.
 */
export function ingestPattern(context: Context): Pattern {
  return {
    name: 'ingest a proposal (PutEvents), to 3 members’ mailboxes',
    caller: 'automation',
    bound: 4,
    call: async () => {
      const n = context.ingests++;
      const size = context.seeded.directory;
      const recipients = [17, Math.floor(size / 2), size - 1].map((i) => directoryMember(i).mailboxes[0]!);
      const detail = proposal({
        workspaceId: WORKSPACE_ID,
        proposedAt: new Date().toISOString(),
        dedupKey: `intake${n}`,
        run: {
          id: `run_intake${n}`,
          automationId: 'auto_intake',
          automationName: 'Intake',
          executedAs: { kind: 'user', userId: CAROL },
        },
        relatedRecords: [{ type: 'account', id: `acc_intake${n}` }],
        draft: { from: 'carol@acme.com', to: recipients, cc: [], subject: `Intake ${n}` },
      });
      const out = await context.eventBridge.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: context.runtime.eventBusName,
              Source: 'automations',
              DetailType: 'Review Draft Proposed',
              Detail: JSON.stringify(detail),
            },
          ],
        }),
      );
      await context.runtime.bus.idle();
      const eventId = out.Entries?.[0]?.EventId ?? '';
      const result = context.runtime.bus.deliveries(eventId)?.[0]?.result;
      return { status: out.FailedEntryCount ? 500 : 200, body: result, bytes: 0 };
    },
    check: (a) => {
      const outcome = (a.body as { outcome?: string } | undefined)?.outcome;
      return outcome === 'created'
        ? { items: 1, problems: [] }
        : { items: 0, problems: [`ingest answered ${JSON.stringify(a.body)}`] };
    },
  };
}

/**
 * The email webhook: `message.sent` on the thread of one of Bob's drafts (the newest not yet resolved), signed
 * with the runtime's secret: resolves exactly that item, whatever Bob's mailbox holds.
 */
export function webhookPattern(context: Context): Pattern {
  return {
    name: 'email webhook (`POST /webhooks/email`), one matching draft in the mailbox',
    caller: 'provider',
    bound: 3,
    perMatch: true,
    call: async () => {
      const index = context.seeded.bobItems - 1 - context.resolved++;
      const payload = JSON.stringify({
        type: 'message.sent',
        workspaceId: WORKSPACE_ID,
        mailbox: 'bob@acme.com',
        messageId: `<sent-${index}@mail>`,
        threadId: bobThread(index),
        to: ['dave@globex.com'],
        subject: `Digest ${index}`,
        occurredAt: new Date().toISOString(),
      });
      const id = `msg_${randomUUID()}`;
      const now = new Date();
      const response = await fetch(`${context.runtime.urls.api}/webhooks/email`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
          'webhook-signature': new Webhook(context.runtime.webhookSecret).sign(id, now, payload),
        },
        body: payload,
      });
      const text = await response.text();
      return { status: response.status, body: parse(text), bytes: Buffer.byteLength(text) };
    },
    check: (a) => {
      const body = a.body as { resolved?: number } | undefined;
      return a.status === 200 && body?.resolved === 1
        ? { items: 1, problems: [] }
        : { items: 0, problems: [`webhook answered ${a.status} ${JSON.stringify(a.body)}`] };
    },
  };
}

export function eventBridgeFor(runtime: RuntimeHandle): EventBridgeClient {
  return new EventBridgeClient({
    region: 'us-east-1',
    endpoint: runtime.urls.events,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
}
