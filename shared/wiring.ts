/**
 * Builds the use cases' dependencies from configuration, once per container. Only handlers import this.
 */
import { ulid } from 'ulid';
import { documentClient, sesClient } from './aws-clients.js';
import { optionalEnv, requireEnv, tableName } from './config.js';
import { SesMailer } from './mail/mailer.js';
import type { CursorKeySource } from './store/cursor-keys.js';
import { ReadStore } from './store/read-store.js';
import { ReviewStore } from './store/review-store.js';
import type { Deps, SendDeps } from './use-cases/deps.js';
import type { ReadDeps } from './use-cases/read-items.js';

export const newItemId = (): string => `ri_${ulid()}`;
const clock = () => new Date();

/**
 * The read functions' deps: the store without the item writer (nor its transactions' code). A function that lists
 * passes the cursor keys (shared/cursor-key-source.ts); one that does not never loads their secret's client.
 */
export function readDeps(cursorKeys?: CursorKeySource): ReadDeps {
  return { store: new ReadStore(documentClient(), tableName(), cursorKeys ? { cursorKeys } : {}), clock };
}

export function writeDeps(): Deps {
  return { store: new ReviewStore(documentClient(), tableName()), clock, newId: newItemId };
}

export function sendDeps(): SendDeps {
  const configurationSet = optionalEnv('SES_CONFIGURATION_SET');
  return { ...writeDeps(), mailer: new SesMailer(sesClient(), configurationSet ? { configurationSet } : {}) };
}

/**
 * The webhook signing secret (`whsec_...`): in AWS from Secrets Manager through Powertools Parameters (cached
 * for 5 minutes), locally from WEBHOOK_SECRET.
 */
export function webhookSecretSource(): () => Promise<string> {
  const arn = optionalEnv('WEBHOOK_SECRET_ARN');
  if (!arn) {
    const secret = requireEnv('WEBHOOK_SECRET');
    return async () => secret;
  }
  return async () => {
    const { getSecret } = await import('@aws-lambda-powertools/parameters/secrets');
    const secret = await getSecret(arn, { maxAge: 300 });
    if (typeof secret !== 'string' || secret === '') throw new Error(`Secret ${arn} has no string value`);
    return secret;
  };
}
