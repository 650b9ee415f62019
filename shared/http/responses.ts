/**
 * zod schemas for everything that goes out: the item as the API presents it (read-items.ts `presentItem`), lists,
 * the summary, history, review stats, the webhook's answer, problem details. The OpenAPI document
 * (shared/openapi/document.ts) and the MCP tools' output schemas (shared/mcp/server.ts) are generated from these;
 * the tests validate real responses against the generated document. Inputs stay in domain/primitives.ts and the
 * drafts, and are reused here where a response carries them back (a draft, related records, the run identity).
 */
import * as z from 'zod';
import { executedAsSchema, isoTimeSchema, relatedRecordSchema } from '../domain/primitives.js';
import {
  DISMISS_REASONS,
  HISTORY_ACTIONS,
  type HistoryAction,
  HOLD_CANCEL_REASONS,
  REVIEW_STATUSES,
  type ReviewStatus,
} from '../domain/review-item.js';
import { draftPreviewSchema, draftSchema, draftTypeSchema } from '../drafts/index.js';

export const reviewStatusSchema = z
  .enum(REVIEW_STATUSES)
  .describe(
    'pending: waits for a reviewer. sending: an approval is sending it. sent: approved and sent. send_unknown: a ' +
      'send whose outcome is unknown (never resent automatically). scheduled: approved under the send hold, ' +
      'executed at hold.executeAt unless undone or cancelled first. applying: an approved record change the CRM ' +
      'has not answered yet. applied: the CRM applied it. apply_unknown: the CRM never answered (approve again ' +
      'or dismiss). dismissed, resolved (handled elsewhere, or every change already holds), expired: decided.',
  ) satisfies z.ZodType<ReviewStatus>;

/** The statuses an open item (one in its reviewers' queues) can have. */
export const openStatusSchema = z.enum([
  'pending',
  'send_unknown',
  'apply_unknown',
]) satisfies z.ZodType<ReviewStatus>;

const userIdSchema = z.string().min(1);

export const permissionsSchema = z
  .object({ canEdit: z.boolean(), canApprove: z.boolean(), canDismiss: z.boolean() })
  .describe('What the caller may do to the item now');

export const originSchema = z
  .object({
    automationId: z.string(),
    automationName: z.string().nullable(),
    runId: z.string(),
    stepId: z.string(),
    runUrl: z.string().nullable().describe('A link to the run that proposed the draft'),
    executedAs: executedAsSchema,
    automationVersion: z
      .string()
      .nullable()
      .describe("The automation's version or config hash the run used; review feedback is split by it"),
  })
  .describe('Where the draft came from: the automation, its run and step, and who the run executed as');

export const decisionSchema = z
  .object({
    action: z.enum(['approved', 'dismissed', 'resolved', 'expired']),
    by: userIdSchema
      .nullable()
      .describe('The user who acted; null when no reviewer acted (resolved, expired)'),
    at: isoTimeSchema,
    messageId: z
      .string()
      .optional()
      .describe('The SES message id (approved) or the provider message id (resolved)'),
    note: z.string().optional(),
    reason: z.enum(DISMISS_REASONS).optional().describe("A dismissal's reason code"),
    recordVersion: z.string().optional().describe("A record update applied: the record's version after it"),
    recordId: z.string().optional().describe("A record creation applied: the new record's id"),
    fields: z
      .array(z.string())
      .optional()
      .describe('A record draft approved in part: the changes (or fields) that were applied'),
  })
  .describe('How the item left the queue');

export const staleSchema = z
  .object({
    reason: z.string(),
    at: isoTimeSchema.check(z.describe('When the message arrived')),
    messageId: z.string().optional().describe("The provider's message id of the message that arrived"),
  })
  .describe(
    'A message arrived on the email thread after the draft was proposed: it may no longer fit the conversation. ' +
      'Approving needs "acknowledgeStale": true; a replacing proposal clears it.',
  );

export const overdueSchema = z
  .object({
    since: isoTimeSchema.check(z.describe('When it became overdue: createdAt + overdueAfterMinutes')),
  })
  .describe(
    "The item waited longer than the workspace's overdueAfterMinutes (spec 3, Overdue and escalation)",
  );

