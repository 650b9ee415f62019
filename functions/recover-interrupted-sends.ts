/** Scheduled: items stuck in `sending` (the send was interrupted) are surfaced as `send_unknown`. */
import { scheduledFunction } from '../shared/events/event-function.js';
import { recoverInterruptedSends } from '../shared/use-cases/scheduled-jobs.js';
import { writeDeps } from '../shared/wiring.js';

const deps = writeDeps();

export const handler = scheduledFunction(() => recoverInterruptedSends(deps));
