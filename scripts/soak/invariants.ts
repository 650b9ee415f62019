/**
 * What must hold after any sequence of operations, crashes and recoveries (spec 8, "Crash anywhere"):
 * - no email sent twice: local SES holds at most one email per item, and a `sent` item's is the one it names;
 * - no record change applied twice: the CRM applied at most one applyId per item;
 * - every approval ends in a visible state: no item is left `sending` or `applying`, and an approval is never an
 *   item's last word;
 * - every committed change's event is published, once per eventId after de-duplication (the same detail every time),
 *   and nothing is published that no change committed;
 * - each item's history is in version order, 1 to its version;
 * - every counter equals a recount: each counter record is the sum of the tallies of the changes the stream holds,
 *   each taken once, and the queue counters and open counts equal a count of the open items.
 */
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { isOpen, type ReviewItem } from '../../shared/domain/review-item.js';
import type { OutEvent } from '../../shared/events/out-events.js';
import { OUTBOX_ATTRIBUTE } from '../../shared/events/outbox.js';
import { automationKeys } from '../../shared/store/entities/automation-entry.js';
import { queueCounterKeys } from '../../shared/store/entities/queue-counter.js';
import { keyId, mergeWrites } from '../../shared/store/entities/tally.js';
import { talliesOfRecords } from '../../shared/store/tallies.js';
import type { Deps } from '../../shared/use-cases/deps.js';
import type { SoakTable } from './table.js';
import type { SoakProposal } from './workload.js';

export interface World {
  workspaceId: string;
  /** In every email subject of the run. */
  tag: string;
  proposals: SoakProposal[];
  itemIds: Set<string>;
  /** Every event the outbox publisher put on the bus, repeats included. */
  published: OutEvent[];
  /** The fake CRM, by applyId: what it does with the command, and how often it applied it. */
  crm: Map<string, { itemId: string; outcome: 'apply' | 'reject' | 'silent'; applications: number }>;
  /** Errors no use case should throw (a 500). */
  unexpected: string[];
}

const storeSchema = z.object({ emails: z.array(z.object({ messageId: z.string(), subject: z.string() })) });