export const draftDiffSchema = z
  .object({
    fields: z.array(z.string()).describe('The draft fields the edit changed'),
    addressesAdded: z.array(z.string()).optional(),
    addressesRemoved: z.array(z.string()).optional(),
    subjectChanged: z.boolean().optional(),
    bodyChangeRatio: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe('How much of the text body changed, 0 to 1'),
    changesEdited: z.array(z.string()).optional().describe('A record draft: the changes the reviewer edited'),
    changesLeftOut: z
      .array(z.string())
      .optional()
      .describe('A record draft: the changes the reviewer left out'),
  })
  .describe('What an edit changed');

export const applySchema = z
  .object({
    applyId: z.string().describe("The command's idempotency key: the CRM applies each applyId at most once"),
    by: userIdSchema,
    claimedAt: isoTimeSchema,
    fields: z.array(z.string()).describe('The changes (or fields) approved'),
    publications: z.number().int().min(1).describe('How many times the command was published'),
  })
  .describe("For a record draft: the approved change's command to the CRM (Record Change Approved)");

export const applyErrorSchema = z
  .object({
    reason: z.enum(['conflict', 'invalid', 'not_found', 'forbidden', 'unanswered']),
    message: z.string(),
    at: isoTimeSchema,
  })
  .describe(
    'Why the CRM did not apply the last approval (or that it never answered), shown until the next one',
  );

export const sendErrorSchema = z.object({ code: z.string(), message: z.string(), at: isoTimeSchema });

export const deliverySchema = z
  .object({
    status: z.enum(['delivered', 'bounced', 'complained', 'rejected', 'rendering_failed']),
    at: isoTimeSchema.check(z.describe('When SES saw it happen')),
    detail: z.string().optional().describe('What SES said: bounce type, complaint type, recipients'),
  })
  .describe("The latest delivery report SES sent for the item's email");

/** The whole draft, as proposed and edited (one item, its history), and a list's copy of it (no bodies). */
export { draftPreviewSchema, draftSchema };

const conflictMarkSchema = z.object({
  itemId: z.string().describe('The other open item'),
  field: z.string(),
  proposed: z
    .object({
      op: z.enum(['set', 'set_if_empty', 'add', 'remove']),
      after: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
      values: z.array(z.string()).optional(),
    })
    .describe('What the other draft proposes for the field (long values shortened)'),
});

const awayMarkSchema = z.object({ userId: userIdSchema, until: isoTimeSchema });

function itemSchemaWith<D extends z.core.$ZodType>(draft: D) {
  return z.object({
    id: z.string(),
    workspaceId: z.string(),
    type: draftTypeSchema,
    status: reviewStatusSchema,
    version: z
      .number()
      .int()
      .min(1)
      .describe('Increases with every change; send it back to edit, approve or dismiss'),
    draft,
    edited: z.boolean().describe('Whether a reviewer changed the draft since it was proposed'),
    reason: z.string().describe('Why the automation proposed it'),
    relatedRecords: z.array(relatedRecordSchema),
    origin: originSchema,
    reviewers: z.array(userIdSchema),
    permissions: permissionsSchema,
    proposedAt: isoTimeSchema,
    expiresAt: z.nullable(isoTimeSchema),
    createdAt: isoTimeSchema,
    updatedAt: isoTimeSchema,
    decision: decisionSchema.nullable(),
    lastSendError: sendErrorSchema.nullable().describe('The last failed send, shown until the next one'),
    delivery: deliverySchema.nullable().describe('For a sent email: what became of it, once SES reports it'),
    stale: staleSchema.nullable(),
    overdue: overdueSchema.nullable(),
    apply: applySchema.nullable(),
    lastApplyError: applyErrorSchema.nullable(),
    hold: z
      .object({
        executeAt: isoTimeSchema,
        by: userIdSchema,
      })
      .nullable()
      .describe(
        "A scheduled item: who approved it and when the approval executes (the workspace's sendHoldSeconds after it), unless undone or cancelled first",
      ),
    holdCancelled: z
      .object({
        reason: z.enum(HOLD_CANCEL_REASONS),
        at: isoTimeSchema,
      })
      .nullable()
      .describe(
        'The last hold cancelled on its own (reply, drift, replaced, approver_removed): pending again; cleared by the next approval',
      ),
    conflicts: z
      .array(conflictMarkSchema)
      .nullable()
      .describe(
        'A record update: the fields other open drafts of the record you may see propose different results for ' +
          '(a plain approve of one answers 409; acknowledgeConflicts approves). Read for one item ' +
          '(GET /review-items/{id}); null in lists and for kinds whose drafts cannot conflict',
      ),
    hiddenConflicts: z
      .number()
      .int()
      .min(0)
      .nullable()
      .describe('How many more such conflicts are with drafts you may not see; null where conflicts is'),
    away: z
      .array(awayMarkSchema)
      .describe(
        'Reviewers who are out of office and whose delegate may not see this item (run privacy): nobody covers ' +
          'for them here until `until`',
      ),
  });
}

