/**
 * `History` records: one per change of an item, in the item's partition, sorted by the version the change
 * produced, so history is in the order the changes happened whatever the clocks said. A history record is also the
 * outbox of its change: `outbox` holds the events the change publishes (shared/events/outbox.ts), and `tally` what the
 * change does to the counters (tally.ts).
 */
import type { HistoryEntry } from '../../domain/review-item.js';
import { itemEventId, type OutEvent } from '../../events/out-events.js';
import { OUTBOX_ATTRIBUTE } from '../../events/outbox.js';
import type { Attributes, TableKey } from '../table.js';
import { historyEntryRecord, parseRecord } from './record-schemas.js';
import { itemKeys } from './review-item.js';
import { type CounterWrite, tallyAttribute } from './tally.js';

export const HISTORY_ENTITY = 'History';

export const historyKeys = {
  /** History shares the item's partition. */
  pk: (workspaceId: string, itemId: string) => itemKeys.item(workspaceId, itemId).pk,
  sk: (version: number) => `H#${String(version).padStart(10, '0')}`,
  prefix: 'H#',
};

/**
 * The history record of a change, carrying the change's events, each with its id. The entry is checked by the
 * schema that reads it back (parseHistoryEntry): a writer never stores what its reader refuses.
 */
export function historyRecord(
  workspaceId: string,
  itemId: string,
  entry: HistoryEntry,
  events: OutEvent[],
  tally: CounterWrite[] = [],
): Attributes {
  parseRecord(historyEntryRecord, entry, 'history entry about to be written');
  const key: TableKey = { pk: historyKeys.pk(workspaceId, itemId), sk: historyKeys.sk(entry.version) };
  return {
    ...key,
    entity: HISTORY_ENTITY,
    ...entry,
    [OUTBOX_ATTRIBUTE]: events.map((event, index) => ({
      detailType: event.detailType,
      detail: { ...event.detail, eventId: itemEventId(itemId, entry.version, index) },
    })),
    ...tallyAttribute(tally),
  };
}

export const parseHistoryEntry = (record: Attributes): HistoryEntry =>
  parseRecord(historyEntryRecord, record, 'history entry');
