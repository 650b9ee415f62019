/**
 * Every key of the table, in one place. Every tenant key starts with `WS#<workspaceId>#`, so two workspaces
 * can never meet in a partition. docs/table-design.md maps each access pattern to these keys.
 */

export const ENTITY = {
  item: 'ReviewItem',
  history: 'History',
  queueEntry: 'QueueEntry',
  head: 'DedupHead',
  member: 'Member',
  counters: 'AutomationCounters',
  duration: 'DecisionDuration',
  webhook: 'WebhookDelivery',
} as const;

const ws = (workspaceId: string) => `WS#${workspaceId}`;

export const keys = {
  item: (workspaceId: string, itemId: string) => ({ pk: `${ws(workspaceId)}#ITEM#${itemId}`, sk: 'ITEM' }),
  /** History shares the item's partition; sort keys order it oldest first. */
  historyPk: (workspaceId: string, itemId: string) => `${ws(workspaceId)}#ITEM#${itemId}`,
  historySk: (at: string, unique: string) => `H#${at}#${unique}`,
  historyPrefix: 'H#',
  /** One entry per reviewer of each open item: the reviewer's queue, newest first. */
  queuePk: (workspaceId: string, userId: string) => `${ws(workspaceId)}#QUEUE#${userId}`,
  queueSk: (createdAt: string, itemId: string) => `${createdAt}#${itemId}`,
  /** The head of a dedup key: which item is its open item, and the newest proposal seen for it. */
  head: (workspaceId: string, dedupHash: string) => ({
    pk: `${ws(workspaceId)}#DEDUP#${dedupHash}`,
    sk: 'HEAD',
  }),
  directoryPk: (workspaceId: string) => `${ws(workspaceId)}#DIR`,
  member: (workspaceId: string, userId: string) => ({ pk: `${ws(workspaceId)}#DIR`, sk: `MEMBER#${userId}` }),
  statsPk: (workspaceId: string, automationId: string) => `${ws(workspaceId)}#STATS#${automationId}`,
  /**
   * Counters are kept per visibility scope (`workspace`, or `user#<id>` for runs executed as that user), so that
   * a member's stats can be summed from exactly the scopes they may see.
   */
  counters: (workspaceId: string, automationId: string, scope: string) => ({
    pk: `${ws(workspaceId)}#STATS#${automationId}`,
    sk: `COUNTERS#${scope}`,
  }),
  countersPrefix: 'COUNTERS#',
  durationSk: (seconds: number, itemId: string) =>
    `DUR#${String(Math.max(0, Math.round(seconds))).padStart(12, '0')}#${itemId}`,
  webhook: (workspaceId: string, webhookId: string) => ({
    pk: `${ws(workspaceId)}#WEBHOOK#${webhookId}`,
    sk: 'WEBHOOK',
  }),

  /** gsi1: open items of a workspace, newest first. */
  openPk: (workspaceId: string) => `${ws(workspaceId)}#OPEN`,
  openSk: (createdAt: string, itemId: string) => `${createdAt}#${itemId}`,
  /** gsi2: work due for the scheduled jobs (not a request path; no tenant prefix by design). */
  duePk: (kind: 'EXPIRY' | 'SENDING') => `DUE#${kind}`,
  dueSk: (at: string, workspaceId: string, itemId: string) => `${at}#${workspaceId}#${itemId}`,
  /** gsi3: open items of a workspace by the draft's from mailbox. */
  fromPk: (workspaceId: string, mailbox: string) => `${ws(workspaceId)}#FROM#${mailbox.toLowerCase()}`,
};
