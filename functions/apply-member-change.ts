/** EventBridge `directory` / `Workspace Member Changed` → the member directory. */

import { eventFunction } from '../shared/events/event-function.js';
import { memberChangedSchema } from '../shared/events/in-schemas.js';
import { applyMemberChange } from '../shared/use-cases/apply-member-change.js';
import { readDeps } from '../shared/wiring.js';

const { store } = readDeps();

export const handler = eventFunction(memberChangedSchema, async (change) => ({
  applied: await applyMemberChange(store, change),
}));