/** One item with its whole draft: GET /review-items/{id} and the answers of edit, approve and dismiss. */
export const reviewItemSchema = itemSchemaWith(draftSchema);
/** An item in a list: the draft without its bodies. */
export const reviewItemSummarySchema = itemSchemaWith(draftPreviewSchema);

export const reviewItemListSchema = z.object({
  items: z.array(reviewItemSummarySchema),
  nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page'),
});

export const reviewSummarySchema = z.object({
  pendingCount: z.number().int().min(0),
  overdueCount: z.number().int().min(0).describe('Of the pending items, those overdue'),
  byAutomation: z.array(
    z.object({
      automationId: z.string(),
      automationName: z.string().nullable(),
      count: z.number().int().min(1),
    }),
  ),
  latest: z.array(reviewItemSummarySchema),
});

export const actorSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('user'), userId: userIdSchema }),
  z.object({ kind: z.literal('automation'), runId: z.string() }),
  z.object({ kind: z.literal('system'), reason: z.string() }),
]);

export const historyEntrySchema = z.object({
  action: z.enum(HISTORY_ACTIONS) satisfies z.ZodType<HistoryAction>,
  actor: actorSchema,
  at: isoTimeSchema,
  runId: z.string().describe('The run that proposed the draft at the time of this change'),
  version: z.number().int().min(1).describe('The item version after the change'),
  status: reviewStatusSchema,
  draft: z.optional(draftSchema).describe('The draft after the change (created, replaced, edited, approved)'),
  detail: z.record(z.string(), z.string()).optional(),
  diff: draftDiffSchema.optional().describe('For an edit: what it changed'),
});

export const historySchema = z.object({ items: z.array(historyEntrySchema).describe('Oldest first') });

const count = z.number().int().min(0);
export const reviewStatsSchema = z
  .object({
    automationId: z.string(),
    automationName: z.string().nullable(),
    proposed: count.describe('Items created from a proposal'),
    replaced: count.describe('Newer proposals that replaced a pending item in place'),
    approvedAsProposed: count,
    approvedAfterEdits: count,
    dismissed: count,
    resolvedElsewhere: count.describe('Sent or discarded in the email provider; no reviewer acted'),
    expired: count,
    dropped: count.describe('Proposals that became no item: no reviewer, or already expired'),
    decided: count.describe(
      'approvedAsProposed + approvedAfterEdits + dismissed + resolvedElsewhere + expired',
    ),
    medianSecondsToDecision: z
      .number()
      .min(0)
      .nullable()
      .describe('Median time from item creation to its decision; null when nothing was decided'),
  })
  .describe("An automation's review outcomes, over the runs the caller may see (docs/review-stats.md)");

export const webhookAnswerSchema = z.object({
  resolved: z.number().int().min(0).describe('Items resolved: sent or discarded elsewhere'),
  stale: z.number().int().min(0).describe('Items marked stale: a message arrived on their thread'),
});

export const healthSchema = z.object({
  status: z.enum(['ok', 'unavailable']),
  table: z.string().optional(),
  checks: z.record(z.string(), z.string()).optional(),
});

/** RFC 9457 problem details; further members are allowed (extensions). */
export const problemSchema = z.looseObject({
  type: z.string().describe('A URI naming the kind of problem'),
  title: z.string(),
  status: z.number().int().min(400).max(599),
  detail: z.string(),
});

export const validationProblemSchema = problemSchema.extend({
  errors: z.array(z.object({ path: z.string(), message: z.string() })).describe('What is wrong, and where'),
});

