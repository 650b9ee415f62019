/**
 * Routing and dedup of a proposal (shared/domain/routing.ts, dedup.ts), with what the draft's kind says: its
 * routing candidates and what identifies "the same change" of its kind.
 */
import * as dedup from '../domain/dedup.js';
import type { Member } from '../domain/review-item.js';
import * as routing from '../domain/routing.js';
import type { DraftProposed } from '../events/in-schemas.js';
import { kindOf } from './index.js';

const candidatesOf = ({ draft }: DraftProposed) => kindOf(draft).candidates(draft);

/** Who routing must know about: the run user and record owners by id, the mailboxes the kind names. */
export const candidateKeysOf = (proposal: DraftProposed) =>
  routing.candidateKeysOf(proposal, candidatesOf(proposal));

/** The proposal's reviewers among `directory` (the candidates the store read). */
export const routeReviewers = (proposal: DraftProposed, directory: Member[]) =>
  routing.routeReviewers(proposal, directory, candidatesOf(proposal));

/** The proposal's dedup key. */
export const dedupKeyOf = (proposal: DraftProposed) =>
  dedup.dedupKeyOf(proposal, kindOf(proposal.draft).dedupParts(proposal.draft, proposal.relatedRecords));
