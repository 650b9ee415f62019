/** PUT /settings: an admin saves the workspace's review settings, conditional on the version read. */
import { json } from '../shared/http/request.js';
import { routeFunction } from '../shared/http/route-function.js';
import { putSettingsRoute } from '../shared/http/routes/put-settings.js';
import { saveSettings } from '../shared/use-cases/save-settings.js';
import { writeDeps } from '../shared/wiring.js';

const deps = writeDeps();

export const handler = routeFunction(putSettingsRoute, async ({ caller, body }) =>
  json(200, await saveSettings(deps, caller, body)),
);
