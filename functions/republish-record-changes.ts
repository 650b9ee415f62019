/** Scheduled: unanswered Record Change Approved commands published again (same applyId), then apply_unknown. */
import { scheduledFunction } from '../shared/events/event-function.js';
import { republishRecordChanges } from '../shared/use-cases/record-apply.js';
import { writeDeps } from '../shared/wiring.js';

const deps = writeDeps();

export const handler = scheduledFunction(() => republishRecordChanges(deps));
