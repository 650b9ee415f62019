/**
 * The agent's tools, one definition each: name, texts, zod input and output schemas, what it runs and how its
 * answer reads to a model. shared/mcp/server.ts registers every entry of TOOLS on the SDK's McpServer; adding a
 * tool is adding an entry here.
 *
 * Every tool is read-only and calls the use cases (the HTTP routes' read-items.ts, review-stats.ts, and the list by
 * automation name, list-by-name.ts) as the caller from the JWT, so an agent sees exactly what its user may see
 * (`canSee`, the one visibility rule).
 * Output schemas are the HTTP API's response schemas (shared/http/responses.ts), so `structuredContent` is
 * what the matching route answers.
 */
import * as z from 'zod';
import { idSchema, relatedRecordSchema } from '../domain/primitives.js';
import { describeDraft, headlineOf } from '../drafts/index.js';
import type { Caller } from '../http/request.js';
import { listQuerySchema, pageQuerySchema } from '../http/requests.js';
import {
  automationListSchema,
  awayListSchema,
  historyEntrySchema,
  openStatusSchema,
  originSchema,
  reviewFeedbackSchema,
  reviewItemListSchema,
  reviewItemSchema,
  reviewStatsSchema,
} from '../http/responses.js';
import { whoIsAway } from '../use-cases/delegation.js';
import { listByName } from '../use-cases/list-by-name.js';
import { getItemWithHistory, listAutomations, type ReadDeps } from '../use-cases/read-items.js';
import { type ReviewFeedback, reviewFeedback } from '../use-cases/review-feedback.js';
import { type ReviewStats, reviewStats } from '../use-cases/review-stats.js';

/** What a tool runs with: the use cases' dependencies and the authenticated caller. */
export interface ToolContext {
  deps: ReadDeps;
  caller: Caller;
}

// biome-ignore lint/suspicious/noExplicitAny: the shape of a tool's object schema is the tool's own business
type ObjectSchema = z.ZodObject<any>;

export interface ToolDefinition<
  I extends ObjectSchema = ObjectSchema,
  O extends ObjectSchema = ObjectSchema,
> {
  name: string;
  title: string;
  description: string;
  /** Validated by the SDK before `run`; invalid input is a tool error the model can read. */
  input: I;
  /** What `structuredContent` is: every answer is checked against it before it leaves. */
  output: O;
  /**
   * The output schema tools/list shows, when `output` is too large to send to every conversation: a compact form
   * of it (the fields an agent picks by, the rest allowed), which every answer of `output` also satisfies.
   */
  listedOutput?: ObjectSchema;
  /**
   * The structured answer, checked against `output` at run time (the use cases' types are wider than the response
   * schemas). A DomainError (not found, invalid...) becomes a tool error with its text.
   */
  run: (context: ToolContext, input: z.output<I>) => Promise<unknown>;
  /** The checked answer as text for the model. */
  describe: (output: z.output<O>) => string;
}

/** A definition with its types checked, then erased for the table of tools of different types. */
export const defineTool = <I extends ObjectSchema, O extends ObjectSchema>(
  definition: ToolDefinition<I, O>,
): ToolDefinition => definition as unknown as ToolDefinition;

export const MCP_SERVER_INFO = {
  name: 'for-review',
  title: 'For review',
  version: '0.1.0',
};

export const MCP_INSTRUCTIONS =
  'Review items are drafts (emails) that automations proposed for people to review. These tools read the ' +
  "review queue with your user's permissions: items of other users' private runs do not exist for you. " +
  "They change nothing. To see why an automation's drafts are dismissed or edited, or whether a new version " +
  'did better, find its id with list_automations and call automation_feedback.';

export const listToolInput = z
  .object({
    automationId: listQuerySchema.shape.automationId.check(
      z.describe('Only items of this automation (its id)'),
    ),
    automationName: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .optional()
      .describe('Only items of automations whose name contains this text, ignoring case'),
    recordType: z
      .optional(relatedRecordSchema.shape.type)
      .describe('With recordId: only items about this CRM record, e.g. account'),
    recordId: z.optional(idSchema).describe('With recordType: the record id'),
    status: openStatusSchema
      .optional()
      .describe(
        'pending: waiting for review; send_unknown: a send whose outcome is unknown, to check; apply_unknown: a ' +
          'record change the CRM never answered, to check',
      ),
    scope: z
      .optional(listQuerySchema.shape.scope._zod.def.innerType)
      .describe(
        'mine: items you review; workspace: every open item you may see. Default: workspace with an automation ' +
          'or a record, else mine',
      ),
    limit: z.number().int().min(1).max(100).default(25).describe('Page size, 1 to 100'),
    cursor: listQuerySchema.shape.cursor.check(
      z.describe('nextCursor of the previous page, with the same filters'),
    ),
  })
  .refine((input) => (input.recordType === undefined) === (input.recordId === undefined), {
    message: 'recordType and recordId go together',
    path: ['recordId'],
  });

