/**
 * Cursors signed with the deployment's key ring (issue 20, 3; spec 4 "Cursors and bounds"), on DynamoDB Local
 * through the use cases: a cursor re-signed with the constant key the source held before is refused (400), as is one
 * signed with a key dropped from the ring; one signed with the previous key after a rotation still pages on.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors.js';
import { type CursorKeyRing, newCursorKey, rotatedCursorKeys } from '../../shared/store/cursor-keys.js';
import { ReviewStore } from '../../shared/store/review-store.js';
import { applyMemberChange } from '../../shared/use-cases/apply-member-change.js';
import type { Deps } from '../../shared/use-cases/deps.js';
import { ingestProposal } from '../../shared/use-cases/ingest-proposal.js';
import { listAutomations, listReviewItems } from '../../shared/use-cases/read-items.js';
import { newItemId } from '../../shared/wiring.js';
import { member, proposal } from '../fixtures/index.js';
import { createTestTable, type TestTable } from '../support/dynamo.js';

/** The key every cursor was signed with while it was a constant of shared/store/listing.ts. */
const OLD_CONSTANT_KEY = 'for-review list cursor v1';

let table: TestTable;
let ring: CursorKeyRing = { current: newCursorKey(), previous: [] };
let deps: Deps;

beforeAll(async () => {
  table = await createTestTable('cursor_keys');
  deps = {
    store: new ReviewStore(table.client, table.tableName, { cursorKeys: async () => ring }),
    clock: () => new Date(),
    newId: newItemId,
  };
});

async function workspaceWithItems(count: number) {
  const workspaceId = `ws_${randomUUID().slice(0, 8)}`;
  await applyMemberChange(deps.store, member({ workspaceId }));
  for (let i = 0; i < count; i++)
    await ingestProposal(
      deps,
      proposal({
        workspaceId,
        dedupKey: `k${i}`,
        run: { automationId: `auto_${i}`, automationName: `A${i}` },
        draft: { subject: `S${i}` },
      }),
    );
  return { workspaceId, userId: 'u_alice' };
}

/** The cursor with its payload re-signed with `key`, as listing.ts signs (HMAC-SHA-256 of binding and payload). */
function resigned(cursor: string, binding: string, key: string): string {
  const [payload] = cursor.split('.');
  const tag = createHmac('sha256', key).update(`${binding}\n${payload}`).digest('base64url').slice(0, 22);
  return `${payload}.${tag}`;
}
const queueBinding = (caller: { workspaceId: string; userId: string }) =>
  JSON.stringify(['items', caller.workspaceId, caller.userId, { kind: 'queue', userId: caller.userId }]);

describe('cursor keys', () => {
  it('a cursor re-signed with the old constant key answers 400; re-signed with the current key it pages on', async () => {
    const caller = await workspaceWithItems(3);
    const first = await listReviewItems(deps, caller, { limit: 1, scope: 'mine' });
    const cursor = first.nextCursor!;
    // The forger's signing is the service's: with the key the ring holds, the same re-signing is accepted.
    expect(resigned(cursor, queueBinding(caller), ring.current)).toBe(cursor);
    const forged = resigned(cursor, queueBinding(caller), OLD_CONSTANT_KEY);
    await expect(
      listReviewItems(deps, caller, { limit: 1, scope: 'mine', cursor: forged }),
    ).rejects.toBeInstanceOf(ValidationError);
    const second = await listReviewItems(deps, caller, { limit: 1, scope: 'mine', cursor });
    expect(second.items).toHaveLength(1);
  });

  it('after a rotation the previous key’s cursor still pages on; once it is dropped, 400', async () => {
    const caller = await workspaceWithItems(3);
    const cursor = (await listReviewItems(deps, caller, { limit: 1, scope: 'mine' })).nextCursor!;
    const automationsCursor = (await listAutomations(deps, caller, { limit: 1 })).nextCursor!;
    ring = rotatedCursorKeys(ring);
    const page = await listReviewItems(deps, caller, { limit: 1, scope: 'mine', cursor });
    expect(page.items).toHaveLength(1);
    expect((await listAutomations(deps, caller, { limit: 1, cursor: automationsCursor })).items).toHaveLength(
      1,
    );
    // What is answered now is signed with the new key, and pages on.
    expect(resigned(page.nextCursor!, queueBinding(caller), ring.current)).toBe(page.nextCursor);
    ring = { current: ring.current, previous: [] };
    await expect(listReviewItems(deps, caller, { limit: 1, scope: 'mine', cursor })).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(
      listAutomations(deps, caller, { limit: 1, cursor: automationsCursor }),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(
      (await listReviewItems(deps, caller, { limit: 1, scope: 'mine', cursor: page.nextCursor! })).items,
    ).toHaveLength(1);
  });
});
