/**
 * The SES fault switch on the events port (spec 7), through the local runtime as `npm start` runs it: the handlers
 * send through the fault proxy in front of local SES, and `POST /faults/ses` arms a fault for the next n sends.
 * Approving an email then takes the rejection path (502, pending again with lastSendError), the unknown-outcome
 * path (504 after the mailer's 10 s request timeout, send_unknown, the email in local SES's store) or the mailer's
 * throttling retries; then sends are forwarded again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SesFaultState } from '../../infra/local/ses-fault-switch.js';
import { MAX_KEPT_REQUESTS, startSesFaultProxy } from '../../infra/local/ses-faults.js';
import { refusedEndpoint } from '../support/endpoints.js';
import {
  type ApiClient,
  type ApiItem,
  type Problem,
  type Scenario,
  startScenario,
  unique,
} from '../support/scenario.js';
import { findEmails } from '../support/ses.js';

let s: Scenario;
let alice: ApiClient;

beforeAll(async () => {
  s = await startScenario('ws_ses_faults');
  await s.members({ userId: 'u_alice', role: 'member', mailboxes: ['alice@acme.com'], active: true });
  alice = await s.as('u_alice');
});

afterAll(async () => {
  await s?.stop();
});

/** The events port's `/faults/ses`, as curl would call it. */
async function sesFaults(method: 'GET' | 'POST' | 'DELETE', body?: string) {
  const response = await fetch(`${s.runtime.urls.events}/faults/ses`, {
    method,
    ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/json' } }),
  });
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: await response.json(),
  };
}

const arm = async (action: string, count?: number) => {
  const answer = await sesFaults(
    'POST',
    JSON.stringify({ action, ...(count === undefined ? {} : { count }) }),
  );
  expect(answer.status).toBe(200);
  return answer.body as SesFaultState;
};

const state = async () => (await sesFaults('GET')).body as SesFaultState;

/** A pending email item with a subject no other test uses. */
async function pendingEmail(label: string): Promise<{ id: string; subject: string }> {
  const subject = `SES fault switch ${unique(label)}`;
  const { itemId } = await s.propose({ draft: { subject } });
  return { id: itemId, subject };
}

const approve = (id: string, body: Record<string, unknown> = {}) =>
  alice.post<ApiItem & Problem & { item: ApiItem & { lastSendError?: { code: string } } }>(
    `/review-items/${id}/approve`,
    body,
  );

const itemOf = async (id: string) =>
  (await alice.get<ApiItem & { lastSendError?: { code: string } | null }>(`/review-items/${id}`)).body;

/** What the switch says happened to the sends of one subject, oldest first. */
const sendsOf = async (subject: string) =>
  (await state()).sends
    .filter((send) => send.subject === subject)
    .map((send) => [send.action, send.reachedSes]);

describe('POST, GET and DELETE /faults/ses on the events port', () => {
  it('is disarmed at start', async () => {
    expect((await state()).armed).toBeNull();
  });

  it.each([
    ['{"action": "explode"}', 'action'],
    ['{"count": 2}', 'action'],
    ['{"action": "reject", "count": 0}', 'count'],
    ['{"action": "reject", "count": 1001}', 'count'],
    ['{"action": "reject", "count": 1.5}', 'count'],
    ['{"action": "reject", "count": "2"}', 'count'],
    ['{"action": "reject", "n": 2}', 'n'],
  ])('answers 400 problem details naming the field for %s, and arms nothing', async (body, field) => {
    const answer = await sesFaults('POST', body);

    expect(answer.status).toBe(400);
    expect(answer.contentType).toBe('application/problem+json');
    expect(answer.body).toMatchObject({ title: 'Invalid input', status: 400 });
    expect((answer.body as Problem).errors?.map((error) => error.path)).toEqual([field]);
    expect((answer.body as Problem).detail).toContain(field);
    expect((await state()).armed).toBeNull();
  });

  it('answers 400 to a body that is not a JSON object', async () => {
    for (const body of ['reject', '[]', '']) expect((await sesFaults('POST', body)).status).toBe(400);
  });

  it('arms 1 send by default; DELETE disarms, and the next approval is sent', async () => {
    expect((await arm('reject')).armed).toEqual({ action: 'reject', left: 1 });
    expect((await arm('throttle', 1000)).armed).toEqual({ action: 'throttle', left: 1000 });

    const disarmed = await sesFaults('DELETE');
    expect(disarmed.status).toBe(200);
    expect((disarmed.body as SesFaultState).armed).toBeNull();

    const { id, subject } = await pendingEmail('disarmed');
    expect((await approve(id)).status).toBe(200);
    expect(await sendsOf(subject)).toEqual([['forward', true]]);
  });
});

