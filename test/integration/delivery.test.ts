/**
 * SES delivery reports on sent items (spec 2.5, 3 "Delivery"), on DynamoDB Local and a real send through local SES:
 * the report is kept as `delivery`, in history and as `Review Item Delivery Updated`; the latest report wins; an
 * older or repeated report, or one about mail this service did not send, changes nothing.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ReviewItem } from '../../shared/domain/review-item.js';
import { type SesDeliveryEvent, sesDeliveryEventSchema } from '../../shared/events/in-schemas.js';
import { businessMetricOf } from '../../shared/metric-names.js';
import { approveItem } from '../../shared/use-cases/decide.js';
import { recordDelivery } from '../../shared/use-cases/record-delivery.js';
import {
  callerOf,
  createItemEnv,
  type ItemEnv,
  RUN_USER,
  SENDING_ADMIN,
  seedItem,
  seedMembers,
} from '../support/items.js';

let env: ItemEnv;

beforeAll(async () => {
  env = await createItemEnv({ prefix: 'delivery' });
  await seedMembers(env.deps, [RUN_USER, SENDING_ADMIN]);
});

interface SesFixture {
  mail: Record<string, unknown>;
  bounce: Record<string, unknown>;
}
const bounceFixture = (): SesFixture =>
  JSON.parse(readFileSync(new URL('../fixtures/ses-bounce.json', import.meta.url), 'utf8'));

/** An SES event of `eventType` about `item`'s send, at `at`. */
function sesEvent(item: ReviewItem, eventType: SesDeliveryEvent['eventType'], at: string): SesDeliveryEvent {
  const raw = bounceFixture();
  const mail = {
    ...raw.mail,
    messageId: item.decision?.messageId,
    tags: { ...(raw.mail.tags as object), reviewItemId: [item.id], workspaceId: [item.workspaceId] },
  };
  const report =
    eventType === 'Reject'
      ? { reject: { reason: 'Bad content' } }
      : eventType === 'Rendering Failure'
        ? { failure: { errorMessage: 'Attribute name is missing', templateName: 'MyTemplate' } }
        : eventType === 'Bounce'
          ? { bounce: { ...raw.bounce, timestamp: at } }
          : eventType === 'Delivery'
            ? { delivery: { timestamp: at, recipients: ['carol@globex.com'], smtpResponse: '250 ok' } }
            : {
                complaint: {
                  timestamp: at,
                  complaintFeedbackType: 'abuse',
                  complainedRecipients: [{ emailAddress: 'carol@globex.com' }],
                },
              };
  // A reject or rendering failure has no time of its own: SES's time of the send is theirs.
  const withTime =
    eventType === 'Reject' || eventType === 'Rendering Failure' ? { ...mail, timestamp: at } : mail;
  return sesDeliveryEventSchema.parse({ eventType, mail: withTime, ...report });
}

async function sentItem(): Promise<ReviewItem> {
  const item = await seedItem(env.deps);
  const sent = await approveItem(env.deps, callerOf(RUN_USER), item.id, {});
  expect(sent.status).toBe('sent');
  return (await env.deps.store.getItem(item.workspaceId, item.id))!;
}

