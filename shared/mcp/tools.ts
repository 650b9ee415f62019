/**
 * The agent's tools, one definition each: name, texts, zod input and output schemas, what it runs and how its
 * answer reads to a model. shared/mcp/server.ts registers every entry of TOOLS on the SDK's McpServer; adding a
 * tool is adding an entry here.
 *
 * Every tool is read-only and calls the use cases (the HTTP routes' read-items.ts, review-stats.ts, and the list by
 * automation name, list-by-name.ts) as the caller from the JWT, so an agent sees exactly what its user may see (`canSee`, the one visibility rule).
 * Output schemas are the HTTP API's response schemas (shared/domain/responses.ts), so `structuredContent` is
 * what the matching route answers.
 */
import * as z from 'zod';
import {
  automationListSchema,
  historyEntrySchema,
  openStatusSchema,
  originSchema,
  reviewFeedbackSchema,
  reviewItemListSchema,
  reviewItemSchema,
  reviewStatsSchema,
} from '../domain/responses.js';
import { idSchema, listQuerySchema, pageQuerySchema, relatedRecordSchema } from '../domain/schemas.js';
import { describeDraft, headlineOf } from '../drafts/index.js';
import type { Caller } from '../http/request.js';
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
  /** The JSON Schema of `structuredContent` in tools/list; every answer is checked against it before it leaves. */
  output: O;
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
        'mine: items you review; workspace: every open item you may see. Default: mine, or workspace with a record',
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
      'Open review items (pending, or with a send of unknown outcome), newest first. Filter by automation (id ' +
      'or name), by CRM record, by status; scope mine (your queue) or workspace (everything you may see). ' +
      'Returns a page and a cursor for the next one.',
    input: listToolInput,
    output: reviewItemListSchema,
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
      'their items are open for you. Use it to turn a name ("the renewal automation", "renewal drafts") into the ' +
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
      'than an older one (compare their rates). Counts only the runs you may see.',
    input: feedbackToolInput,
    output: reviewFeedbackSchema,
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
];

// ---------------------------------------------------------------- text for the model

type ListAnswer = z.output<typeof reviewItemListSchema>;
type ItemAnswer = z.output<typeof getItemToolOutput>;

const automationOf = (origin: { automationId: string; automationName: string | null }) =>
  origin.automationName ? `${origin.automationName} (${origin.automationId})` : origin.automationId;

function describeList({ items, nextCursor }: ListAnswer): string {
  const lines = [
    items.length === 0 ? 'No review items match.' : `${items.length} review item(s), newest first:`,
  ];
  for (const item of items) {
    lines.push(
      `- ${item.id} [${item.status}, version ${item.version}] ${headlineOf(item.draft)}; automation ${automationOf(item.origin)}, run ` +
        `${item.origin.runId}; created ${item.createdAt}; reviewers ${item.reviewers.join(', ')}`,
    );
  }
  if (nextCursor) lines.push(`More items: call again with cursor "${nextCursor}" and the same filters.`);
  return lines.join('\n');
}

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
    `Related records: ${records || 'none'}. Reviewers: ${item.reviewers.join(', ')}.`,
  ];
  if (item.decision) {
    lines.push(
      `Decision: ${item.decision.action} by ${item.decision.by ?? 'no reviewer'} at ${item.decision.at}.`,
    );
  }
  if (item.lastSendError)
    lines.push(`Last send error: ${item.lastSendError.code}: ${item.lastSendError.message}`);
  if (item.apply)
    lines.push(
      `Approved by ${item.apply.by}: the CRM was asked to apply ${item.apply.fields.join(', ')} (applyId ` +
        `${item.apply.applyId}, published ${item.apply.publications} time(s)).`,
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
    items.length === 0 ? 'No automation has proposed a draft yet.' : `${items.length} automation(s):`,
  ];
  for (const a of items)
    lines.push(
      `- ${a.automationName ? `${a.automationName} (${a.automationId})` : a.automationId}: ${a.openItems} open for you`,
    );
  if (nextCursor) lines.push(`More: call again with cursor "${nextCursor}".`);
  return lines.join('\n');
}

const percent = (rate: number | null) => (rate === null ? 'n/a' : `${Math.round(rate * 100)}%`);
const counted = (counts: Record<string, number>) =>
  Object.entries(counts)
    .sort(([, a], [, b]) => b - a)
    .map(([name, n]) => `${name} ${n}`)
    .join(', ') || 'none';

function describeFeedback(feedback: ReviewFeedback): string {
  const name = feedback.automationName
    ? `${feedback.automationName} (${feedback.automationId})`
    : feedback.automationId;
  if (feedback.versions.length === 0)
    return `Automation ${name}: no review feedback in the runs you may see.`;
  const lines = [`Review feedback of automation ${name}, per version, oldest first (only runs you may see):`];
  for (const v of feedback.versions) {
    lines.push(
      `- version ${v.automationVersion ?? '(none given)'}: ${v.proposals} proposals, ${v.decided} decided; ` +
        `approved ${percent(v.approvalRate)} (${percent(v.approvedWithoutEditsRate)} of those without edits), ` +
        `dismissed ${percent(v.dismissRate)}, resolved elsewhere ${percent(v.resolvedRate)}, expired ` +
        `${percent(v.expiredRate)}, stale ${percent(v.staleRate)} of proposals. Dismiss reasons: ` +
        `${counted(v.dismissReasons)}. ${v.edits.count} edits; fields edited: ${counted(v.edits.fields)}; ` +
        `${v.edits.addressesAdded} addresses added, ${v.edits.addressesRemoved} removed, subject changed ` +
        `${v.edits.subjectChanged} times, body changed by ${percent(v.edits.meanBodyChangeRatio)} on average.`,
    );
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