export async function checkInvariants(
  world: World,
  table: SoakTable,
  deps: Deps,
  sesEndpoint: string,
): Promise<{ violations: string[]; emails: number; events: number }> {
  const violations: string[] = [];
  const items: ReviewItem[] = [];
  for (const id of world.itemIds) {
    const item = await deps.store.getItem(world.workspaceId, id);
    if (!item) violations.push(`item ${id} was reported created and is not stored`);
    else items.push(item);
  }

  // No email sent twice.
  const response = await fetch(`${sesEndpoint}/store`);
  const emails = storeSchema
    .parse(await response.json())
    .emails.filter((email) => email.subject.startsWith(`${world.tag} `));
  // An email item's subject is its proposal's, unique in the run; an item is never replaced once claimed, so the
  // subject it was sent with is the one it holds now.
  const itemsOfSubject = new Map<string, string[]>();
  for (const item of items)
    if (item.draft.type === 'email')
      itemsOfSubject.set(item.draft.subject, [...(itemsOfSubject.get(item.draft.subject) ?? []), item.id]);
  const emailsOfItem = new Map<string, string[]>();
  for (const email of emails) {
    const owners = itemsOfSubject.get(email.subject) ?? [];
    const [itemId] = owners;
    if (itemId === undefined || owners.length > 1) {
      const histories = [];
      for (const id of owners) histories.push(`${id}: ${await actionsOf(deps, world, id)}`);
      violations.push(`email "${email.subject}" belongs to ${owners.length} items (${histories.join('; ')})`);
      continue;
    }
    emailsOfItem.set(itemId, [...(emailsOfItem.get(itemId) ?? []), email.messageId]);
  }
  for (const [itemId, sent] of emailsOfItem)
    if (sent.length > 1) violations.push(`item ${itemId} was sent ${sent.length} times`);
  for (const item of items)
    if (item.status === 'sent') {
      const sent = emailsOfItem.get(item.id) ?? [];
      if (sent.length !== 1 || sent[0] !== item.decision?.messageId)
        violations.push(
          `item ${item.id} is sent as ${item.decision?.messageId}; local SES has ${sent.join(', ')}`,
        );
    }

  // No record change applied twice.
  const appliedOf = new Map<string, number>();
  for (const [applyId, state] of world.crm) {
    if (state.applications > 1) violations.push(`applyId ${applyId} was applied ${state.applications} times`);
    if (state.applications > 0) appliedOf.set(state.itemId, (appliedOf.get(state.itemId) ?? 0) + 1);
  }
  for (const [itemId, count] of appliedOf)
    if (count > 1)
      violations.push(
        `item ${itemId} had ${count} record changes applied (history: ${await actionsOf(deps, world, itemId)})`,
      );

  // Visible states, and history in version order.
  for (const item of items) {
    if (item.status === 'sending' || item.status === 'applying')
      violations.push(`item ${item.id} is left ${item.status}`);
    const history = await deps.store.getHistory(world.workspaceId, item.id);
    const versions = history.map((entry) => entry.version);
    if (versions.some((version, index) => version !== index + 1) || versions.at(-1) !== item.version)
      violations.push(`item ${item.id} (v${item.version}) has history versions ${versions.join(',')}`);
    if (history.at(-1)?.action === 'approved')
      violations.push(`item ${item.id}'s approval has no outcome (status ${item.status})`);
  }

  // Every committed change's event published, once per eventId after de-duplication.
  const committed = new Map<string, string>();
  for (const row of await scanAll(table, `attribute_exists(#o)`, { '#o': OUTBOX_ATTRIBUTE })) {
    for (const event of row[OUTBOX_ATTRIBUTE] as OutEvent[]) {
      const id = String(event.detail.eventId);
      if (committed.has(id)) violations.push(`eventId ${id} was committed twice`);
      committed.set(id, JSON.stringify(event));
    }
  }
  const published = new Map<string, string>();
  for (const event of world.published) {
    const id = String(event.detail.eventId);
    const json = JSON.stringify(event);
    if (published.has(id) && published.get(id) !== json)
      violations.push(`eventId ${id} was published with two different details`);
    published.set(id, json);
    if (!committed.has(id)) violations.push(`eventId ${id} was published and never committed`);
  }
  for (const id of committed.keys())
    if (!published.has(id)) violations.push(`eventId ${id} was committed and never published`);

  // Every counter equals a recount.
  const records: Parameters<typeof talliesOfRecords>[0] = [];
  await table.fromStart().pump(async (batch) => {
    records.push(...batch);
    return undefined;
  });
  for (const write of mergeWrites(talliesOfRecords(records).flatMap((tally) => tally.writes))) {
    const stored = await get(table, write.key);
    // Sums of ratios (bodyChangeRatioSum) differ in the last bits with the order they were added in.
    for (const [attribute, amount] of Object.entries(write.add))
      if (Math.abs(Number(stored?.[attribute] ?? 0) - amount) > 1e-9)
        violations.push(
          `${keyId(write.key)} ${attribute} is ${stored?.[attribute] ?? 0}, its tallies add ${amount}`,
        );
  }
  const open = items.filter((item) => isOpen(item.status));
  for (const userId of ['u_alice', 'u_bob', 'u_admin']) {
    const counter = await get(table, queueCounterKeys.counter(world.workspaceId, userId));
    const mine = open.filter((item) => item.reviewers.includes(userId)).length;
    if (Number(counter?.pending ?? 0) !== mine)
      violations.push(
        `${userId}'s queue counter is ${counter?.pending ?? 0}, ${mine} items are open for them`,
      );
  }
  for (const automationId of new Set(items.map((item) => item.origin.automationId))) {
    const entry = await get(table, automationKeys.workspaceEntry(world.workspaceId, automationId));
    const mine = open.filter((item) => item.origin.automationId === automationId).length;
    if (Number(entry?.openAll ?? 0) !== mine)
      violations.push(`${automationId}'s open count is ${entry?.openAll ?? 0}, ${mine} items are open`);
  }
  return { violations, emails: emails.length, events: committed.size };
}

async function actionsOf(deps: Deps, world: World, itemId: string): Promise<string> {
  const history = await deps.store.getHistory(world.workspaceId, itemId);
  return history.map((entry) => `${entry.version} ${entry.action}`).join(', ');
}

async function get(table: SoakTable, key: { pk: string; sk: string }) {
  const { Item } = await table.client.send(
    new GetCommand({ TableName: table.tableName, Key: key, ConsistentRead: true }),
  );
  return Item;
}

async function scanAll(table: SoakTable, filter: string, names: Record<string, string>) {
  const rows: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const out = await table.client.send(
      new ScanCommand({
        TableName: table.tableName,
        FilterExpression: filter,
        ExpressionAttributeNames: names,
        ExclusiveStartKey,
        ConsistentRead: true,
      }),
    );
    rows.push(...(out.Items ?? []));
    ExclusiveStartKey = out.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return rows;
}