describe('delivery reports', () => {
  it('keeps a delivery, then a later complaint, with history and events; older and repeated reports change nothing', async () => {
    const item = await sentItem();

    expect(
      await recordDelivery(env.deps, sesEvent(item, 'Delivery', '2026-11-20T10:05:01.000Z')),
    ).toMatchObject({
      outcome: 'recorded',
      status: 'delivered',
    });
    expect(
      await recordDelivery(env.deps, sesEvent(item, 'Delivery', '2026-11-20T10:05:01.000Z')),
    ).toMatchObject({
      outcome: 'ignored',
    });
    expect(
      await recordDelivery(env.deps, sesEvent(item, 'Complaint', '2026-11-20T10:09:00.000Z')),
    ).toMatchObject({
      outcome: 'recorded',
      status: 'complained',
    });
    // A bounce report older than the complaint arrives late.
    expect(
      await recordDelivery(env.deps, sesEvent(item, 'Bounce', '2026-11-20T10:06:00.000Z')),
    ).toMatchObject({
      outcome: 'ignored',
    });

    const after = await env.deps.store.getItem(item.workspaceId, item.id);
    expect(after).toMatchObject({
      status: 'sent',
      delivery: {
        status: 'complained',
        at: '2026-11-20T10:09:00.000Z',
        detail: 'complaint (abuse): carol@globex.com',
      },
    });
    const history = await env.deps.store.getHistory(item.workspaceId, item.id);
    expect(history.map((h) => [h.action, h.detail?.status])).toEqual([
      ['created', undefined],
      ['approved', undefined],
      ['sent', undefined],
      ['delivery_updated', 'delivered'],
      ['delivery_updated', 'complained'],
    ]);
    const events = await env.outbox.of('Review Item Delivery Updated', item.workspaceId, item.id);
    expect(
      events.map((e) => [
        (e.detail.delivery as { status: string }).status,
        e.detail.version,
        e.detail.messageId,
      ]),
    ).toEqual([
      ['delivered', 4, item.decision?.messageId],
      ['complained', 5, item.decision?.messageId],
    ]);
  });

  it('keeps a reject and a rendering failure, and both count in DeliveryFailed', async () => {
    const kept = [];
    for (const [eventType, status, detail] of [
      ['Reject', 'rejected', 'rejected: Bad content'],
      ['Rendering Failure', 'rendering_failed', 'rendering failed: Attribute name is missing'],
    ] as const) {
      const item = await sentItem();
      expect(
        await recordDelivery(env.deps, sesEvent(item, eventType, '2026-11-20T10:05:00.000Z')),
      ).toMatchObject({
        outcome: 'recorded',
        status,
      });
      expect((await env.deps.store.getItem(item.workspaceId, item.id))?.delivery).toEqual({
        status,
        at: '2026-11-20T10:05:00.000Z',
        detail,
      });
      kept.push(...(await env.outbox.of('Review Item Delivery Updated', item.workspaceId, item.id)));
    }
    expect(kept.map(businessMetricOf)).toEqual(['DeliveryFailed', 'DeliveryFailed']);
  });

  it('keeps a bounce with its type and recipients', async () => {
    const item = await sentItem();
    await recordDelivery(env.deps, sesEvent(item, 'Bounce', '2026-11-20T10:06:00.000Z'));
    expect((await env.deps.store.getItem(item.workspaceId, item.id))?.delivery).toEqual({
      status: 'bounced',
      at: '2026-11-20T10:06:00.000Z',
      detail: 'Permanent/General bounce: carol@globex.com',
    });
  });

  it('ignores a report about mail it did not send, another message id, or an item not sent', async () => {
    const item = await sentItem();
    const untagged = sesEvent(item, 'Delivery', '2026-11-20T10:05:01.000Z');
    untagged.mail.tags = {};
    expect(await recordDelivery(env.deps, untagged)).toMatchObject({ outcome: 'ignored' });

    const other = sesEvent(item, 'Delivery', '2026-11-20T10:05:01.000Z');
    other.mail.messageId = 'another-message';
    expect(await recordDelivery(env.deps, other)).toMatchObject({ outcome: 'ignored' });

    const pending = await seedItem(env.deps);
    const early = sesEvent(
      { ...pending, decision: { action: 'approved', by: 'u', at: 'x', messageId: 'm' } },
      'Delivery',
      '2026-11-20T10:05:01.000Z',
    );
    expect(await recordDelivery(env.deps, early)).toMatchObject({ outcome: 'ignored' });

    expect((await env.deps.store.getItem(item.workspaceId, item.id))?.version).toBe(item.version);
    expect(await env.deps.store.getHistory(pending.workspaceId, pending.id)).toHaveLength(1);
  });
});
