/**
 * The event catalog: every event the system takes in (spec 2) and puts out (spec 5), with the zod schema of its
 * detail, and the JSON Schemas generated from those (spec 5: "a JSON Schema for every event in and out is
 * published with the project"). For an event in, the schema is the very one its handler validates with; for an
 * event out, the one of out-schemas.ts, which the tests hold every published event to.
 *
 * Used by `npm run event-schemas` (docs/events/), the local runtime (`GET /schemas` on the events port), the CDK
 * app (the EventBridge schema registry) and the tests. Never by a Lambda function: it pulls in every schema of
 * every event, and bundle sizes are gated (spec 8; test/unit/bundle-contents.test.ts keeps it out).
 *
 * Adding an event: an event in gets its schema under its EVENT_PATTERNS key (patterns.ts; the compiler asks for
 * it); an event out gets its schema in OUT (the compiler asks for every OutDetailType). Then run
 * `npm run event-schemas` and commit docs/events/.
 */
import * as z from 'zod';
import {
  recordChangeAppliedSchema,
  recordChangedSchema,
  recordChangeRejectedSchema,
} from '../domain/crm-events.js';
import {
  draftProposedSchema,
  memberChangedSchema,
  sesDeliveryEventSchema,
  workspaceDeletedSchema,
} from './in-schemas.js';
import { EVENT_SOURCE, type OutDetailType } from './out-events.js';
import {
  draftDroppedSchema,
  erasureCompletedSchema,
  itemAppliedSchema,
  itemApplyFailedSchema,
  itemCreatedSchema,
  itemDeliveryUpdatedSchema,
  itemDismissedSchema,
  itemEditedSchema,
  itemEscalatedSchema,
  itemExpiredSchema,
  itemHoldCancelledSchema,
  itemOverdueSchema,
  itemReassignedSchema,
  itemReplacedSchema,
  itemResolvedSchema,
  itemScheduledSchema,
  itemSendFailedSchema,
  itemSentSchema,
  itemStaleSchema,
  itemUndoneSchema,
  recordChangeApprovedSchema,
  stepTrustChangedSchema,
} from './out-schemas.js';
import { EVENT_PATTERNS, type EventPattern } from './patterns.js';

export type Direction = 'in' | 'out';

export interface CatalogEvent {
  source: string;
  detailType: string;
  direction: Direction;
  /** The zod schema of the event's `detail`. */
  detail: z.core.$ZodType;
  description: string;
}

interface Described {
  detail: z.core.$ZodType;
  description: string;
}

/**
 * Events in, by the manifest's pattern that routes them to their function: every source × detail-type of the
 * pattern has this schema, the one the function validates with (functions/<name>.ts); a function that takes
 * several detail-types with a schema each (`eventFunctionByType`) has them `byDetailType`.
 */
const IN: Record<keyof typeof EVENT_PATTERNS, Described | { byDetailType: Record<string, Described> }> = {
  draftProposed: {
    detail: draftProposedSchema,
    description:
      'An automation run proposes a draft for review instead of applying it (spec 2.1). Optional fields with a ' +
      'default (relatedRecords, cc, bcc) may be left out.',
  },
  memberChanged: {
    detail: memberChangedSchema,
    description:
      "A workspace member's role, connected mailboxes and active flag, as the directory publishes them (spec " +
      '2.2). An older changedAt never overwrites a newer one.',
  },
  workspaceDeleted: {
    detail: workspaceDeletedSchema,
    description:
      'The directory deleted a workspace (spec 3, Data lifecycle): every record of it is deleted, in bounded pages ' +
      'that resume after a crash; the deletion is audited outside the workspace.',
  },
  emailDelivery: {
    detail: sesDeliveryEventSchema,
    description:
      "What For review reads of SES's delivery events for a sent email (spec 2.5), published by the " +
      "configuration set's EventBridge destination on the account's default bus. SES sends more fields; they " +
      'are allowed and ignored.',
  },
  recordChanged: {
    detail: recordChangedSchema,
    description:
      'A CRM record changed, by anyone (spec 2.4): fields holds the new values of what changed. Pending record ' +
      'updates of the record are classified again (clean, moot, drifted).',
  },
  recordChangeAnswers: {
    byDetailType: {
      'Record Change Applied': {
        detail: recordChangeAppliedSchema,
        description:
          'The CRM applied a Record Change Approved command (spec 2.4), identified by its applyId.',
      },
      'Record Change Rejected': {
        detail: recordChangeRejectedSchema,
        description:
          'The CRM refused a Record Change Approved command (spec 2.4): conflict, invalid, not_found or ' +
          'forbidden; current, when given, is what the record holds now.',
      },
    },
  },
};

/**
 * Events out (spec 5), `source: "for-review"`. `null`: the system does not publish this event yet, so no schema
 * is published for it (and the tests fail on any published event without one): give it its schema here (in
 * out-schemas.ts) in the change that starts publishing it.
 */
