/** EventBridge `automations` / `Review Draft Proposed` → a routed, deduplicated review item. */

import { eventFunction } from '../shared/events/event-function.js';
import { draftProposedSchema } from '../shared/events/in-schemas.js';
import { ingestProposal } from '../shared/use-cases/ingest-proposal.js';
import { writeDeps } from '../shared/wiring.js';

const deps = writeDeps();

export const handler = eventFunction(draftProposedSchema, (proposal) => ingestProposal(deps, proposal));
