/** Scheduled: open items past their workspace's limits are marked overdue, then escalated. */
import { scheduledFunction } from '../shared/events/event-function.js';
import { markOverdueItems } from '../shared/use-cases/overdue-jobs.js';
import { writeDeps } from '../shared/wiring.js';

const deps = writeDeps();

// As of the schedule's time: a limit is measured from when the run was due (locally, `runNow` may name that time).
export const handler = scheduledFunction((at) => markOverdueItems({ ...deps, clock: () => at }));
