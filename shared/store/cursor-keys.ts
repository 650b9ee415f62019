/**
 * The keys list cursors are signed with (spec 4, "Cursors and bounds"; docs/table-design.md, "Cursors"): a ring of
 * the `current` key, which signs, and `previous` keys, still accepted after a rotation until they are dropped. In AWS
 * a Secrets Manager secret holds the ring as JSON (docs/deploy.md, "Cursor keys"); locally a file of the data folder
 * (infra/local/data-dir.ts).
 */
import { randomBytes } from 'node:crypto';
import * as z from 'zod/mini';

export interface CursorKeyRing {
  /** Signs every cursor answered. */
  current: string;
  /** Still accepted: cursors signed before the last rotation. */
  previous: string[];
}

/** Where a store finds its keys; called for every list page, so it caches (wiring.ts). */
export type CursorKeySource = () => Promise<CursorKeyRing>;

const key = () => z.string().check(z.minLength(16), z.maxLength(1024));
const ringSchema = z.object({
  current: key(),
  previous: z._default(z.array(key()).check(z.maxLength(8)), []),
});

/** The ring as the secret or the file holds it: `{ "current": "...", "previous": ["..."] }`. */
export function parseCursorKeys(text: string): CursorKeyRing {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('The cursor keys are not JSON');
  }
  const parsed = ringSchema.safeParse(value);
  if (!parsed.success)
    throw new Error(
      `The cursor keys must be {"current": key, "previous": [keys]}: ${parsed.error.issues[0]?.message}`,
    );
  return parsed.data;
}

/** A new random key: 32 bytes, base64url. */
export const newCursorKey = (): string => randomBytes(32).toString('base64url');

/** The ring after a rotation: a new current key; the old one still accepted, with the previous ones kept. */
export const rotatedCursorKeys = (ring: CursorKeyRing, keep = 1): CursorKeyRing => ({
  current: newCursorKey(),
  previous: [ring.current, ...ring.previous].slice(0, keep),
});

/**
 * This process's own ring, random: what a store signs with when it is given no source (tests, tools run without a
 * deployment). Its cursors are good only in this process.
 */
let processRing: CursorKeyRing | undefined;
export function processCursorKeyRing(): CursorKeyRing {
  processRing ??= { current: newCursorKey(), previous: [] };
  return processRing;
}
export const processCursorKeys: CursorKeySource = async () => processCursorKeyRing();
