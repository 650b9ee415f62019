/**
 * The key ring list cursors are signed with (shared/store/cursor-keys.ts), for the functions that list (the manifest's
 * `cursorKeys`; only they import this, so no other bundle carries the secret's client): in AWS the JSON of a Secrets
 * Manager secret, read with the SDK's own client (loaded on first use) and kept 5 minutes, so a list call costs no
 * request; locally the CURSOR_KEYS variable the runtime sets from its data folder. A function given neither fails
 * only when it signs or opens a cursor.
 *
 * Not Powertools Parameters (the webhook secret's): its provider adds to the list functions' cold start
 * (scripts/bundle-report), for a cache of one value.
 */
import { optionalEnv } from './config.js';
import { type CursorKeyRing, type CursorKeySource, parseCursorKeys } from './store/cursor-keys.js';

const KEEP_MS = 5 * 60_000;

export function cursorKeySource(): CursorKeySource {
  const arn = optionalEnv('CURSOR_KEYS_SECRET_ARN');
  if (!arn) {
    const text = optionalEnv('CURSOR_KEYS');
    const ring = text ? parseCursorKeys(text) : undefined;
    return async () => {
      if (!ring) throw new Error('No cursor keys: CURSOR_KEYS_SECRET_ARN or CURSOR_KEYS must be set');
      return ring;
    };
  }
  let kept: { ring: Promise<CursorKeyRing>; at: number } | undefined;
  return async () => {
    if (!kept || Date.now() - kept.at > KEEP_MS) {
      const ring = fetchRing(arn);
      kept = { ring, at: Date.now() };
      // A failed read is not kept: the next call tries again.
      ring.catch(() => {
        if (kept?.ring === ring) kept = undefined;
      });
    }
    return kept.ring;
  };
}

async function fetchRing(arn: string): Promise<CursorKeyRing> {
  const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const client = new SecretsManagerClient({});
  try {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    if (typeof SecretString !== 'string' || SecretString === '')
      throw new Error(`Secret ${arn} has no string value`);
    return parseCursorKeys(SecretString);
  } finally {
    client.destroy();
  }
}
