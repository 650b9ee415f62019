/**
 * The execute-held-items invocation (spec 3, Send hold and undo): a pass, then more only while its schedule's minute
 * and its remaining time allow. The passes are counted; nothing here waits on the clock.
 */
import { describe, expect, it } from 'vitest';
import type { SendDeps } from '../../shared/use-cases/deps.js';
import { executeHeldItemsFor } from '../../shared/use-cases/held-items.js';

function depsCounting() {
  const reads: string[] = [];
  const deps = {
    store: {
      due: async (kind: string) => {
        reads.push(kind);
        return [];
      },
    },
    clock: () => new Date('2026-12-06T10:00:00.000Z'),
    newId: () => 'id',
  } as unknown as SendDeps;
  return { deps, reads };
}

describe('executeHeldItemsFor', () => {
  it('makes one pass (one read of DUE#HOLD) without a remaining-time context: the tests’ entry point', async () => {
    const { deps, reads } = depsCounting();
    expect(await executeHeldItemsFor(deps)).toEqual({ executed: 0, cancelled: 0, skipped: 0, passes: 1 });
    expect(reads).toEqual(['HOLD']);
  });

  it('stops after the pass when the invocation has too little time left for another', async () => {
    const { deps, reads } = depsCounting();
    expect((await executeHeldItemsFor(deps, () => 6_000)).passes).toBe(1);
    expect(reads).toHaveLength(1);
  });

  it("stops after the pass once its schedule's minute is over (the next run takes over)", async () => {
    const { deps, reads } = depsCounting();
    const over = new Date(Date.now() - 1);
    expect((await executeHeldItemsFor(deps, () => 80_000, over)).passes).toBe(1);
    expect(reads).toHaveLength(1);
  });
});
