/**
 * Scheduled every minute: executes held approvals when their executeAt comes (spec 3, Send hold and undo), one pass
 * every ~2 s for the invocation's time, so that one invocation a minute meets the spec's 5 s.
 */
import { scheduledFunction } from '../shared/events/event-function.js';
import { executeHeldItemsFor, LOOP_FOR_MS } from '../shared/use-cases/held-items.js';
import { sendDeps } from '../shared/wiring.js';

const deps = sendDeps();

export const handler = scheduledFunction((at, context) =>
  executeHeldItemsFor(deps, () => context.getRemainingTimeInMillis(), new Date(at.getTime() + LOOP_FOR_MS)),
);
