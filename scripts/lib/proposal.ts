/**
 * The proposal the tests and the benchmark start from: spec 2.1's example (test/fixtures/draft-proposed.json, read
 * as data, as the bundle report reads the fixtures), with typed overrides.
 */
import { readFileSync } from 'node:fs';
import { type DraftProposed, draftProposedSchema } from '../../shared/events/in-schemas.js';

/** The raw proposal event detail of spec 2.1 (before validation). */
export const rawProposal = (): Record<string, unknown> =>
  JSON.parse(
    readFileSync(new URL('../../test/fixtures/draft-proposed.json', import.meta.url), 'utf8'),
  ) as Record<string, unknown>;

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** A valid proposal with overrides (run and draft are merged one level deep). */
export function proposal(
  overrides: DeepPartial<DraftProposed> & Record<string, unknown> = {},
): DraftProposed {
  const raw = rawProposal() as Record<string, Record<string, unknown>>;
  const { run, draft, ...rest } = overrides as Record<string, Record<string, unknown> | undefined>;
  return draftProposedSchema.parse({
    ...raw,
    ...rest,
    run: { ...raw.run, ...run },
    draft: { ...raw.draft, ...draft },
  });
}