export const getItemToolInput = z.object({ id: idSchema.check(z.describe('The review item id (ri_...)')) });

export const getItemToolOutput = z.object({
  item: reviewItemSchema,
  history: z.array(historyEntrySchema).describe('Every change of the item, oldest first'),
  origin: originSchema,
});

export const statsToolInput = z.object({ automationId: idSchema.check(z.describe('The automation id')) });

export const feedbackToolInput = z.object({
  automationId: idSchema.check(z.describe('The automation id (list_automations turns a name into it)')),
  automationVersion: z
    .string()
    .max(64)
    .optional()
    .describe('Only this version (as the runs gave it); default every version, oldest first'),
});

/**
 * The compact output schemas of tools/list. The full ones describe every field of an item and every kind of
 * draft (about 45 KB for the two item tools), which an agent would carry in every conversation; the text answer
 * already reads each field out. These keep the fields an agent picks items by and allow the rest.
 */
const listedItem = reviewItemSchema
  .pick({ id: true, type: true, reason: true })
  .extend({
    status: z.enum(reviewItemSchema.shape.status.options),
    version: z.number(),
    draft: z.looseObject({}).describe('Its fields depend on type'),
    origin: z.looseObject({ automationId: z.string(), automationName: z.string().nullable() }),
    reviewers: z.array(z.string()),
    createdAt: z.string(),
  })
  .loose()
  .describe('A review item as the HTTP API answers it (docs/openapi.json)');

const listedItemList = z.object({
  items: z.array(listedItem),
  nextCursor: reviewItemListSchema.shape.nextCursor,
});

const listedItemWithHistory = z.object({
  item: listedItem,
  history: z
    .array(z.looseObject({ action: z.string(), at: z.string(), version: z.number() }))
    .describe('Every change of the item, oldest first'),
  origin: z.looseObject({}).describe("The item's origin in full: automation, run, step, run link"),
});

const listedFeedback = z.object({
  automationId: z.string(),
  automationName: z.string().nullable(),
  versions: z
    .array(
      z.looseObject({
        automationVersion: z.string().nullable(),
        proposals: z.number(),
        approvalRate: z.number().nullable(),
        dismissRate: z.number().nullable(),
      }),
    )
    .describe('One entry per automation version, oldest first, with every count and rate'),
  latestDismissNotes: z.array(z.looseObject({ itemId: z.string(), note: z.string() })),
});

export const automationsToolInput = z.object({
  limit: z
    .optional(pageQuerySchema.shape.limit._zod.def.innerType)
    .describe('Page size, 1 to 100 (default 25)'),
  cursor: pageQuerySchema.shape.cursor.check(z.describe('nextCursor of the previous page')),
});

