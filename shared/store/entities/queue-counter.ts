/**
 * `QueueCounter` records: one per reviewer, how many items wait in their queue, in all and per automation (with
 * the automation's name), kept in the same transactions as the queue entries, so the summary reads one record
 * instead of the queue (SPEC 8: the summary in at most 3 requests whatever the queue size, exact counts).
 *
 * Per automation, `a#<automationId>` holds the count and `n#<automationId>` the latest name, as top-level
 * attributes (ADD creates them; a nested map would have to exist first).
 */
import { part, tenant } from '../key-parts.js';
import type { Attributes, TableKey } from '../table.js';

export const QUEUE_COUNTER_ENTITY = 'QueueCounter';

export const queueCounterKeys = {
  counter: (workspaceId: string, userId: string): TableKey => ({
    pk: `${tenant(workspaceId)}#QCOUNT#${part(userId)}`,
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
}

export function queueCounterUpdate(
  tableName: string,
  workspaceId: string,
  userId: string,
  change: QueueCountChange,
) {
  const names: Record<string, string> = {};
  const values: Attributes = { ':entity': QUEUE_COUNTER_ENTITY };
  const adds: string[] = [];
  const sets = ['entity = :entity'];
  let total = 0;
  let n = 0;
  for (const [automationId, amount] of change.delta) {
    if (amount === 0) continue;
    n += 1;
    names[`#a${n}`] = `${COUNT_PREFIX}${automationId}`;
    values[`:a${n}`] = amount;
    adds.push(`#a${n} :a${n}`);
    total += amount;
  }
  if (total !== 0) {
    adds.unshift('pending :total');
    values[':total'] = total;
  }
  for (const [automationId, name] of change.names) {
    n += 1;
    names[`#n${n}`] = `${NAME_PREFIX}${automationId}`;
    values[`:n${n}`] = name;
    sets.push(`#n${n} = :n${n}`);
  }
  return {
    TableName: tableName,
    Key: queueCounterKeys.counter(workspaceId, userId),
    UpdateExpression: `SET ${sets.join(', ')}${adds.length ? ` ADD ${adds.join(', ')}` : ''}`,
    ...(n > 0 ? { ExpressionAttributeNames: names } : {}),
    ExpressionAttributeValues: values,
  };
}

export const isEmptyCountChange = (change: QueueCountChange) =>
  change.names.size === 0 && [...change.delta.values()].every((amount) => amount === 0);

export interface QueueCounts {
  pending: number;
  byAutomation: { automationId: string; automationName: string | null; count: number }[];
}

/** The counts as stored; automations whose count went back to 0 are left out. */
export function parseQueueCounts(record: Attributes | undefined): QueueCounts {
  if (!record) return { pending: 0, byAutomation: [] };
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
  return { pending, byAutomation };
}
