/**
 * Loading many items and members fast, for the scale tests and the benchmark: exactly the records the store's
 * write path writes (the item-change transaction of shared/store/item-change.ts, the member change), applied in
 * bulk instead of one transaction each: puts in BatchWriteItem requests of 25, and every update of one record
 * (counters, lookups) folded into the record it produces, read first if it exists. DynamoDB Local runs one
 * transaction at a time (about 30 ms for an ingest), so 10⁴ items would take minutes the other way.
 *
 * Not atomic and not conditional: only for a loader that owns the workspace it loads (nothing else writes to it
 * meanwhile). The update expressions it folds are the store's own (top-level SET, ADD and REMOVE). A change's tally
 * (the counters it moves: shared/store/entities/tally.ts) is folded into the counters at once, with the marker
 * apply-tallies would write, and left out of the record that carried it, so a stream consumer reading the table later
 * neither counts it again nor has to find out that it was counted.
 */
import { BatchGetCommand, BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dedupHashOf } from '../../shared/domain/dedup.js';
import { created } from '../../shared/domain/lifecycle.js';
import { historyEntry, type Member, type ReviewItem, utcIso } from '../../shared/domain/review-item.js';
import { candidateKeysOf, dedupKeyOf, routeReviewers } from '../../shared/drafts/proposal.js';
import type { DraftProposed } from '../../shared/events/in-schemas.js';
import { itemEvent } from '../../shared/events/out-events.js';
import { headClaimPut } from '../../shared/store/entities/dedup-head.js';
import { mailboxUpdates } from '../../shared/store/entities/mailbox.js';
import { memberRecord } from '../../shared/store/entities/member.js';
import {
  counterUpdate,
  markerPut,
  mergeWrites,
  TALLY_ATTRIBUTE,
  tallyOf,
} from '../../shared/store/entities/tally.js';
import { withTenant } from '../../shared/store/entities/tenant.js';
import { itemChangeOps } from '../../shared/store/item-change.js';
import type { TransactItem } from '../../shared/store/table.js';

type Row = Record<string, unknown>;
const keyOf = (key: Row) => JSON.stringify([key.pk, key.sk]);

/** Writes the puts and folds the updates of many item or member changes. */
export async function bulkLoad(
  db: DynamoDBDocumentClient,
  tableName: string,
  changeOps: TransactItem[],
): Promise<void> {
  const ops = [...changeOps];
  const puts = new Map<string, Row>();
  const updates = new Map<string, { key: Row; list: NonNullable<TransactItem['Update']>[] }>();
  const tallied = ops.flatMap((op) => {
    const tally = op.Put ? tallyOf(op.Put.Item as Row) : undefined;
    return tally ? [tally] : [];
  });
  for (const write of mergeWrites(tallied.flatMap((tally) => tally.writes))) {
    ops.push({
      Update: counterUpdate(tableName, {
        ...write,
        setIfAbsent: undefined,
        set: { ...write.setIfAbsent, ...write.set },
      }),
    });
  }
  for (const { source } of tallied) {
    const marker = markerPut(tableName, source, new Date()).Put;
    if (marker) ops.push({ Put: { TableName: tableName, Item: marker.Item } });
  }
  for (const op of ops) {
    if (op.Put) {
      // The tally is counted above: the record is written without it, so a stream consumer has nothing to count.
      const { [TALLY_ATTRIBUTE]: _counted, ...record } = op.Put.Item as Row;
      puts.set(keyOf(record), record);
    } else if (op.Update) {
      const id = keyOf(op.Update.Key as Row);
      const entry = updates.get(id) ?? { key: op.Update.Key as Row, list: [] };
      entry.list.push(op.Update);
      updates.set(id, entry);
    } else throw new Error('bulkLoad writes new records only: no deletes or condition checks');
  }
  const existing = await batchGet(
    db,
    tableName,
    [...updates.values()].filter(({ key }) => !puts.has(keyOf(key))).map(({ key }) => key),
  );
  for (const [id, { key, list }] of updates) {
    const record: Row = { ...(puts.get(id) ?? existing.get(id) ?? key) };
    for (const update of list) applyUpdate(record, update);
    puts.set(id, record);
  }
  await batchWrite(db, tableName, [...puts.values()].map(withTenant));
}

