/** EventBridge `automations` / `Review Draft Proposed` → a routed, deduplicated review item. */
import { draftProposedSchema } from '../shared/domain/schemas.js';
import { eventFunction } from '../shared/events/event-function.js';
import { ingestProposal } from '../shared/use-cases/ingest-proposal.js';
import { writeDeps } from '../shared/wiring.js';

const deps = writeDeps();

export const handler = eventFunction(draftProposedSchema, (proposal) => ingestProposal(deps, proposal));
