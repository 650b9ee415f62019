/**
 * The one DynamoDB table's shape: keys, indexes, stream and TTL settings. The store reads by these names; the
 * table is built from them by infra/table-definition.ts (the CDK stateful stack, the local runtime and the tests).
 * See docs/table-design.md for the access patterns.
 */
/** What a list index holds besides its keys. */
const LIST_PROJECTION = { include: ['summary'] } as const;

export type IndexProjection = 'ALL' | 'KEYS_ONLY' | { readonly include: readonly string[] };
export type IndexName = (typeof TABLE)['indexes'][number]['name'];

export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'ttl',
  /**
   * The stream feeds the outbox publisher (functions/publish-outbox.ts): new history entries and outbox records
   * carry the events a committed change must publish. NEW_IMAGE is all it reads.
   */
  streamViewType: 'NEW_IMAGE',
  /**
   * Global secondary indexes, all sparse (only records that carry the key attributes are indexed). The list
   * indexes hold only the `summary` of a row (an item without its bodies), so a 200 KB draft is not copied into
   * four indexes; the indexes the webhook and the jobs read hold the whole item, which they change.
   */
  indexes: [
    /** Open items of a workspace, newest first (an admin's workspace view). */
    { name: 'open', partitionKey: 'openPk', sortKey: 'listSk', projection: LIST_PROJECTION },
    /**
     * Items by visibility scope: open items of one scope (a member's workspace view reads `workspace` and their
     * own); record entries of one scope (a member's record banner).
     */
    { name: 'scope', partitionKey: 'scopePk', sortKey: 'listSk', projection: LIST_PROJECTION },
    /** By automation: open items of one automation (admin), a reviewer's queue entries of one automation. */
    { name: 'automation', partitionKey: 'automationPk', sortKey: 'listSk', projection: LIST_PROJECTION },
    /** Open items of one automation in one scope (a member's workspace view of one automation). */
    {
      name: 'scopeAutomation',
      partitionKey: 'scopeAutomationPk',
      sortKey: 'listSk',
      projection: LIST_PROJECTION,
    },
    /** Open email drafts by from-mailbox and thread (or subject when threadless): webhook matching. */
    { name: 'match', partitionKey: 'matchPk', sortKey: 'listSk', projection: 'ALL' },
    /** Open email drafts by from-mailbox and the provider's draft id: webhook matching. */
    { name: 'draftId', partitionKey: 'draftIdPk', sortKey: 'listSk', projection: 'ALL' },
    /** Work due for the scheduled jobs: pending items by expiresAt, items in `sending` by claim time. */
    { name: 'due', partitionKey: 'duePk', sortKey: 'dueSk', projection: 'ALL' },
    /**
     * Open items a workspace's overdue and escalation jobs still have to mark, by stage (no mark yet, overdue,
     * escalated only), oldest first by creation: the jobs read only what is due under the current settings.
     */
    { name: 'waiting', partitionKey: 'waitPk', sortKey: 'listSk', projection: 'ALL' },
    /** A workspace's active admins (escalation to the admins). */
    { name: 'admins', partitionKey: 'adminPk', sortKey: 'userId', projection: 'KEYS_ONLY' },
    /**
     * Decided items of a workspace not yet given their expiry, in 8 shards by the item, oldest decision first: the
     * retention job reads only the items whose retention ends soon (docs/table-design.md, "Retention").
     */
    { name: 'decided', partitionKey: 'decidedPk', sortKey: 'decidedSk', projection: 'KEYS_ONLY' },
    /**
     * Every record of a workspace, in 16 shards (entities/tenant.ts): the privacy jobs' walk of one workspace
     * (erasure reads its items, workspace deletion every record), never another workspace's.
     */
    { name: 'tenant', partitionKey: 'tenantPk', sortKey: 'tenantSk', projection: 'KEYS_ONLY' },
  ],
} as const;
