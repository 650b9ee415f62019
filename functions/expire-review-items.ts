/** Scheduled: pending items past their expiresAt leave the queue as `expired`. */
import { scheduledFunction } from '../shared/events/event-function.js';
import { expireDueItems } from '../shared/use-cases/scheduled-jobs.js';
import { writeDeps } from '../shared/wiring.js';

const deps = writeDeps();

export const handler = scheduledFunction(() => expireDueItems(deps));
