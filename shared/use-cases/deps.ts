/**
 * What the use cases need, as narrow interfaces. Handlers build these once per container; tests hand in real
 * stores on DynamoDB Local, a real mailer on local SES, and a recording publisher.
 */

import type { EventPublisher } from '../events/publisher.js';
import type { Mailer } from '../mail/mailer.js';
import type { ReviewStorePort } from './ports.js';

export interface Deps {
  store: ReviewStorePort;
  publisher: EventPublisher;
  clock: () => Date;
  newId: () => string;
}

export interface SendDeps extends Deps {
  mailer: Mailer;
}
