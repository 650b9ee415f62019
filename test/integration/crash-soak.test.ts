/**
 * spec 8, "Crash anywhere": the crash soak (scripts/soak/, docs/crash-soak.md), short and seeded. Random operations
 * with crashes at random points, each followed by a restart and recovery, then the invariants: no email sent twice,
 * no record change applied twice, every approval in a visible state, every committed event published once per eventId,
 * history in version order, every counter equal to a recount. `npm run soak` is the long version.
 */
import { describe, expect, it } from 'vitest';
import { runSoak } from '../../scripts/soak/soak.js';
import { dynamodbEndpoint, sesEndpoint } from '../support/endpoints.js';

const SEED = Number(process.env.SOAK_SEED ?? 20261206);

describe('crash soak', () => {
  // Guards against a hang, not a speed check: about 30 s alone, and more than 180 s once in the full suite, beside
  // the send hold's race and the other DynamoDB Local files on the 2-core machine.
  it('loses nothing to crashes at random points, with recovery after each', {
    timeout: 600_000,
  }, async () => {
    const report = await runSoak({
      dynamodbEndpoint: dynamodbEndpoint(),
      sesEndpoint: sesEndpoint(),
      seed: SEED,
      operations: 300,
      crashRate: 0.4,
    });
    console.info(
      `crash-soak: seed ${SEED} (replay with SOAK_SEED=${SEED}), ${report.crashes} crashes, ${report.items} items`,
    );
    expect(report.violations).toEqual([]);
    // The crashes happened, at the points of every adapter (the store, SES, the outbox publisher, the tallies), or
    // this would prove nothing about them; `npm run soak` fires every point in every operation that passes it.
    const fired = [...report.coverage].filter(([, c]) => c.fired > 0).map(([pair]) => pair.split(' × ')[1]);
    for (const adapter of ['store.transact.', 'ses.send.', 'outbox.', 'tallies.'])
      expect(fired.filter((point) => point?.startsWith(adapter)).length, adapter).toBeGreaterThan(0);
    expect(report.emails).toBeGreaterThan(0);
  });
});
