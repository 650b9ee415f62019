/** EventBridge `directory` / `Workspace Deleted` → the deletion of everything of the workspace begins. */
import { eventFunction } from '../shared/events/event-function.js';
import { workspaceDeletedSchema } from '../shared/events/in-schemas.js';
import { startWorkspaceDeletion } from '../shared/use-cases/delete-workspace.js';
import { writeDeps } from '../shared/wiring.js';

const deps = writeDeps();

export const handler = eventFunction(workspaceDeletedSchema, (event) => startWorkspaceDeletion(deps, event));
