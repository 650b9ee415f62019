/** `History` records: one per change of an item, in the item's partition, oldest first by sort key. */
import type { HistoryEntry } from '../../domain/review-item.js';
import type { Attributes, TableKey } from '../table.js';
import { historyEntryRecord, parseRecord } from './record-schemas.js';
import { itemKeys } from './review-item.js';

export const HISTORY_ENTITY = 'History';

export const historyKeys = {
  /** History shares the item's partition. */
  pk: (workspaceId: string, itemId: string) => itemKeys.item(workspaceId, itemId).pk,
  sk: (at: string, unique: string) => `H#${at}#${unique}`,
  prefix: 'H#',
};

export function historyRecord(workspaceId: string, itemId: string, entry: HistoryEntry, unique: string) {
  const key: TableKey = { pk: historyKeys.pk(workspaceId, itemId), sk: historyKeys.sk(entry.at, unique) };
  return { ...key, entity: HISTORY_ENTITY, ...entry };
}

export const parseHistoryEntry = (record: Attributes): HistoryEntry =>
  parseRecord(historyEntryRecord, record, 'history entry');
