/**
 * What the use cases need, as narrow ports (ports.ts). Handlers build these once per container; tests hand in real
 * stores on DynamoDB Local and a real mailer on local SES. No publisher: a change writes its events with it
 * (shared/events/outbox.ts), and the outbox publisher puts them on the bus.
 */
import type { Mailer } from '../mail/mailer.js';
import type { ReviewStorePort } from './ports.js';

export interface Deps {
  store: ReviewStorePort;
  clock: () => Date;
  newId: () => string;
}

export interface SendDeps extends Deps {
  mailer: Mailer;
}
