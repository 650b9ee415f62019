/**
 * EventBridge `aws.ses` / `Email Delivered`, `Email Bounced`, `Email Complaint Received`, `Email Rejected`,
 * `Email Rendering Failed` → the sent item's delivery.
 */

import { eventFunction } from '../shared/events/event-function.js';
import { sesDeliveryEventSchema } from '../shared/events/in-schemas.js';
import { recordDelivery } from '../shared/use-cases/record-delivery.js';
import { writeDeps } from '../shared/wiring.js';

const deps = writeDeps();

export const handler = eventFunction(sesDeliveryEventSchema, (event) => recordDelivery(deps, event));