/** Applies one of the store's update expressions (top-level paths only) to a record in memory. */
function applyUpdate(record: Row, update: NonNullable<TransactItem['Update']>): void {
  const names = (update.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (update.ExpressionAttributeValues ?? {}) as Row;
  const name = (token: string) => {
    const resolved = token.startsWith('#') ? names[token] : token;
    if (!resolved || /[.[\]]/.test(token))
      throw new Error(`bulkLoad folds top-level paths only, not ${token}`);
    return resolved;
  };
  for (const clause of update.UpdateExpression?.split(/\s(?=SET |ADD |REMOVE )/) ?? []) {
    const [keyword, ...rest] = clause.trim().split(' ');
    const parts = rest
      .join(' ')
      .split(',')
      .map((part) => part.trim());
    for (const part of parts) {
      if (keyword === 'SET') {
        const [path, value] = part.split('=').map((s) => s.trim());
        record[name(path!)] = values[value!];
      } else if (keyword === 'ADD') {
        const [path, value] = part.split(/\s+/);
        const attribute = name(path!);
        record[attribute] = Number(record[attribute] ?? 0) + Number(values[value!]);
      } else if (keyword === 'REMOVE') {
        delete record[name(part)];
      } else throw new Error(`bulkLoad cannot fold ${clause}`);
    }
  }
}

async function batchGet(
  db: DynamoDBDocumentClient,
  tableName: string,
  keys: Row[],
): Promise<Map<string, Row>> {
  const found = new Map<string, Row>();
  for (let start = 0; start < keys.length; start += 100) {
    let pending = keys.slice(start, start + 100).map(({ pk, sk }) => ({ pk, sk }));
    while (pending.length > 0) {
      const out = await db.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending } } }));
      for (const row of out.Responses?.[tableName] ?? []) found.set(keyOf(row), row);
      pending = (out.UnprocessedKeys?.[tableName]?.Keys ?? []) as typeof pending;
    }
  }
  return found;
}

async function batchWrite(
  db: DynamoDBDocumentClient,
  tableName: string,
  rows: Row[],
  parallel = 8,
): Promise<void> {
  const chunks: Row[][] = [];
  for (let start = 0; start < rows.length; start += 25) chunks.push(rows.slice(start, start + 25));
  let next = 0;
  const worker = async () => {
    for (let chunk = chunks[next++]; chunk; chunk = chunks[next++]) {
      let pending = chunk.map((Item) => ({ PutRequest: { Item } }));
      while (pending.length > 0) {
        const out = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
        pending = (out.UnprocessedItems?.[tableName] ?? []) as typeof pending;
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

/**
 * The records ingest would write for these proposals, each a new item (distinct dedup keys), routed over
 * `directory` exactly as ingest routes (dropped proposals are left out).
 */
export function itemOps(
  tableName: string,
  proposals: DraftProposed[],
  directory: Member[],
  now: string,
  newId: () => string,
) {
  const ops: TransactItem[] = [];
  const items: ReviewItem[] = [];
  for (const proposal of proposals) {
    const { userIds, mailboxes } = candidateKeysOf(proposal);
    const candidates = directory.filter(
      (m) => userIds.includes(m.userId) || m.mailboxes.some((mailbox) => mailboxes.includes(mailbox)),
    );
    const routing = routeReviewers(proposal, candidates);
    if ('dropReason' in routing) continue;
    const { run } = proposal;
    const item = created(
      newId(),
      {
        workspaceId: proposal.workspaceId,
        type: 'email',
        draft: proposal.draft,
        reason: proposal.reason,
        relatedRecords: proposal.relatedRecords,
        origin: {
          automationId: run.automationId,
          ...(run.automationName ? { automationName: run.automationName } : {}),
          runId: run.id,
          stepId: run.stepId,
          executedAs: run.executedAs,
        },
        reviewers: routing.reviewers,
        dedupHash: dedupHashOf(dedupKeyOf(proposal)),
        proposedAt: utcIso(proposal.proposedAt),
      },
      now,
    );
    items.push(item);
    ops.push(
      headClaimPut(tableName, item, { kind: 'new' }),
      ...itemChangeOps(tableName, {
        before: null,
        after: item,
        entry: historyEntry(item, 'created', { kind: 'automation', runId: run.id }, { withDraft: true }),
        counters: {
          automationId: run.automationId,
          automationName: run.automationName,
          executedAs: run.executedAs,
          add: { proposed: 1 },
        },
        events: [
          itemEvent(
            'Review Item Created',
            item,
            { kind: 'automation', runId: run.id },
            { reviewers: item.reviewers },
          ),
        ],
      }),
    );
  }
  return { ops, items };
}

/** The records a first member change of each member writes (the member and its mailbox lookups). */
export function memberOps(tableName: string, members: Member[]): TransactItem[] {
  return members.flatMap((member) => [
    { Put: { TableName: tableName, Item: memberRecord(member) } },
    ...mailboxUpdates(tableName, undefined, member).map((Update) => ({ Update }) as TransactItem),
  ]);
}
