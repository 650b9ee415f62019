/**
 * A draft kind defined here, in test code only, and registered at runtime: a webhook call, with its own schemas, its
 * own executor (the call goes through a port this test records) and its own settle path. It goes through the
 * generic paths as the kinds of shared/drafts/ do, with no production file knowing of it: proposed (the event's
 * schema takes it), edited (the edit request takes its `call`), approved (its executor claims the item and makes the
 * call), settled (the answer applies it), on DynamoDB Local.
 */

import { beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { applyClaimed } from '../../shared/domain/lifecycle.js';
import type { ReviewItem } from '../../shared/domain/review-item.js';
import { registerKind } from '../../shared/drafts/index.js';
import type { DraftKind } from '../../shared/drafts/kind.js';
import { draftProposedSchema } from '../../shared/events/in-schemas.js';
import { approveRequestSchema, editRequestSchema } from '../../shared/http/requests.js';
import { approveItem, editItem } from '../../shared/use-cases/decide.js';
import { ingestProposal } from '../../shared/use-cases/ingest-proposal.js';
import { getReviewItem } from '../../shared/use-cases/read-items.js';
import { settleRecordChange } from '../../shared/use-cases/record-apply.js';
import {
  callerOf,
  createItemEnv,
  type ItemEnv,
  RUN_USER,
  seedMembers,
  uniqueProposal,
} from '../support/items.js';

const webhookCallSchema = z.object({
  type: z.literal('webhook.call'),
  url: z.url({ protocol: /^https$/ }),
  payload: z.string().check(z.minLength(1), z.maxLength(2000)),
});
type WebhookCall = z.output<typeof webhookCallSchema>;
const webhookEditSchema = z.strictObject({ payload: z.string().check(z.minLength(1), z.maxLength(2000)) });
type WebhookEdit = z.output<typeof webhookEditSchema>;

/** The port the kind's executor calls through; here it records the calls. */
interface WebhookPort {
  call(url: string, payload: string, idempotencyKey: string): Promise<void>;
}
const calls: { url: string; payload: string; idempotencyKey: string }[] = [];
const recordingPort: WebhookPort = {
  call: async (url, payload, idempotencyKey) => {
    calls.push({ url, payload, idempotencyKey });
  },
};

/** The item's draft is the kind's own (the item's type names it). */
const callOf = (item: { draft: unknown }) => item.draft as WebhookCall;

function webhookCallKind(port: WebhookPort): DraftKind<WebhookCall, WebhookCall, WebhookEdit> {
  return {
    type: 'webhook.call',
    proposalSchema: webhookCallSchema,
    schema: webhookCallSchema,
    previewSchema: webhookCallSchema,
    preview: (draft) => draft,
    editKey: 'call',
    noun: 'a webhook call',
    editSchema: webhookEditSchema,
    merge: (draft, edit) => ({ ...draft, ...edit }),
    hasEdits: () => false,
    replace: (_previous, proposal) => proposal,
    replaceReadsPrevious: false,
    candidates: () => ({ userIds: [], mailboxes: [] }),
    dedupParts: (draft) => [draft.url],
    records: () => [],
    indexKeys: () => ({}),
    fieldsOf: () => [],
    approveRefusal: () => null,
    approveTransition: 'applyClaim',
    approveCheck: () => undefined,
    // The executor: claim the item (applying, until the answer), then make the call with the claim's id.
    async approve(context) {
      const { item } = context;
      const applying = applyClaimed(item, {
        applyId: `call_${context.newId()}`,
        by: context.userId,
        claimedAt: context.now.toISOString(),
        fields: [],
        publications: 1,
        nextAt: new Date(context.now.getTime() + 60_000).toISOString(),
      });
      await context.commit(item, applying, 'approved', { withDraft: true });
      const draft = callOf(applying);
      await port.call(draft.url, draft.payload, applying.apply?.applyId ?? '');
      return applying;
    },
    settle: {
      appliedResult: () => ({}),
      rejectedDraft: (draft) => draft,
      command: (item) => ({ applyId: item.apply?.applyId, url: callOf(item).url }),
    },
    diff: (before, after) => ({ fields: before.payload === after.payload ? [] : ['payload'] }),
    headline: (draft) => `call ${draft.url}`,
    describe: (draft) => `Call ${draft.url} with ${draft.payload}`,
  };
}

// Before anything parses: the draft unions are built once, from the kinds registered then.
registerKind(webhookCallKind(recordingPort));

let env: ItemEnv;
const alice = callerOf(RUN_USER);

beforeAll(async () => {
  env = await createItemEnv({ prefix: 'fourth-kind' });
  await seedMembers(env.deps, [RUN_USER]);
});

describe('a fourth kind, registered by a test', () => {
  it('goes through propose, edit, approve, execute and settle on the generic paths', async () => {
    // Propose: the event's schema takes the kind's draft.
    const proposal = draftProposedSchema.parse({
      ...uniqueProposal(),
      draft: { type: 'webhook.call', url: 'https://hooks.example.com/renewals', payload: '{"stage":"won"}' },
    });
    const created = await ingestProposal(env.deps, proposal);
    expect(created.outcome).toBe('created');
    const itemId = (created as { itemId: string }).itemId;
    const proposed = (await env.deps.store.getItem('ws_acme', itemId)) as ReviewItem;
    expect(proposed).toMatchObject({ type: 'webhook.call', status: 'pending', reviewers: ['u_alice'] });

    // Edit: the edit request takes the kind's `call`, and only one edit.
    expect(() => editRequestSchema.parse({ version: 1, call: { payload: 'x' }, draft: {} })).toThrow(
      /give exactly one of draft \(an email\), changes \(a record update\), fields \(a record creation\) or call \(a webhook call\)/,
    );
    const edited = await editItem(
      env.deps,
      alice,
      itemId,
      editRequestSchema.parse({ version: 1, call: { payload: '{"stage":"lost"}' } }),
    );
    expect(edited).toMatchObject({ version: 2, edited: true, draft: { payload: '{"stage":"lost"}' } });
    expect(edited.permissions.canApprove).toBe(true);

    // Approve: the kind's executor claims the item and calls its port once, with the edited payload.
    const approved = await approveItem(env.deps, alice, itemId, approveRequestSchema.parse({ version: 2 }));
    expect(approved.status).toBe('applying');
    const applyId = approved.apply?.applyId as string;
    expect(calls).toEqual([
      { url: 'https://hooks.example.com/renewals', payload: '{"stage":"lost"}', idempotencyKey: applyId },
    ]);

    // Settle: the answer applies it, through the kind's settle path.
    const settled = await settleRecordChange(env.deps, {
      outcome: 'applied',
      workspaceId: 'ws_acme',
      itemId,
      applyId,
      record: { type: 'webhook', id: 'call_1' },
      appliedAt: new Date().toISOString(),
    });
    expect(settled).toEqual({ outcome: 'applied', itemId, version: 4 });
    const done = await getReviewItem(env.deps, alice, itemId);
    expect(done).toMatchObject({
      type: 'webhook.call',
      status: 'applied',
      decision: { action: 'approved', by: 'u_alice' },
    });
    const history = await env.deps.store.getHistory('ws_acme', itemId);
    expect(history.map((entry) => entry.action)).toEqual(['created', 'edited', 'approved', 'applied']);
    expect(history[1]?.diff).toEqual({ fields: ['payload'] });
  });

  it('refuses a kind registered after the unions were built', () => {
    expect(() => registerKind({ ...webhookCallKind(recordingPort), type: 'webhook.later' })).toThrow(
      /registered after the draft schemas were built/,
    );
  });
});
