/**
 * The published event schemas (docs/events/, as `npm run event-schemas` writes them) compiled with ajv (JSON Schema
 * 2020-12, formats on), and the check every e2e runtime makes of what its bus carried when it stops
 * (test/support/runtime.ts): every event the system publishes, and every event it takes in that its handler accepts,
 * validates against its published schema.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { REPO_ROOT } from '../../infra/local/paths.js';
import type { EventEnvelope } from '../../infra/local/put-events.js';
import { catalogEvent } from '../../shared/events/catalog.js';
import { EVENT_SOURCE } from '../../shared/events/out-events.js';

// ajv-formats is CommonJS: its default export arrives as the module object under some loaders.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv2020,
) => Ajv2020;

type Json = Record<string, unknown>;

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
    if (handlerSchema?.safeParse(event.detail).success)
      problems.push(
        `${name}: its handler accepts it, its published schema does not: ${describeErrors(errors)}`,
      );
  }
  return problems;
}
