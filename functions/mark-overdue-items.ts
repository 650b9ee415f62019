/**
 * Scheduled: open items past their workspace's limits are marked overdue, then escalated; decided items whose
 * retention ends within a day get their expiry (DynamoDB's TTL deletes them).
 */
import { scheduledFunction } from '../shared/events/event-function.js';
import { runWorkspaceJobs } from '../shared/use-cases/overdue-jobs.js';
import { writeDeps } from '../shared/wiring.js';

const deps = writeDeps();

// As of the schedule's time: a limit is measured from when the run was due (locally, `runNow` may name that time).
export const handler = scheduledFunction((at) => runWorkspaceJobs({ ...deps, clock: () => at }));
