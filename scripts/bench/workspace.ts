/**
 * The benchmark's workspace (spec 8 "Flat at scale"), seeded with exactly the records the app writes
 * (scripts/lib/bulk-load.ts: the store's own item-change and member-change records, in BatchWriteItem requests),
 * grown in steps: 10² → 10³ → … open items, each step adding to the last.
 *
 * The mix is the worst case of the first landing, as in test/integration/flat-at-scale.test.ts:
 * - Alice (a member) reviews 36 items: the oldest is the only item of `auto_rare` and of record
 *   `opportunity/opp_rare`; 30 are workspace runs, 5 her own private runs;
 * - every other item is Bob's private run (invisible to Alice, all newer than hers), in Bob's queue and mailbox,
 *   about record `account/acc_bob`, automation `auto_bob`;
 * - a directory of up to 10⁴ members (`u_m<i>`, mailbox `m<i>@acme.com`), grown with the items (10² members at
 *   10² items, … 10⁴ from 10⁴ items on).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type Member, utcIso } from '../../shared/domain/review-item.js';
import type { DraftProposed } from '../../shared/events/in-schemas.js';
import type { TransactItem } from '../../shared/store/table.js';
import { newItemId } from '../../shared/wiring.js';
import { bulkLoad, itemOps, memberOps } from '../lib/bulk-load.js';
import { proposal } from '../lib/proposal.js';

export const WORKSPACE_ID = 'ws_bench';
export const ALICE = 'u_alice';
export const BOB = 'u_bob';
export const ADMIN = 'u_admin';
/** The user the measured ingests run as: their items are private, so they change none of Alice's figures. */
export const CAROL = 'u_carol';
export const ALICE_ITEMS = 36;
export const MAX_DIRECTORY = 10_000;

/** Items are proposed from three days ago, a second apart (10⁵ items span 28 hours): never in the future. */
const START = Date.now() - 3 * 24 * 3600_000;
const at = (index: number) => new Date(START + index * 1000).toISOString();
const BOB_OFFSET = 1000;
const CHANGED_AT = utcIso(new Date(START - 3600_000).toISOString());

const person = (userId: string, role: Member['role'], mailbox: string): Member => ({
  workspaceId: WORKSPACE_ID,
  userId,
  role,
  mailboxes: [mailbox],
  active: true,
  changedAt: CHANGED_AT,
});
const PEOPLE: Member[] = [
  person(ALICE, 'member', 'alice@acme.com'),
  person(BOB, 'member', 'bob@acme.com'),
  person(ADMIN, 'admin', 'admin@acme.com'),
  person(CAROL, 'member', 'carol@acme.com'),
];
export const directoryMember = (index: number): Member =>
  person(`u_m${index}`, 'member', `m${index}@acme.com`);

/** Alice's 36 items, oldest first. */
function aliceProposals(): DraftProposed[] {
  const rare = proposal({
    workspaceId: WORKSPACE_ID,
    proposedAt: at(0),
    dedupKey: 'rare',
    run: {
      id: 'run_rare',
      automationId: 'auto_rare',
      automationName: 'Rare reminder',
      executedAs: { kind: 'workspace' },
    },
    relatedRecords: [{ type: 'opportunity', id: 'opp_rare' }],
    draft: { subject: 'The rare one', threadId: 'thread_rare' },
  });
  const shared = Array.from({ length: 30 }, (_, i) =>
    proposal({
      workspaceId: WORKSPACE_ID,
      proposedAt: at(1 + i),
      dedupKey: `shared${i}`,
      run: { id: `run_shared${i}`, executedAs: { kind: 'workspace' } },
      relatedRecords: [{ type: 'account', id: 'acc_shared' }],
      draft: { subject: `Shared ${i}`, threadId: `thread_shared${i}` },
    }),
  );
  const own = Array.from({ length: 5 }, (_, i) =>
    proposal({
      workspaceId: WORKSPACE_ID,
      proposedAt: at(40 + i),
      dedupKey: `own${i}`,
      run: { id: `run_own${i}`, executedAs: { kind: 'user', userId: ALICE } },
      relatedRecords: [{ type: 'account', id: 'acc_shared' }],
      draft: { subject: `Own ${i}`, threadId: `thread_own${i}` },
    }),
  );
  return [rare, ...shared, ...own];
}

/** Bob's private run number `index` (0-based), on its own thread in Bob's mailbox. */
export const bobThread = (index: number) => `thread_bob${index}`;
export const bobProposal = (index: number): DraftProposed =>
  proposal({
    workspaceId: WORKSPACE_ID,
    proposedAt: at(BOB_OFFSET + index),
    dedupKey: `bob${index}`,
    run: {
      id: `run_bob${index}`,
      automationId: 'auto_bob',
      automationName: 'Bob digest',
      executedAs: { kind: 'user', userId: BOB },
    },
    relatedRecords: [{ type: 'account', id: 'acc_bob', ownerId: BOB }],
    draft: {
      from: 'bob@acme.com',
      to: ['dave@globex.com'],
      subject: `Digest ${index}`,
      threadId: bobThread(index),
    },
  });

/** What is in the table so far. */
export interface Seeded {
  /** Open items seeded (Alice's and Bob's), not counting the measured ingests. */
  items: number;
  bobItems: number;
  /** Directory members `u_m<i>` (the four people aside). */
  directory: number;
}

const CHUNK = 2_000;

/**
 * Grows the workspace to `items` open seeded items and `min(items, 10⁴)` directory members; answers what it
 * holds and how long the step took.
 */
export async function seedTo(
  db: DynamoDBDocumentClient,
  tableName: string,
  seeded: Seeded,
  items: number,
  onProgress: (bobItems: number) => void = () => undefined,
): Promise<Seeded> {
  // Each chunk is built while the one before it is written (building is node's work, writing DynamoDB Local's).
  let writing: Promise<void> = Promise.resolve();
  const write = async (ops: TransactItem[]) => {
    await writing;
    writing = bulkLoad(db, tableName, ops);
  };
  // Every item is created at the time it was proposed, as ingest would have created it then.
  const opsOf = (proposals: DraftProposed[], directory: Member[]) =>
    proposals.flatMap((p) => {
      const made = itemOps(tableName, [p], directory, p.proposedAt, newItemId);
      if (made.items.length !== 1) throw new Error(`The proposal of ${p.run.id} would be dropped`);
      return made.ops;
    });

  if (seeded.items === 0) await write([...memberOps(tableName, PEOPLE), ...opsOf(aliceProposals(), PEOPLE)]);

  const directory = Math.min(items, MAX_DIRECTORY);
  for (let start = seeded.directory; start < directory; start += CHUNK) {
    const members = Array.from({ length: Math.min(CHUNK, directory - start) }, (_, i) =>
      directoryMember(start + i),
    );
    await write(memberOps(tableName, members));
  }

  const bobItems = items - ALICE_ITEMS;
  const bob = PEOPLE.filter((m) => m.userId === BOB);
  for (let start = seeded.bobItems; start < bobItems; start += CHUNK) {
    const proposals = Array.from({ length: Math.min(CHUNK, bobItems - start) }, (_, i) =>
      bobProposal(start + i),
    );
    await write(opsOf(proposals, bob));
    onProgress(start);
  }
  await writing;
  return { items, bobItems, directory };
}
