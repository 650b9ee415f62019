/**
 * The event catalog (shared/events/catalog.ts) against the manifest, the published files (docs/events/), and the
 * fixtures the tests send events in with: each published schema takes what its handler takes and, for the events
 * out, exactly what the system writes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { REPO_ROOT } from '../../infra/local/paths.js';
import { eventRules } from '../../infra/manifest.js';
import { created } from '../../shared/domain/lifecycle.js';
import {
  catalogEvent,
  EVENT_CATALOG,
  eventSchemaFiles,
  registrySchemaName,
  UNPUBLISHED_OUT,
} from '../../shared/events/catalog.js';
import { itemEvent, itemEventId } from '../../shared/events/out-events.js';
import { proposal, rawMemberChange, rawProposal } from '../fixtures/index.js';
import { EVENTS_DIR, publishedIndex, publishedSchemas } from '../support/event-schemas.js';

const published = publishedSchemas();
const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(REPO_ROOT, 'test', 'fixtures', name), 'utf8')) as Record<string, unknown>;
/** docs/examples/*.json: whole events, as `npm run send-event` sends them. */
const examples = readdirSync(join(REPO_ROOT, 'docs', 'examples'))
  .filter((name) => name.endsWith('.json'))
  .map((name) => {
    const event = JSON.parse(readFileSync(join(REPO_ROOT, 'docs', 'examples', name), 'utf8')) as {
      source: string;
      'detail-type': string;
      detail: unknown;
    };
    return [event.source, event['detail-type'], event.detail] as [string, string, unknown];
  });

const safeParseOf = (schema: z.core.$ZodType | undefined, input: unknown) =>
  schema === undefined ? undefined : z.safeParse(schema, input).success;

describe('the catalog', () => {
  it('has the schema of every event a manifest rule takes in', () => {
    const consumed = eventRules.flatMap((rule) =>
      rule.pattern.source.flatMap((source) =>
        rule.pattern['detail-type'].map((detailType) => ({ source, detailType })),
      ),
    );
    expect(consumed.length).toBeGreaterThan(0);
    for (const { source, detailType } of consumed)
      expect(catalogEvent(source, detailType)?.direction, `${source} / ${detailType}`).toBe('in');
  });

  it('names each event once, by a detail-type no other event has, with a registry-safe name', () => {
    const detailTypes = EVENT_CATALOG.map((event) => event.detailType);
    expect(new Set(detailTypes).size).toBe(detailTypes.length);
    const names = EVENT_CATALOG.map(registrySchemaName);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-zA-Z0-9\-_.@]{1,385}$/);
    for (const detailType of UNPUBLISHED_OUT) expect(detailTypes).not.toContain(detailType);
  });

  it('is what docs/events/ holds (npm run event-schemas), file for file', () => {
    const listed = (dir: string, prefix = ''): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory()
          ? listed(join(dir, entry.name), `${prefix}${entry.name}/`)
          : [`${prefix}${entry.name}`],
      );
    const files = eventSchemaFiles();
    expect(listed(EVENTS_DIR).sort()).toEqual([...files.keys()].sort());
    for (const [path, text] of files) expect(readFileSync(join(EVENTS_DIR, path), 'utf8'), path).toBe(text);
    expect(publishedIndex().events.map((entry) => entry.detailType)).toEqual(
      EVENT_CATALOG.map((event) => event.detailType),
    );
  });
});

describe('the published schemas of the events in', () => {
  it('take the fixtures the tests send events with, and the examples of docs/examples/, as their handlers do', () => {
    const cases: [string, string, unknown][] = [
      ['automations', 'Review Draft Proposed', fixture('draft-proposed.json')],
      ['automations', 'Review Draft Proposed', fixture('record-update-proposed.json')],
      ['automations', 'Review Draft Proposed', fixture('record-create-proposed.json')],
      ['directory', 'Workspace Member Changed', fixture('member-changed.json')],
      ['aws.ses', 'Email Bounced', fixture('ses-bounce.json')],
      ['crm', 'Record Changed', fixture('record-changed.json')],
      ['crm', 'Record Change Applied', fixture('record-change-applied.json')],
      ['crm', 'Record Change Rejected', fixture('record-change-rejected.json')],
      ...examples,
    ];
    expect(examples.length).toBeGreaterThan(0);
    for (const [source, detailType, detail] of cases) {
      expect(safeParseOf(catalogEvent(source, detailType)?.detail, detail), detailType).toBe(true);
      expect(published.errors(source, detailType, detail), detailType).toEqual([]);
    }
  });

  it('take a proposal without the fields that have defaults (relatedRecords, cc, bcc)', () => {
    const { relatedRecords: _, ...proposal } = rawProposal();
    const { cc: _cc, bcc: _bcc, ...draft } = proposal.draft as Record<string, unknown>;
    expect(published.errors('automations', 'Review Draft Proposed', { ...proposal, draft })).toEqual([]);
  });

  it('refuse what the handlers refuse for its shape: a bad workspace id, a missing field, a bad role', () => {
    const refused: [string, string, unknown][] = [
      ['automations', 'Review Draft Proposed', { ...rawProposal(), workspaceId: 'ws acme' }],
      ['automations', 'Review Draft Proposed', { ...rawProposal(), reason: undefined }],
      [
        'automations',
        'Review Draft Proposed',
        { ...rawProposal(), draft: { ...(rawProposal().draft as object), subject: 'two\r\nlines' } },
      ],
      ['directory', 'Workspace Member Changed', { ...rawMemberChange(), role: 'owner' }],
      ['directory', 'Workspace Member Changed', { ...rawMemberChange(), changedAt: 'yesterday' }],
    ];
    for (const [source, detailType, detail] of refused) {
      expect(safeParseOf(catalogEvent(source, detailType)?.detail, detail)).toBe(false);
      expect(published.errors(source, detailType, detail)?.length, JSON.stringify(detail)).toBeGreaterThan(0);
    }
  });
});

describe('the published schemas of the events out', () => {
  const written = (detailType: Parameters<typeof itemEvent>[0], extra: Record<string, unknown>) => {
    const p = proposal();
    const item = created(
      'ri_1',
      {
        workspaceId: p.workspaceId,
        type: 'email',
        draft: p.draft,
        reason: p.reason,
        relatedRecords: p.relatedRecords,
        origin: {
          automationId: p.run.automationId,
          automationName: p.run.automationName,
          runId: p.run.id,
          stepId: p.run.stepId,
          executedAs: p.run.executedAs,
        },
        reviewers: ['u_alice'],
        dedupHash: 'h',
        proposedAt: p.proposedAt,
      },
      p.proposedAt,
    );
    const event = itemEvent(detailType, item, { kind: 'user', userId: 'u_alice' }, extra);
    return { ...event.detail, eventId: itemEventId(item.id, item.version, 0) };
  };

  it('take an item event as itemEvent() and the store write it', () => {
    expect(
      published.errors('for-review', 'Review Item Sent', written('Review Item Sent', { messageId: 'm1' })),
    ).toEqual([]);
  });

  it('refuse a detail with a field the schema does not name, or without one it requires', () => {
    const extra = written('Review Item Sent', { messageId: 'm1', surprise: true });
    expect(published.errors('for-review', 'Review Item Sent', extra)?.[0]?.keyword).toBe(
      'additionalProperties',
    );
    const { eventId: _, ...withoutId } = written('Review Item Edited', {});
    expect(published.errors('for-review', 'Review Item Edited', withoutId)?.[0]?.keyword).toBe('required');
  });
});
