/**
 * EventBridge pattern matching for the subset the manifest uses: every field the pattern names must be
 * present in the event with one of the listed values (exact, case-sensitive string equality, as
 * EventBridge does). Fields the pattern does not name are ignored; an empty list matches nothing.
 */
import type { EventPattern } from '../manifest.js';

/** The envelope fields a pattern can test. */
export interface MatchableEvent {
  source: string;
  'detail-type': string;
}

export function matchesPattern(event: MatchableEvent, pattern: EventPattern): boolean {
  return pattern.source.includes(event.source) && pattern['detail-type'].includes(event['detail-type']);
}
