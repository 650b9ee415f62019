/**
 * CRM field values (spec 2.3, 2.4): a string, number, boolean or null, or (for add/remove) a list of strings; each
 * at most 10 KB. The record drafts and the CRM's events both speak in them.
 */
import * as z from 'zod/mini';
import { noControlAtAll } from './primitives.js';

export const MAX_VALUE_BYTES = 10 * 1024;
export const MAX_DRAFT_BYTES = 200 * 1024;

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
const bounded = <S extends z.ZodMiniType>(schema: S): S =>
  schema.check(
    z.refine((value) => bytes(value) <= MAX_VALUE_BYTES, `must be at most ${MAX_VALUE_BYTES} bytes`),
  );

export const scalarSchema = z.lazy(() => bounded(z.union([z.string(), z.number(), z.boolean(), z.null()])));
export type Scalar = z.output<typeof scalarSchema>;
export const valuesSchema = z.lazy(() =>
  bounded(z.array(z.string()).check(z.minLength(1), z.maxLength(100))),
);

/** A value as a record holds it: a scalar, or the values of a multi-value field. */
export const fieldValueSchema = z.lazy(() =>
  bounded(z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())])),
);
export type FieldValue = z.output<typeof fieldValueSchema>;

/**
 * A name every object inherits (`constructor`, `toString`, `__proto__`, ...): as a key of the CRM's `fields` it
 * would read as the inherited member, or be dropped by the parser, so it is no field name (spec 2.4).
 */
export const isInheritedName = (name: string): boolean => name in Object.prototype;

export const fieldNameSchema = z.lazy(() =>
  z.string().check(
    z.regex(/^[A-Za-z][A-Za-z0-9_.]{0,99}$/, 'must match [A-Za-z][A-Za-z0-9_.]{0,99}'),
    z.refine((name) => !isInheritedName(name), 'must not be a name every object inherits'),
  ),
);
export const labelSchema = z.lazy(() =>
  z
    .string()
    .check(z.minLength(1), z.maxLength(200), z.regex(noControlAtAll, 'must not contain control characters')),
);
export const recordTypeSchema = z.lazy(() =>
  z.string().check(z.regex(/^[a-z][a-z0-9_]{0,31}$/, 'must be a lower-case record type such as opportunity')),
);

/** A record draft as a whole stays within spec 2.3's 200 KB. */
export const withinDraftSize = (draft: unknown) => bytes(draft) <= MAX_DRAFT_BYTES;