export const TOOLS: readonly ToolDefinition[] = [
  defineTool({
    name: 'list_review_items',
    title: 'List review items',
    description:
      'Open review items, newest first: pending (waiting for review), send_unknown (a send whose outcome is ' +
      'unknown) and apply_unknown (a record change the CRM never answered). Filter by automation (id or name), ' +
      'by CRM record, by status; scope mine (your queue) or workspace (every open item you may see, the items ' +
      'list_automations counts; the default with an automation or a record). Returns a page and a cursor for ' +
      'the next one.',
    input: listToolInput,
    output: reviewItemListSchema,
    listedOutput: listedItemList,
    run: ({ deps, caller }, input) => listByName(deps, caller, input),
    describe: describeList,
  }),
  defineTool({
    name: 'get_review_item',
    title: 'Get a review item',
    description:
      'One review item: its draft, reason, related records and reviewers, its history (oldest first) and its ' +
      'origin: the automation, run, step and a link to the run.',
    input: getItemToolInput,
    output: getItemToolOutput,
    listedOutput: listedItemWithHistory,
    run: async ({ deps, caller }, { id }) => {
      const { item, history } = await getItemWithHistory(deps, caller, id);
      return { item, history, origin: item.origin };
    },
    describe: describeItem,
  }),
  defineTool({
    name: 'review_stats',
    title: 'Review stats of an automation',
    description:
      'How the proposals of one automation fared in review: proposed, replaced, approved as proposed or ' +
      'after edits, dismissed, resolved elsewhere, expired, dropped, and the median time to a decision. ' +
      'Counts only the runs you may see.',
    input: statsToolInput,
    output: reviewStatsSchema,
    run: ({ deps, caller }, { automationId }) => reviewStats(deps, caller, automationId),
    describe: describeStats,
  }),
  defineTool({
    name: 'list_automations',
    title: 'List automations',
    description:
      'The automations that have proposed drafts for review in this workspace: id, latest name, and how many of ' +
      'their items are open that you may see (list_review_items with the automation lists them). Use it to turn a name ("the renewal automation", "renewal drafts") into the ' +
      'automationId the other tools take.',
    input: automationsToolInput,
    output: automationListSchema,
    run: ({ deps, caller }, { limit, cursor }) =>
      listAutomations(deps, caller, { limit: limit ?? 25, ...(cursor ? { cursor } : {}) }),
    describe: describeAutomations,
  }),
  defineTool({
    name: 'automation_feedback',
    title: 'Review feedback of an automation, per version',
    description:
      "What reviewers did with one automation's drafts, split by automation version (oldest first): proposals, " +
      'approval rate, approved without edits, dismissals by reason code (not_needed, wrong_recipient, ' +
      'wrong_record, already_handled, wrong_timing, incorrect, tone, duplicate, other), which fields reviewers ' +
      'edit and how much of the body they change, addresses added and removed, stale, resolved-elsewhere and ' +
      'expired rates, and the latest dismiss notes with their item ids (open one with get_review_item). Use it ' +
      "to answer why an automation's drafts are dismissed or edited, and whether a newer version did better " +
      'than an older one (compare their rates), and per step whether it could apply directly (how often it needed ' +
      'a human, 95% bound). Counts only the runs you may see.',
    input: feedbackToolInput,
    output: reviewFeedbackSchema,
    listedOutput: listedFeedback,
    run: async ({ deps, caller }, { automationId, automationVersion }) => {
      const feedback = await reviewFeedback(deps, caller, automationId);
      if (automationVersion === undefined) return feedback;
      return {
        ...feedback,
        versions: feedback.versions.filter((v) => v.automationVersion === automationVersion),
        latestDismissNotes: feedback.latestDismissNotes.filter(
          (n) => n.automationVersion === automationVersion,
        ),
      };
    },
    describe: describeFeedback,
  }),
  defineTool({
    name: 'who_is_away',
    title: 'Who is away and who covers',
    description:
      'Members of your workspace out of office now: until when, and who covers (reviews their items)',
    input: z.object({}),
    output: awayListSchema,
    listedOutput: z.object({ away: z.array(z.looseObject({ userId: z.string(), coveredBy: z.string() })) }),
    run: ({ deps, caller }) => whoIsAway(deps, caller),
    describe: describeAway,
  }),
];

// ---------------------------------------------------------------- text for the model

type ListAnswer = z.output<typeof reviewItemListSchema>;
type ItemAnswer = z.output<typeof getItemToolOutput>;

/** `1 proposal`, `2 proposals`. */
const counting = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const times = (n: number) => (n === 1 ? 'once' : `${n} times`);

const automationOf = (origin: { automationId: string; automationName: string | null }) =>
  origin.automationName ? `${origin.automationName} (${origin.automationId})` : origin.automationId;

function describeList({ items, nextCursor }: ListAnswer): string {
  const lines = [
    items.length === 0
      ? 'No review items match. Scope mine holds only the items you review: scope workspace lists every open ' +
        'item you may see.'
      : `${counting(items.length, 'review item')}, newest first:`,
  ];
  for (const item of items) {
    lines.push(
      `- ${item.id} [${item.status}, version ${item.version}] ${headlineOf(item.draft)}; automation ${automationOf(item.origin)}, run ` +
        `${item.origin.runId}; created ${item.createdAt}; reviewers ${item.reviewers.join(', ')}${awayText(item.away)}` +
        overdueText(item.overdue, '; '),
    );
  }
  if (nextCursor) lines.push(`More items: call again with cursor "${nextCursor}" and the same filters.`);
  return lines.join('\n');
}

/** The overdue mark (spec 3, Overdue and escalation), or nothing. */
const overdueText = (overdue: { since: string } | null, separator: string) =>
  overdue ? `${separator}OVERDUE since ${overdue.since}` : '';