const OUT: Record<OutDetailType, Described | null> = {
  'Review Item Created': {
    detail: itemCreatedSchema,
    description: 'A proposal became a new review item, routed to its reviewers.',
  },
  'Review Item Replaced': {
    detail: itemReplacedSchema,
    description:
      'A newer proposal for the same change (dedup key) replaced the draft of the open item, which keeps its id.',
  },
  'Review Item Edited': { detail: itemEditedSchema, description: "A reviewer edited the item's draft." },
  'Review Item Reassigned': {
    detail: itemReassignedSchema,
    description: 'A reviewer or admin added or removed reviewers by hand; their queues changed with it.',
  },
  'Review Item Stale': {
    detail: itemStaleSchema,
    description:
      "A message arrived on the email draft's thread after it was proposed: approving needs acknowledgeStale.",
  },
  'Review Item Sent': {
    detail: itemSentSchema,
    description: 'A reviewer approved the email and SES accepted it (sent exactly once).',
  },
  'Review Item Send Failed': {
    detail: itemSendFailedSchema,
    description:
      'The approved email was not sent (rejected: pending again), or may or may not have been (unknown: ' +
      'send_unknown, never resent automatically).',
  },
  'Review Item Delivery Updated': {
    detail: itemDeliveryUpdatedSchema,
    description:
      'SES reported what became of the sent email: delivered, bounced, complained, rejected or rendering failed; the latest wins.',
  },
  'Record Change Approved': {
    detail: recordChangeApprovedSchema,
    description:
      'The command the CRM applies for an approved record draft (spec 5): the record with its base version and ' +
      'the approved changes with edits (update), or the fields to create (create). Published again with the same ' +
      'applyId until the CRM answers with Record Change Applied or Rejected.',
  },
  'Review Item Applied': {
    detail: itemAppliedSchema,
    description: 'The CRM applied the approved record change (Record Change Applied).',
  },
  'Review Item Apply Failed': {
    detail: itemApplyFailedSchema,
    description:
      'The approved record change was not applied: the CRM rejected it (pending again), or never answered ' +
      '(apply_unknown).',
  },
  'Review Item Dismissed': { detail: itemDismissedSchema, description: 'A reviewer dismissed the item.' },
  'Review Item Resolved': {
    detail: itemResolvedSchema,
    description:
      'The email provider reported the email sent or the draft discarded elsewhere (spec 6), or every change of ' +
      'a record update already holds in the CRM (Record Changed).',
  },
  'Review Item Expired': {
    detail: itemExpiredSchema,
    description: "The pending item's expiresAt passed before anyone decided it.",
  },
  'Review Item Overdue': {
    detail: itemOverdueSchema,
    description:
      "The open item waited longer than the workspace's overdueAfterMinutes since it was created (published once).",
  },
  'Review Item Escalated': {
    detail: itemEscalatedSchema,
    description:
      "The open item waited longer than the workspace's escalateAfterMinutes: the escalation reviewers who can see it were added.",
  },
  'Review Item Scheduled': {
    detail: itemScheduledSchema,
    description:
      "Approved under the workspace's send hold (spec 3, Send hold and undo): it executes at executeAt unless undone or cancelled first.",
  },
  'Review Item Undone': {
    detail: itemUndoneSchema,
    description:
      'The approver or an admin undid a scheduled approval before it executed: the item is pending again.',
  },
  'Review Item Hold Cancelled': {
    detail: itemHoldCancelledSchema,
    description:
      'A scheduled approval was cancelled on its own before it executed (a reply, a drift, a newer proposal, the approver removed): the item is pending again.',
  },
  'Review Draft Dropped': {
    detail: draftDroppedSchema,
    description:
      'A proposal made no item: its expiresAt had passed when it arrived, or no candidate reviewer may see its run ' +
      '(spec 3, routing).',
  },
  'Automation Step Trust Changed': {
    detail: stepTrustChangedSchema,
    description:
      "A step's recommendation (apply_directly or keep_reviewing) changed, with the workspace-wide figures it " +
      'rests on (spec 3, Trust). Advice only: nothing is routed or approved by it.',
  },
  'Privacy Erasure Completed': {
    detail: erasureCompletedSchema,
    description:
      "An admin's erasure (POST /privacy/erasures) finished: every item of the workspace naming the address or " +
      'about the record is gone (spec 3, Data lifecycle). Counts only, never the address or the record.',
  },
};

function inEvents(name: keyof typeof IN, pattern: EventPattern): CatalogEvent[] {
  const entry = IN[name];
  return pattern.source.flatMap((source) =>
    pattern['detail-type'].map((detailType) => {
      const described = 'byDetailType' in entry ? entry.byDetailType[detailType] : entry;
      if (!described)
        throw new Error(`The catalog has no schema for ${source} / ${detailType} (EVENT_PATTERNS.${name})`);
      return { source, detailType, direction: 'in' as const, ...described };
    }),
  );
}

