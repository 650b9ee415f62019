/** EventBridge `crm` / `Record Changed` → the record's pending updates re-classified (clean, moot, drifted). */
import { recordChangedSchema } from '../shared/domain/crm-events.js';
import { eventFunction } from '../shared/events/event-function.js';
import { applyRecordChanged } from '../shared/use-cases/record-apply.js';
import { writeDeps } from '../shared/wiring.js';

const deps = writeDeps();

export const handler = eventFunction(recordChangedSchema, (event) => applyRecordChanged(deps, event));
