/** Scheduled: works off the running erasures, a page of the workspace's items at a time (spec 3, Data lifecycle). */
import { scheduledFunction } from '../shared/events/event-function.js';
import { runPrivacyJobs } from '../shared/use-cases/privacy-jobs.js';
import { writeDeps } from '../shared/wiring.js';

const deps = writeDeps();

export const handler = scheduledFunction(() => runPrivacyJobs(deps));