/** Every event with a published schema: the events in, then the events out, in a stable order. */
export const EVENT_CATALOG: readonly CatalogEvent[] = [
  ...(Object.keys(IN) as (keyof typeof IN)[]).flatMap((name) => inEvents(name, EVENT_PATTERNS[name])),
  ...Object.entries(OUT).flatMap(([detailType, entry]) =>
    entry ? [{ source: EVENT_SOURCE, detailType, direction: 'out' as const, ...entry }] : [],
  ),
];

/** Events out the system does not publish yet: no schema, and none of them may appear on the bus. */
export const UNPUBLISHED_OUT: readonly string[] = Object.entries(OUT).flatMap(([detailType, entry]) =>
  entry ? [] : [detailType],
);

export const eventKey = (event: Pick<CatalogEvent, 'source' | 'detailType'>): string =>
  `${event.source}/${event.detailType}`;

/** The catalog event of a source and detail-type, if it has a schema. */
export function catalogEvent(source: string, detailType: string): CatalogEvent | undefined {
  return EVENT_CATALOG.find((event) => event.source === source && event.detailType === detailType);
}

const words = (detailType: string) => detailType.split(/[^A-Za-z0-9]+/).filter(Boolean);

/** Where the event's schema is written, under docs/events/: `for-review/review-item-created.json`. */
export const schemaFile = (event: CatalogEvent): string =>
  `${event.source}/${words(event.detailType).join('-').toLowerCase()}.json`;

/** The schema's name in the EventBridge schema registry, as EventBridge names its own: `for-review@ReviewItemCreated`. */
export const registrySchemaName = (event: CatalogEvent): string =>
  `${event.source}@${words(event.detailType)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('')}`;

export type JsonSchema = Record<string, unknown>;
export type SchemaTarget = 'draft-2020-12' | 'draft-4';

/**
 * The JSON Schema of an event's detail. Events in are described as producers may send them (zod's input: fields
 * with a default are optional), events out as the system writes them. Refinements zod cannot express (an email's
 * recipient count across to, cc and bcc, a body's size in bytes) are left out: the handler still checks them.
 */
export function detailJsonSchema(event: CatalogEvent, target: SchemaTarget = 'draft-2020-12'): JsonSchema {
  const { $schema, ...schema } = z.toJSONSchema(event.detail, {
    target,
    io: event.direction === 'in' ? 'input' : 'output',
  }) as JsonSchema;
  return {
    $schema,
    title: event.detailType,
    description: `${describeEvent(event)} ${event.description}`,
    ...schema,
  };
}

function describeEvent(event: CatalogEvent): string {
  return event.direction === 'in'
    ? `The detail of \`${event.source}\` / \`${event.detailType}\` events, taken in by For review.`
    : `The detail of \`${event.source}\` / \`${event.detailType}\` events, published by For review.`;
}

/**
 * The schema of the whole event as EventBridge delivers it (the envelope around the detail), in JSON Schema
 * draft 4: what the EventBridge schema registry takes as `JSONSchemaDraft4` (infra/stacks/event-schemas.ts).
 */
export function registrySchemaContent(event: CatalogEvent): JsonSchema {
  const { $schema, title, description, ...detail } = detailJsonSchema(event, 'draft-4');
  const text = { type: 'string' };
  return {
    $schema,
    title,
    description,
    type: 'object',
    properties: {
      version: text,
      id: text,
      'detail-type': { type: 'string', enum: [event.detailType] },
      source: { type: 'string', enum: [event.source] },
      account: text,
      time: { type: 'string', format: 'date-time' },
      region: text,
      resources: { type: 'array', items: text },
      detail,
    },
    required: ['detail-type', 'source', 'detail'],
  };
}

/** Every published schema of the detail, by detail-type (what `GET /schemas` answers locally). */
export function schemasByDetailType(): Record<string, JsonSchema> {
  return Object.fromEntries(EVENT_CATALOG.map((event) => [event.detailType, detailJsonSchema(event)]));
}

/** docs/events/index.json: every published schema, where it is, and the events out that have none yet. */
export function catalogIndex(): JsonSchema {
  return {
    $comment:
      'Generated from shared/events/catalog.ts by `npm run event-schemas`; do not edit (docs/events.md).',
    events: EVENT_CATALOG.map((event) => ({
      source: event.source,
      detailType: event.detailType,
      direction: event.direction,
      schema: schemaFile(event),
      registrySchemaName: registrySchemaName(event),
    })),
    unpublishedOut: UNPUBLISHED_OUT,
  };
}

/** Every file under docs/events/ (path relative to it → content), as `npm run event-schemas` writes them. */
export function eventSchemaFiles(): Map<string, string> {
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  return new Map([
    ['index.json', json(catalogIndex())],
    ...EVENT_CATALOG.map((event): [string, string] => [schemaFile(event), json(detailJsonSchema(event))]),
  ]);
}
