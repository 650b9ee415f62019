/** Scheduled: open items past their workspace's limits are marked overdue, then escalated. */
import { scheduledFunction } from '../shared/events/event-function.js';
import { markOverdueItems } from '../shared/use-cases/overdue-jobs.js';
import { writeDeps } from '../shared/wiring.js';

const deps = writeDeps();

export const handler = scheduledFunction(() => markOverdueItems(deps));
