/**
 * Lambda event filtering for DynamoDB stream records (an event source mapping's FilterCriteria), for the
 * subset the manifest uses (`StreamFilterPattern`): a pattern is a tree of objects whose leaves are lists of
 * allowed values. A record matches when every field the pattern names is present in the record and, at a
 * leaf, the record's value equals one of the listed values (exact, case-sensitive, as Lambda compares them;
 * a record value that is an array matches when any element does). Fields the pattern does not name are
 * ignored; an empty list matches nothing. Lambda drops the records that do not match, and so does the local
 * stream reader. Content-filter operators (`prefix`, `anything-but`, `numeric`, `exists`…) are not part of
 * the subset: a pattern that uses one is refused when the runtime starts instead of being matched wrongly.
 */
import type { StreamFilterPattern } from '../manifest.js';

type Leaf = string | number | boolean | null;

export class UnsupportedFilterError extends Error {
  constructor(path: string, detail: string) {
    super(
      `Stream filter at ${path || '(root)'}: ${detail} (the local stream reader supports value lists only)`,
    );
    this.name = 'UnsupportedFilterError';
  }
}

/** Throws UnsupportedFilterError for a pattern outside the supported subset. */
export function assertSupportedFilter(pattern: unknown, path = ''): void {
  if (Array.isArray(pattern)) {
    for (const value of pattern) {
      if (!isLeaf(value)) throw new UnsupportedFilterError(path, `${JSON.stringify(value)} is an operator`);
    }
    return;
  }
  if (typeof pattern !== 'object' || pattern === null)
    throw new UnsupportedFilterError(path, 'expected an object or a list of values');
  for (const [key, child] of Object.entries(pattern))
    assertSupportedFilter(child, path ? `${path}.${key}` : key);
}

/** True when the stream record (as Lambda would hand it to the function) matches the pattern. */
export function matchesStreamFilter(record: unknown, pattern: StreamFilterPattern): boolean {
  return matches(record, pattern);
}

function matches(value: unknown, pattern: unknown): boolean {
  if (Array.isArray(pattern)) {
    const candidates = Array.isArray(value) ? value : [value];
    return candidates.some((candidate) => isLeaf(candidate) && pattern.includes(candidate));
  }
  if (typeof pattern !== 'object' || pattern === null) return false;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.entries(pattern).every(
    ([key, child]) => Object.hasOwn(value, key) && matches((value as Record<string, unknown>)[key], child),
  );
}

function isLeaf(value: unknown): value is Leaf {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}
