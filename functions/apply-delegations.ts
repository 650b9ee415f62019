/** Scheduled: walks the queues of members whose delegation changed or ends, a page at a time (spec 3, Delegation). */
import { scheduledFunction } from '../shared/events/event-function.js';
import { runDelegationJobs } from '../shared/use-cases/delegation-jobs.js';
import { writeDeps } from '../shared/wiring.js';

const deps = writeDeps();

export const handler = scheduledFunction(() => runDelegationJobs(deps));
