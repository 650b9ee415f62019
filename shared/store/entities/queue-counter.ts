/**
 * `QueueCounter` records: one per reviewer, how many items wait in their queue, in all and per automation (with
 * the automation's name), so the summary reads one record instead of the queue (spec 8: the summary in at most 3
 * requests whatever the queue size, exact counts). The counts move with the queue entries, counted exactly once from
 * the change's tally (entities/tally.ts), outside its transaction: a reviewer's every change would otherwise write
 * this one record.
 *
 * Per automation, `a#<automationId>` holds the count and `n#<automationId>` the latest name, as top-level
 * attributes (ADD creates them; a nested map would have to exist first).
 */
import type { QueueCounts } from '../../use-cases/ports.js';
import { escapeKeySegment, tenant } from '../key-parts.js';
import type { Attributes, TableKey } from '../table.js';
import type { CounterWrite } from './tally.js';

export const QUEUE_COUNTER_ENTITY = 'QueueCounter';

export const queueCounterKeys = {
  counter: (workspaceId: string, userId: string): TableKey => ({
    pk: `${tenant(workspaceId)}#QCOUNT#${escapeKeySegment(userId)}`,
    sk: 'COUNT',
  }),
};

const COUNT_PREFIX = 'a#';
const NAME_PREFIX = 'n#';

/** What one change does to one reviewer's counts. */
export interface QueueCountChange {
  /** Per automation id: + or - items. */
  delta: Map<string, number>;
  /** Per automation id: its latest name, to keep. */
  names: Map<string, string>;
  /** + or - overdue items (spec 3, Overdue and escalation). */
  overdue?: number;
}

/** What a change does to one reviewer's counter, as a tally write (entities/tally.ts). */
export function queueCounterWrite(
  workspaceId: string,
  userId: string,
  change: QueueCountChange,
): CounterWrite {
  const add: Record<string, number> = {};
  const set: Attributes = { entity: QUEUE_COUNTER_ENTITY };
  let total = 0;
  for (const [automationId, amount] of change.delta) {
    if (amount === 0) continue;
    add[`${COUNT_PREFIX}${automationId}`] = amount;
    total += amount;
  }
  if (total !== 0) add.pending = total;
  if (change.overdue) add.overdue = change.overdue;
  for (const [automationId, name] of change.names) set[`${NAME_PREFIX}${automationId}`] = name;
  return { key: queueCounterKeys.counter(workspaceId, userId), set, add };
}

export const isEmptyCountChange = (change: QueueCountChange) =>
  change.names.size === 0 && !change.overdue && [...change.delta.values()].every((amount) => amount === 0);

/** The counts as stored; automations whose count went back to 0 are left out. */
export function parseQueueCounts(record: Attributes | undefined): QueueCounts {
  if (!record) return { pending: 0, overdue: 0, byAutomation: [] };
  const byAutomation: QueueCounts['byAutomation'] = [];
  for (const [name, value] of Object.entries(record)) {
    if (!name.startsWith(COUNT_PREFIX) || typeof value !== 'number' || value <= 0) continue;
    const automationId = name.slice(COUNT_PREFIX.length);
    const automationName = record[`${NAME_PREFIX}${automationId}`];
    byAutomation.push({
      automationId,
      automationName: typeof automationName === 'string' ? automationName : null,
      count: value,
    });
  }
  const pending = typeof record.pending === 'number' ? Math.max(0, record.pending) : 0;
  const overdue = typeof record.overdue === 'number' ? Math.max(0, record.overdue) : 0;
  return { pending, overdue, byAutomation };
}
