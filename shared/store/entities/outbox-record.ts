/**
 * `Outbox` records: events of a change that is not an item change (a dropped proposal), with the change's tally (what
 * it does to the counters: tally.ts). The stream hands them to the publisher; they are kept a week (TTL), for a
 * redrive after the stream's 24 hours (docs/outbox.md).
 */
import type { OutEvent } from '../../events/out-events.js';
import { OUTBOX_ATTRIBUTE } from '../../events/outbox.js';
import { escapeKeySegment, tenant } from '../key-parts.js';
import type { Attributes } from '../table.js';
import { type CounterWrite, tallyAttribute } from './tally.js';

export const OUTBOX_ENTITY = 'Outbox';
const KEEP_SECONDS = 7 * 24 * 3600;

export function outboxRecord(
  workspaceId: string,
  id: string,
  events: OutEvent[],
  at: Date,
  tally: CounterWrite[] = [],
): Attributes {
  return {
    pk: `${tenant(workspaceId)}#OUTBOX#${escapeKeySegment(id)}`,
    sk: 'OUTBOX',
    entity: OUTBOX_ENTITY,
    [OUTBOX_ATTRIBUTE]: events.map((event, index) => ({
      detailType: event.detailType,
      detail: { ...event.detail, eventId: `${id}${index === 0 ? '' : `.${index}`}` },
    })),
    ...tallyAttribute(tally),
    ttl: Math.floor(at.getTime() / 1000) + KEEP_SECONDS,
  };
}
