/**
 * `AutomationCounters` and `DecisionDuration` records: an automation's review stats. The counters are counted from
 * each change's tally (tally.ts), outside its transaction; a decision's duration record is written in it.
 * Counters are kept per visibility scope (`workspace`, or `user#<id>` for runs executed as that user), so that a
 * member's stats can be summed from exactly the scopes they may see (docs/review-stats.md).
 */
import * as z from 'zod/mini';
import { scopeOf } from '../../domain/routing.js';
import {
  COUNTER_NAMES,
  type CounterChange,
  type CounterName,
  type DecisionDuration,
  type ScopeCounters,
} from '../../use-cases/ports.js';
import type { Attributes, TableKey } from '../table.js';
import { parseRecord } from './record-schemas.js';
import type { CounterWrite } from './tally.js';

export const COUNTERS_ENTITY = 'AutomationCounters';
export const DURATION_ENTITY = 'DecisionDuration';

const statsPk = (workspaceId: string, automationId: string) => `WS#${workspaceId}#STATS#${automationId}`;

export const counterKeys = {
  statsPk,
  counters: (workspaceId: string, automationId: string, scope: string): TableKey => ({
    pk: statsPk(workspaceId, automationId),
    sk: `COUNTERS#${scope}`,
  }),
  countersPrefix: 'COUNTERS#',
  duration: (workspaceId: string, automationId: string, seconds: number, itemId: string): TableKey => ({
    pk: statsPk(workspaceId, automationId),
    sk: `DUR#${String(Math.max(0, Math.round(seconds))).padStart(12, '0')}#${itemId}`,
  }),
  durationPrefix: 'DUR#',
};

const count = z.catch(z.number(), 0);
const countersRecord = z.lazy(() =>
  z.object({
    sk: z.string(),
    automationName: z.optional(z.string()),
    ...Object.fromEntries(COUNTER_NAMES.map((name) => [name, z.optional(count)])),
  }),
);

export function parseCounters(record: Attributes): ScopeCounters {
  const { sk, automationName, ...counts } = parseRecord(countersRecord, record, 'automation counters');
  return {
    scope: sk.slice(counterKeys.countersPrefix.length),
    ...(automationName === undefined ? {} : { automationName }),
    ...(counts as Partial<Record<CounterName, number>>),
  };
}

const durationRecord = z.lazy(() =>
  z.object({
    seconds: z.number(),
    executedAsUserId: z.optional(z.nullable(z.string())),
  }),
);
export function parseDuration(record: Attributes): DecisionDuration {
  const parsed = parseRecord(durationRecord, record, 'decision duration');
  return { seconds: parsed.seconds, executedAsUserId: parsed.executedAsUserId ?? null };
}

/** What a change adds to its scope's counters (and the automation's latest name), as a tally write (tally.ts). */
export function countersWrite(workspaceId: string, change: CounterChange): CounterWrite {
  const set: Attributes = { entity: COUNTERS_ENTITY, automationId: change.automationId };
  if (change.automationName) set.automationName = change.automationName;
  const add: Record<string, number> = {};
  for (const [name, amount] of Object.entries(change.add)) if (amount) add[name] = amount;
  return {
    key: counterKeys.counters(workspaceId, change.automationId, scopeOf(change.executedAs)),
    set,
    add,
  };
}

export function durationRecordOf(workspaceId: string, change: CounterChange): Attributes | undefined {
  if (!change.decision) return undefined;
  return {
    ...counterKeys.duration(
      workspaceId,
      change.automationId,
      change.decision.seconds,
      change.decision.itemId,
    ),
    entity: DURATION_ENTITY,
    ...change.decision,
  };
}