function describeItem({ item, history, origin }: ItemAnswer): string {
  const { draft } = item;
  const records = item.relatedRecords
    .map((r) => `${r.type} ${r.id}${r.name ? ` (${r.name})` : ''}`)
    .join(', ');
  const runAs = origin.executedAs.kind === 'user' ? `user ${origin.executedAs.userId}` : 'the workspace';
  const lines = [
    `Review item ${item.id}: ${item.status}, version ${item.version}${item.edited ? ', edited by a reviewer' : ''}.`,
    `Reason: ${item.reason}`,
    `Origin: automation ${automationOf(origin)}, run ${origin.runId}, step ${origin.stepId}, executed as ${runAs}` +
      `${origin.runUrl ? `; run link ${origin.runUrl}` : ''}.`,
    `Related records: ${records || 'none'}. Reviewers: ${item.reviewers.join(', ')}${awayText(item.away)}.${overdueText(item.overdue, ' ')}`,
  ];
  if (item.decision) {
    lines.push(
      `Decision: ${item.decision.action}${item.decision.by ? ` by ${item.decision.by}` : ''} at ${item.decision.at}.`,
    );
  }
  if (item.conflicts?.length || item.hiddenConflicts) {
    const named = (item.conflicts ?? []).map(
      (c) =>
        `${c.field} (item ${c.itemId} proposes ${c.proposed.op} ` +
        `${c.proposed.values ? c.proposed.values.join(', ') : JSON.stringify(c.proposed.after)})`,
    );
    if (item.hiddenConflicts) named.push(`${item.hiddenConflicts} more with drafts you may not see`);
    lines.push(
      `Conflicts: other open drafts of the record propose different results: ${named.join('; ')}. A plain ` +
        'approve of those fields answers 409.',
    );
  }
  if (item.lastSendError)
    lines.push(`Last send error: ${item.lastSendError.code}: ${item.lastSendError.message}`);
  if (item.apply)
    lines.push(
      `Approved by ${item.apply.by}: the CRM was asked to apply ${item.apply.fields.join(', ')} (applyId ` +
        `${item.apply.applyId}, published ${times(item.apply.publications)}).`,
    );
  if (item.lastApplyError)
    lines.push(`Last apply error: ${item.lastApplyError.reason}: ${item.lastApplyError.message}`);
  lines.push(describeDraft(draft));
  lines.push('', 'History:');
  for (const entry of history) {
    lines.push(`- ${entry.at} ${entry.action} by ${actorText(entry.actor)} (version ${entry.version})`);
  }
  return lines.join('\n');
}

/** Reviewers away with nobody covering for them on this item (their delegate may not see it). */
const awayText = (away: { userId: string; until: string }[]) =>
  away.length === 0
    ? ''
    : `; away, nobody covering here: ${away.map((mark) => `${mark.userId} until ${mark.until}`).join(', ')}`;

function describeAway({ away }: z.output<typeof awayListSchema>): string {
  if (away.length === 0) return 'Nobody in your workspace is away.';
  return [
    `${counting(away.length, 'member')} away:`,
    ...away.map(
      (a) => `- ${a.userId} until ${a.until}, covered by ${a.coveredBy}${a.note ? ` (note: ${a.note})` : ''}`,
    ),
  ].join('\n');
}

function actorText(actor: ItemAnswer['history'][number]['actor']): string {
  if (actor.kind === 'user') return `user ${actor.userId}`;
  if (actor.kind === 'automation') return `automation run ${actor.runId}`;
  return `the system (${actor.reason})`;
}

function describeStats(stats: ReviewStats): string {
  const median =
    stats.medianSecondsToDecision === null
      ? 'no decision yet'
      : `${Math.round(stats.medianSecondsToDecision)} s`;
  return (
    `Automation ${stats.automationName ? `${stats.automationName} (${stats.automationId})` : stats.automationId}: ` +
    `${stats.proposed} proposed, ${stats.replaced} replaced by a newer proposal, ${stats.dropped} dropped; ` +
    `${stats.decided} decided: ${stats.approvedAsProposed} approved as proposed, ${stats.approvedAfterEdits} ` +
    `approved after edits, ${stats.dismissed} dismissed, ${stats.resolvedElsewhere} resolved elsewhere, ` +
    `${stats.expired} expired. Median time to decision: ${median}. Counts only the runs you may see.`
  );
}

