/** GET /settings: the workspace's review settings (any active member). */
import { json } from '../shared/http/request.js';
import { routeFunction } from '../shared/http/route-function.js';
import { getSettingsRoute } from '../shared/http/routes/get-settings.js';
import { getSettings } from '../shared/use-cases/settings.js';
import { readDeps } from '../shared/wiring.js';

const deps = readDeps();

export const handler = routeFunction(getSettingsRoute, async ({ caller }) =>
  json(200, await getSettings(deps, caller)),
);