const currentSchema = z.object({ status: z.string(), version: z.number().int().min(0) });

export const conflictProblemSchema = problemSchema.extend({
  current: currentSchema.describe("The item's status and version now"),
});

export const sendFailedProblemSchema = problemSchema.extend({
  item: reviewItemSchema.describe(
    'The item after the failed send: pending again (502) or send_unknown (504)',
  ),
  current: currentSchema,
});

/** API Gateway's own answers (no or bad token, no such route): `{"message": "Unauthorized"}`. */
export const gatewayMessageSchema = z.object({ message: z.string() });

export const automationListSchema = z.object({
  items: z.array(
    z.object({
      automationId: z.string(),
      automationName: z.string().nullable().describe('The name its latest proposal carried'),
      openItems: z
        .number()
        .int()
        .min(0)
        .describe('Open items of this automation the caller may see (pending or send outcome unknown)'),
    }),
  ),
  nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page'),
});

/** POST /review-items/bulk: each item's own outcome, as its single route would have answered it. */
export const bulkAnswerSchema = z.object({
  results: z
    .array(
      z.object({
        id: z.string(),
        status: z
          .number()
          .int()
          .describe('The HTTP status the single route would have answered for this item'),
        item: reviewItemSchema.optional().describe('The item after the decision (status 200)'),
        problem: problemSchema
          .optional()
          .describe('Why this item was not decided (RFC 9457 problem details)'),
      }),
    )
    .describe('One result per requested item, in the order requested'),
});

const rateSchema = z.number().min(0).max(1).nullable();
const countsByName = z.record(z.string(), count);

export const versionFeedbackSchema = z.object({
  automationVersion: z
    .string()
    .nullable()
    .describe('The automationVersion the runs carried; null for runs that gave none'),
  firstSeenAt: z.nullable(isoTimeSchema).describe('When this version first counted (its first proposal)'),
  lastSeenAt: z.nullable(isoTimeSchema),
  proposals: count.describe(
    'created + replaced: every proposal of this version that became or replaced an item',
  ),
  created: count,
  replaced: count,
  decided: count.describe('approved + dismissed + resolved + expired'),
  approved: count,
  approvedAsProposed: count.describe('Approved without a reviewer edit'),
  approvedAfterEdits: count,
  dismissed: count,
  resolved: count.describe('Sent or discarded in the email provider; no reviewer acted'),
  expired: count,
  stale: count.describe('Marked stale: a message arrived on the thread after the draft was proposed'),
  approvalRate: rateSchema.describe('approved / decided'),
  approvedWithoutEditsRate: rateSchema.describe('approvedAsProposed / approved'),
  dismissRate: rateSchema.describe('dismissed / decided'),
  staleRate: rateSchema.describe('stale / proposals'),
  resolvedRate: rateSchema.describe('resolved / decided'),
  expiredRate: rateSchema.describe('expired / decided'),
  dismissReasons: countsByName.describe('Dismissals by reason code ("none": dismissed without a reason)'),
  edits: z.object({
    count: count.describe('Reviewer edits'),
    fields: countsByName.describe(
      'Edits that changed each draft field (to, cc, bcc, subject, bodyText, ...)',
    ),
    addressesAdded: count.describe('Recipients reviewers added, over all edits'),
    addressesRemoved: count.describe('Recipients reviewers removed, over all edits'),
    subjectChanged: count.describe('Edits that changed the subject'),
    bodyEdits: count.describe('Edits that changed the text body'),
    meanBodyChangeRatio: rateSchema.describe('How much of the body those edits changed, on average (0-1)'),
    changesEdited: count.describe('Record drafts: changes reviewers edited'),
    changesLeftOut: count.describe('Record drafts: changes reviewers left out'),
  }),
  steps: z
    .array(
      z.object({
        stepId: z.string(),
        draftType: z.string(),
        decisions: count.describe('Approved or dismissed (not resolved, expired or undone)'),
        neededHuman: count.describe('Dismissed, or approved after edits or in part'),
        dismissed: count.describe('Of neededHuman, dismissed'),
        neededHumanRate: rateSchema.describe('neededHuman / decisions'),
        upperBound: z
          .number()
          .min(0)
          .max(1)
          .describe('One-sided 95% Clopper–Pearson upper bound of neededHumanRate (1 without decisions)'),
        recommendation: z
          .enum(['apply_directly', 'keep_reviewing'])
          .describe(
            "apply_directly: at least the workspace's trust.minDecisions decisions and upperBound at most its " +
              'trust.maxHumanRate. Advice only: nothing is routed or approved by it',
          ),
      }),
    )
    .describe(
      'Per step and draft type of this version: how often a draft needed a human, with a proven bound',
    ),
});