function describeAutomations({ items, nextCursor }: z.output<typeof automationListSchema>): string {
  const lines = [
    items.length === 0
      ? 'No automation has proposed a draft yet.'
      : `${counting(items.length, 'automation')}:`,
  ];
  for (const a of items)
    lines.push(
      `- ${a.automationName ? `${a.automationName} (${a.automationId})` : a.automationId}: ` +
        `${counting(a.openItems, 'open item')} you may see`,
    );
  if (nextCursor) lines.push(`More: call again with cursor "${nextCursor}".`);
  return lines.join('\n');
}

const percent = (rate: number) => `${Math.round(rate * 100)}%`;
const counted = (counts: Record<string, number>) =>
  Object.entries(counts)
    .sort(([, a], [, b]) => b - a)
    .map(([name, n]) => `${name} ${n}`)
    .join(', ') || 'none';

/** One version's line: the rates it has (a rate over nothing is left out, never "n/a"). */
function describeVersion(v: ReviewFeedback['versions'][number]): string {
  const decided =
    v.approvalRate === null
      ? 'none decided yet'
      : `${v.decided} decided: approved ${percent(v.approvalRate)}` +
        (v.approvedWithoutEditsRate === null
          ? ''
          : ` (${percent(v.approvedWithoutEditsRate)} of those without edits)`) +
        `, dismissed ${percent(v.dismissRate ?? 0)}, resolved elsewhere ${percent(v.resolvedRate ?? 0)}, ` +
        `expired ${percent(v.expiredRate ?? 0)}`;
  const stale = v.staleRate === null ? '' : `; stale ${percent(v.staleRate)} of proposals`;
  const body =
    v.edits.meanBodyChangeRatio === null
      ? 'body never changed'
      : `body changed by ${percent(v.edits.meanBodyChangeRatio)} on average`;
  return (
    `- version ${v.automationVersion ?? '(none given)'}: ${counting(v.proposals, 'proposal')}, ${decided}${stale}. ` +
    `Dismiss reasons: ${counted(v.dismissReasons)}. ${counting(v.edits.count, 'edit')}; fields edited: ` +
    `${counted(v.edits.fields)}; ${counting(v.edits.addressesAdded, 'address', 'addresses')} added, ` +
    `${v.edits.addressesRemoved} removed, subject changed ${times(v.edits.subjectChanged)}, ${body}.`
  );
}

/** A bound in words, to a tenth of a percent: a rounded 0% would claim more than the numbers prove. */
const bound = (rate: number) => `${(Math.round(rate * 1000) / 10).toFixed(1)}%`;

/**
 * Each step's trust in words (spec 3, "Trust"): which could apply directly and why, which keep needing people and
 * what people do with them: the seed of asking the agent to adjust the automation. Advice only.
 */
function describeSteps(v: ReviewFeedback['versions'][number]): string[] {
  return v.steps.map((step) => {
    const head =
      `  - step ${step.stepId} (${step.draftType}): ${step.neededHuman} of ${counting(step.decisions, 'decision')} ` +
      `needed a human (${step.dismissed} dismissed, ${step.neededHuman - step.dismissed} approved after edits or ` +
      `in part); with 95% confidence the true rate is at most ${bound(step.upperBound)}.`;
    if (step.recommendation === 'apply_directly')
      return `${head} It could apply directly: enough decisions, and the bound is within the workspace's limit.`;
    const people =
      step.neededHuman === 0
        ? 'no decision needed a human so far, but there are too few decisions to prove the rate low enough'
        : `people keep changing it (fields edited in this version: ${counted(v.edits.fields)}; dismiss reasons: ` +
          `${counted(v.dismissReasons)})`;
    return `${head} Keep reviewing: ${people}.`;
  });
}

function describeFeedback(feedback: ReviewFeedback): string {
  const name = feedback.automationName
    ? `${feedback.automationName} (${feedback.automationId})`
    : feedback.automationId;
  if (feedback.versions.length === 0)
    return `Automation ${name}: no review feedback in the runs you may see.`;
  const lines = [`Review feedback of automation ${name}, per version, oldest first (only runs you may see):`];
  for (const v of feedback.versions) {
    lines.push(describeVersion(v));
    lines.push(...describeSteps(v));
  }
  if (feedback.latestDismissNotes.length > 0) {
    lines.push('Latest dismiss notes, newest first:');
    for (const note of feedback.latestDismissNotes)
      lines.push(
        `- ${note.at} item ${note.itemId} (version ${note.automationVersion ?? 'none'}, reason ` +
          `${note.reason ?? 'none'}): ${note.note}`,
      );
  }
  return lines.join('\n');
}