describe('reject: SES refuses the send', () => {
  it('answers 502 with the item pending again and the error shown; the next approval is sent', async () => {
    const { id, subject } = await pendingEmail('reject');
    await arm('reject', 1);

    const rejected = await approve(id);

    expect(rejected.status).toBe(502);
    expect(rejected.body.item.status).toBe('pending');
    expect(await itemOf(id)).toMatchObject({ status: 'pending', lastSendError: { code: 'MessageRejected' } });
    expect((await state()).armed).toBeNull();
    expect(await findEmails({ subject })).toHaveLength(0);

    const sent = await approve(id);

    expect(sent.status).toBe(200);
    expect(sent.body.status).toBe('sent');
    expect(await sendsOf(subject)).toEqual([
      ['reject', false],
      ['forward', true],
    ]);
    expect(await findEmails({ subject })).toHaveLength(1);
  });
});

describe('timeout: SES accepts the email and never answers', () => {
  it("answers 504 after the mailer's request timeout, the item send_unknown; the email is in local SES", async () => {
    const { id, subject } = await pendingEmail('timeout');
    await arm('timeout');

    const unknown = await approve(id);

    expect(unknown.status).toBe(504);
    expect(unknown.body.item.status).toBe('send_unknown');
    expect((await itemOf(id)).status).toBe('send_unknown');
    expect((await state()).sends.find((send) => send.subject === subject)).toMatchObject({
      action: 'timeout',
      reachedSes: true,
      sesStatus: 200,
    });
    // What a reviewer checks before deciding: the email did go out, once; a plain approve does not resend it.
    expect(await findEmails({ subject })).toHaveLength(1);
    expect((await approve(id)).status).toBe(409);
    expect(await findEmails({ subject })).toHaveLength(1);
  }, 30_000);
});

describe('throttle: SES answers 429 TooManyRequestsException', () => {
  it('is retried by the mailer after a backoff: one throttled send still ends sent', async () => {
    const { id, subject } = await pendingEmail('throttle-once');
    await arm('throttle', 1);

    const sent = await approve(id);

    expect(sent.status).toBe(200);
    expect(sent.body.status).toBe('sent');
    expect(await sendsOf(subject)).toEqual([
      ['throttle', false],
      ['forward', true],
    ]);
    expect(await findEmails({ subject })).toHaveLength(1);
  });

  it('answers 502 once the mailer has spent its 3 retries (4 throttled attempts), the item pending again', async () => {
    const { id, subject } = await pendingEmail('throttle-always');
    await arm('throttle', 4);

    const rejected = await approve(id);

    expect(rejected.status).toBe(502);
    expect(await itemOf(id)).toMatchObject({
      status: 'pending',
      lastSendError: { code: 'TooManyRequestsException' },
    });
    expect(await sendsOf(subject)).toEqual(Array.from({ length: 4 }, () => ['throttle', false]));
    expect(await findEmails({ subject })).toHaveLength(0);
  }, 20_000);
});

describe('the fault proxy in front of local SES', () => {
  it(`keeps the last ${MAX_KEPT_REQUESTS} SendEmail records`, async () => {
    // Rejected sends never reach the upstream, so none is needed.
    const proxy = await startSesFaultProxy({ upstream: await refusedEndpoint(), plan: 'reject' });
    try {
      const total = MAX_KEPT_REQUESTS + 5;
      for (let start = 0; start < total; start += 50) {
        const batch = Array.from({ length: Math.min(50, total - start) }, () =>
          fetch(`${proxy.endpoint}/v2/email/outbound-emails`, { method: 'POST', body: '{}' }).then((r) =>
            r.arrayBuffer(),
          ),
        );
        await Promise.all(batch);
      }

      expect(proxy.requests).toHaveLength(MAX_KEPT_REQUESTS);
      expect(proxy.requests[0]?.index).toBe(5);
      expect(proxy.requests.at(-1)?.index).toBe(total - 1);
    } finally {
      await proxy.stop();
    }
  });
});