export const dismissNoteSchema = z.object({
  itemId: z.string(),
  automationVersion: z.string().nullable(),
  reason: z.enum(DISMISS_REASONS).nullable(),
  note: z.string(),
  by: userIdSchema,
  at: isoTimeSchema,
});

export const reviewFeedbackSchema = z
  .object({
    automationId: z.string(),
    automationName: z.string().nullable(),
    versions: z.array(versionFeedbackSchema).describe('One entry per automation version, oldest first'),
    latestDismissNotes: z.array(dismissNoteSchema).max(10).describe('The latest dismiss notes, newest first'),
  })
  .describe(
    "What reviewers did with an automation's drafts, per automation version, over the runs the caller may see " +
      '(docs/review-feedback.md)',
  );

/** GET and PUT /settings: the workspace's review settings (spec 3, Workspace settings). */
const limitMinutes = z.number().int().min(1).max(43_200).nullable();
export const workspaceSettingsSchema = z
  .object({
    overdueAfterMinutes: limitMinutes.describe('An open item waiting longer is overdue; null: never'),
    escalateAfterMinutes: limitMinutes.describe('After this the escalation reviewers are added; null: never'),
    escalateTo: z
      .union([z.literal('admins'), z.object({ userIds: z.array(userIdSchema).min(1).max(16) })])
      .describe('Who escalation adds, where they can see the item'),
    sendHoldSeconds: z.number().int().min(0).max(900),
    trust: z.object({
      maxHumanRate: z.number().min(0.001).max(0.2),
      minDecisions: z.number().int().min(30).max(10_000),
    }),
    retentionDays: z.number().int().min(30).max(3650),
    version: z.number().int().min(0).describe('0 until the settings are first saved; each save adds one'),
    updatedAt: z.nullable(isoTimeSchema),
    updatedBy: userIdSchema.nullable(),
  })
  .describe(
    "The workspace's review settings; a workspace that never saved any has the defaults at version 0",
  );

/** GET and PUT /me/delegation: the caller's out-of-office delegation (spec 3, Delegation). */
export const delegationSchema = z
  .object({
    delegateTo: userIdSchema.describe("Who reviews the member's items while they are away"),
    until: isoTimeSchema.check(z.describe('When the delegation ends on its own')),
    note: z.string().nullable(),
    createdAt: isoTimeSchema,
  })
  .describe('An out-of-office delegation');

/** The agent's `who_is_away`: who is away in the caller's workspace and who covers. */
export const awayListSchema = z.object({
  away: z.array(
    z.object({
      userId: userIdSchema,
      until: isoTimeSchema,
      coveredBy: userIdSchema.describe('The delegate: reviews the items of this member that they may see'),
      note: z.string().optional().describe('Shown to the member, the delegate and admins'),
    }),
  ),
});

/** POST /privacy/erasures and GET /privacy/erasures/{id} (spec 3, Data lifecycle): counts, never content. */
export const erasureSchema = z
  .object({
    id: z.string(),
    status: z.enum(['running', 'completed']),
    scope: z
      .enum(['email', 'record'])
      .describe('What it erases by; the address or record itself is never answered'),
    requestedBy: userIdSchema,
    requestedAt: isoTimeSchema,
    completedAt: z.nullable(isoTimeSchema),
    progress: z.number().min(0).max(1).describe("The share of the workspace's items walked"),
    counts: z.object({
      itemsChecked: z.number().int().min(0).describe("The workspace's items read so far"),
      itemsErased: z.number().int().min(0).describe('Items erased, each with its history, entries and notes'),
      recordsDeleted: z.number().int().min(0).describe('Table records deleted in all'),
    }),
  })
  .describe('An erasure: how far it is and what it removed');
