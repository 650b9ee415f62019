/** EventBridge `directory` / `Workspace Member Changed` → the member directory. */
import { memberChangedSchema } from '../shared/domain/schemas.js';
import { eventFunction } from '../shared/events/event-function.js';
import { applyMemberChange } from '../shared/use-cases/apply-member-change.js';
import { readDeps } from '../shared/wiring.js';

const { store } = readDeps();

export const handler = eventFunction(memberChangedSchema, async (change) => ({
  applied: await applyMemberChange(store, change),
}));
