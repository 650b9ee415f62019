import { describe, expect, it } from 'vitest';
import { matchesPattern } from '../../infra/local/event-pattern.js';
import { EVENT_PATTERNS, type EventPattern } from '../../infra/manifest.js';

const event = (source: string, detailType: string) => ({ source, 'detail-type': detailType });

describe('matchesPattern (EventBridge exact-value matching)', () => {
  it('matches an event whose source and detail-type are both listed', () => {
    expect(matchesPattern(event('automations', 'Review Draft Proposed'), EVENT_PATTERNS.draftProposed)).toBe(
      true,
    );
  });

  it('does not match when only the source matches', () => {
    expect(
      matchesPattern(event('automations', 'Workspace Member Changed'), EVENT_PATTERNS.draftProposed),
    ).toBe(false);
  });

  it('does not match when only the detail-type matches', () => {
    expect(matchesPattern(event('directory', 'Review Draft Proposed'), EVENT_PATTERNS.draftProposed)).toBe(
      false,
    );
  });

  it('compares exactly: case, surrounding space and prefixes all differ', () => {
    const pattern = EVENT_PATTERNS.memberChanged;
    expect(matchesPattern(event('Directory', 'Workspace Member Changed'), pattern)).toBe(false);
    expect(matchesPattern(event('directory', 'workspace member changed'), pattern)).toBe(false);
    expect(matchesPattern(event('directory ', 'Workspace Member Changed'), pattern)).toBe(false);
    expect(matchesPattern(event('directory', 'Workspace Member'), pattern)).toBe(false);
  });

  it('matches any of several listed values (OR within a field)', () => {
    const pattern: EventPattern = { source: ['a', 'b'], 'detail-type': ['X', 'Y'] };
    expect(matchesPattern(event('b', 'X'), pattern)).toBe(true);
    expect(matchesPattern(event('a', 'Y'), pattern)).toBe(true);
    expect(matchesPattern(event('c', 'X'), pattern)).toBe(false);
  });

  it('matches nothing when a field lists no values', () => {
    expect(matchesPattern(event('a', 'X'), { source: [], 'detail-type': ['X'] })).toBe(false);
  });

  it("never delivers the system's own events to the ingest rules", () => {
    const own = event('for-review', 'Review Item Created');
    expect(Object.values(EVENT_PATTERNS).some((pattern) => matchesPattern(own, pattern))).toBe(false);
  });
});
