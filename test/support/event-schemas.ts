/**
 * The published event schemas (docs/events/, as `npm run event-schemas` writes them) compiled with ajv (JSON Schema
 * 2020-12, formats on), and the check every e2e runtime makes of what its bus carried when it stops
 * (test/support/runtime.ts): every event the system publishes, and every event it takes in that its handler accepts,
 * validates against its published schema.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import Ajv04Module from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import * as z from 'zod/mini';
import { REPO_ROOT } from '../../infra/local/paths.js';
import type { EventEnvelope } from '../../infra/local/put-events.js';
import { catalogEvent, EVENT_CATALOG, eventKey, registrySchemaContent } from '../../shared/events/catalog.js';
import { EVENT_SOURCE } from '../../shared/events/out-events.js';

// ajv-formats is CommonJS: its default export arrives as the module object under some loaders.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv2020,
) => Ajv2020;

type Json = Record<string, unknown>;
type AjvDraft4 = InstanceType<typeof Ajv04Module>;
// ajv-draft-04 (JSON Schema draft 4, what the EventBridge schema registry holds) is CommonJS too. It comes with
// @seriousme/openapi-schema-validator; it is not a direct devDependency.
const Ajv04 = ((Ajv04Module as unknown as { default?: unknown }).default ??
  Ajv04Module) as typeof Ajv04Module;

export interface IndexEntry {
  source: string;
  detailType: string;
  direction: 'in' | 'out';
  schema: string;
  registrySchemaName: string;
}

export const EVENTS_DIR = join(REPO_ROOT, 'docs', 'events');

const readJson = (path: string): Json => JSON.parse(readFileSync(join(EVENTS_DIR, path), 'utf8')) as Json;

/** docs/events/index.json. */
export function publishedIndex(): { events: IndexEntry[]; unpublishedOut: string[] } {
  return readJson('index.json') as unknown as { events: IndexEntry[]; unpublishedOut: string[] };
}

export interface PublishedSchemas {
  index: IndexEntry[];
  /** The published schema of one event (as written in docs/events/), if there is one. */
  schema(source: string, detailType: string): Json | undefined;
  /** ajv's errors for `detail` against that schema: [] when valid; undefined when the event has no schema. */
  errors(source: string, detailType: string, detail: unknown): ErrorObject[] | undefined;
}

/** Compiles every schema of docs/events/ (strict mode: a keyword ajv does not know fails the compile). */
export function publishedSchemas(schemas?: Record<string, Json>): PublishedSchemas {
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false });
  addFormats(ajv);
  const { events: index } = publishedIndex();
  const key = (source: string, detailType: string) => `${source}/${detailType}`;
  const byKey = new Map(index.map((entry) => [key(entry.source, entry.detailType), entry]));
  const compiled = new Map<string, ValidateFunction>();
  const schema = (source: string, detailType: string) => {
    const entry = byKey.get(key(source, detailType));
    return entry && (schemas?.[entry.detailType] ?? readJson(entry.schema));
  };
  return {
    index,
    schema,
    errors: (source, detailType, detail) => {
      const found = schema(source, detailType);
      if (!found) return undefined;
      let validate = compiled.get(key(source, detailType));
      if (!validate) {
        validate = ajv.compile(found);
        compiled.set(key(source, detailType), validate);
      }
      return validate(detail) ? [] : [...(validate.errors ?? [])];
    },
  };
}

const describeErrors = (errors: ErrorObject[]) =>
  errors
    .slice(0, 5)
    .map((e) => `${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`)
    .join('; ');

export interface CheckOptions {
  /** Also fail on any event (whatever its source) that has no published schema. Default: only the system's. */
  everyEventHasASchema?: boolean;
}

/**
 * What is wrong with these events against the published schemas, one line each ([] when all is well):
 * - an event out (`source: "for-review"`) with no schema, or not valid against it;
 * - an event in that its handler's zod schema accepts but the published schema rejects (the published schema
 *   must take everything the system takes; events the handler refuses are the tests' deliberate bad input);
 * - with `everyEventHasASchema`, any other event without a schema.
 */
export function schemaProblems(
  events: readonly EventEnvelope[],
  published: PublishedSchemas = publishedSchemas(),
  options: CheckOptions = {},
): string[] {
  const problems: string[] = [];
  for (const event of events) {
    const name = `${event.source} / ${event['detail-type']} ${event.id}`;
    const errors = published.errors(event.source, event['detail-type'], event.detail);
    if (errors === undefined) {
      if (event.source === EVENT_SOURCE || options.everyEventHasASchema)
        problems.push(`${name}: no published schema (docs/events/index.json)`);
      continue;
    }
    if (errors.length === 0) continue;
    if (event.source === EVENT_SOURCE) {
      problems.push(`${name}: not valid against its published schema: ${describeErrors(errors)}`);
      continue;
    }
    const handlerSchema = catalogEvent(event.source, event['detail-type'])?.detail;
    if (handlerSchema && z.safeParse(handlerSchema, event.detail).success)
      problems.push(
        `${name}: its handler accepts it, its published schema does not: ${describeErrors(errors)}`,
      );
  }
  return problems;
}

/** A draft-4 ajv, strict, with formats: what validates the registry's schemas (infra/stacks/event-schemas.ts). */
export function draft4Ajv(): AjvDraft4 {
  const ajv = new Ajv04({ allErrors: true, strict: true, strictTypes: false });
  (addFormats as unknown as (ajv: AjvDraft4) => AjvDraft4)(ajv);
  return ajv;
}

/**
 * What is wrong with these whole events (envelope and detail) against the schemas the CDK app puts in the
 * EventBridge schema registry (JSON Schema draft 4), for every event the catalog has: one line each.
 */
export function registryProblems(events: readonly EventEnvelope[]): string[] {
  const ajv = draft4Ajv();
  const validators = new Map(
    EVENT_CATALOG.map((event) => [eventKey(event), ajv.compile(registrySchemaContent(event))]),
  );
  return events.flatMap((event) => {
    const validate = validators.get(eventKey({ source: event.source, detailType: event['detail-type'] }));
    const name = `${event.source} / ${event['detail-type']} ${event.id}`;
    if (!validate || validate(event as unknown)) return [];
    return [`${name}: ${describeErrors(validate.errors ?? [])}`];
  });
}
