/** EventBridge `crm` / `Record Change Applied`, `Record Change Rejected` → the approved record draft settled. */
import {
  type RecordChangeApplied,
  type RecordChangeRejected,
  recordChangeAppliedSchema,
  recordChangeRejectedSchema,
} from '../shared/domain/crm-events.js';
import { eventFunctionByType } from '../shared/events/event-function.js';
import { settleRecordChange } from '../shared/use-cases/record-apply.js';
import { writeDeps } from '../shared/wiring.js';

const deps = writeDeps();

export const handler = eventFunctionByType(
  {
    'Record Change Applied': recordChangeAppliedSchema,
    'Record Change Rejected': recordChangeRejectedSchema,
  },
  (detailType, detail) =>
    settleRecordChange(
      deps,
      detailType === 'Record Change Applied'
        ? { outcome: 'applied', ...(detail as RecordChangeApplied) }
        : { outcome: 'rejected', ...(detail as RecordChangeRejected) },
    ),
);
