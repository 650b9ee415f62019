/**
 * Opaque cursors: a base64url JSON of the last key a page returned, checked on the way back in so that a
 * tampered cursor is a 400, never a query on someone else's partition or a 500.
 */
import * as z from 'zod';
import { ValidationError } from '../errors.js';

export type Key = Record<string, string>;

const keySchema = z.record(z.string().max(64), z.string().max(1024));

export function encodeCursor(key: Key | undefined): string | null {
  return key ? Buffer.from(JSON.stringify(key), 'utf8').toString('base64url') : null;
}

/** Decodes a cursor and checks it belongs to the partition being read (`expected` attributes must match). */
export function decodeCursor(cursor: string | undefined, expected: Key): Key | undefined {
  if (cursor === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  const key = keySchema.safeParse(parsed);
  if (!key.success) throw invalidCursor();
  for (const [name, value] of Object.entries(expected)) {
    if (key.data[name] !== value) throw invalidCursor();
  }
  return key.data;
}

const invalidCursor = () =>
  new ValidationError('The cursor is invalid or belongs to another listing', [
    { path: 'cursor', message: 'invalid cursor' },
  ]);
