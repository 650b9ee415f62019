/**
 * What the use cases need, as narrow interfaces. Handlers build these once per container; tests hand in real
 * stores on DynamoDB Local, a real mailer on local SES, and a recording publisher.
 */

import type { EventPublisher } from '../events/publisher.js';
import type { Mailer } from '../mail/mailer.js';
import type { ReviewStore } from '../store/review-store.js';

export interface Deps {
  store: ReviewStore;
  publisher: EventPublisher;
  clock: () => Date;
  newId: () => string;
}

export interface SendDeps extends Deps {
  mailer: Mailer;
}
