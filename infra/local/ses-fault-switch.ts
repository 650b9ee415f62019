/**
 * The SES fault switch (spec 7): the next n SendEmail calls of the handlers get a fault from the proxy in front of
 * local SES (ses-faults.ts), then sends are forwarded again. The events port serves it (`POST`, `GET` and
 * `DELETE /faults/ses`, event-bus.ts), so the rejection and unknown-outcome paths can be driven through `npm start`:
 *
 * | action     | the proxy's action | reaches local SES | the mailer (shared/mail/mailer.ts) sees                        |
 * |------------|--------------------|-------------------|----------------------------------------------------------------|
 * | `reject`   | `reject`           | no                | 400 MessageRejected: nothing sent, the item pending again (502) |
 * | `timeout`  | `accept-hang`      | yes (in `/store`) | no answer until its request timeout: unknown outcome (504)     |
 * | `throttle` | `throttle`         | no                | 429 TooManyRequestsException, which it retries after a backoff |
 */
import * as z from 'zod/mini';
import type { FieldIssue } from '../../shared/errors.js';
import { PROBLEM_TYPE_BASE } from '../../shared/http/gateway-problem.js';
import type { LocalLog } from './log.js';
import type { FaultAction, FaultRecord, SesFaultProxy } from './ses-faults.js';

const PROXY_ACTIONS = {
  reject: 'reject',
  timeout: 'accept-hang',
  throttle: 'throttle',
} as const satisfies Record<string, FaultAction>;

export type SesFault = keyof typeof PROXY_ACTIONS;

const MAX_COUNT = 1_000;
/** How many of the last SendEmail calls `state()` shows. */
const SHOWN_SENDS = 20;

const COUNT_MESSAGE = `must be a whole number from 1 to ${MAX_COUNT}`;

/** The body of `POST /faults/ses`. */
const sesFaultRequestSchema = z.strictObject(
  {
    action: z.enum(['reject', 'timeout', 'throttle'], 'must be "reject", "timeout" or "throttle"'),
    count: z._default(
      z.int(COUNT_MESSAGE).check(z.minimum(1, COUNT_MESSAGE), z.maximum(MAX_COUNT, COUNT_MESSAGE)),
      1,
    ),
  },
  'must be a JSON object: {"action": "reject" | "timeout" | "throttle", "count": n}',
);

export type SesFaultRequest = z.output<typeof sesFaultRequestSchema>;

/** What happened to one SendEmail call. */
export interface SesSend {
  /** Its number among the calls since the runtime started (0 is the first). */
  index: number;
  at: string;
  subject: string | undefined;
  /** `forward`: passed on to local SES untouched. */
  action: SesFault | 'forward';
  /** Whether local SES got it (and stored the email when it answered 200). */
  reachedSes: boolean;
  sesStatus?: number;
}

export interface SesFaultState {
  /** What the next SendEmail calls get; null when they are forwarded. */
  armed: { action: SesFault; left: number } | null;
  /** The last 20 SendEmail calls, oldest first. */
  sends: SesSend[];
}

export interface SesFaultSwitch {
  /** The next `count` SendEmail calls get `action` (replacing what was armed). */
  arm(request: SesFaultRequest): SesFaultState;
  disarm(): SesFaultState;
  state(): SesFaultState;
}

/** Takes over the proxy's plan: every SendEmail is forwarded unless a fault is armed. */
export function createSesFaultSwitch(proxy: SesFaultProxy, log: LocalLog): SesFaultSwitch {
  let armed: { action: SesFault; left: number } | null = null;

  proxy.use(({ subject }) => {
    if (armed === null) return 'forward';
    const { action } = armed;
    armed.left -= 1;
    log.info(`fault switch: SendEmail ${JSON.stringify(subject ?? '')} gets ${action} (${armed.left} left)`);
    if (armed.left === 0) armed = null;
    return PROXY_ACTIONS[action];
  });

  const state = (): SesFaultState => ({
    armed: armed && { ...armed },
    sends: proxy.requests.slice(-SHOWN_SENDS).map(sendOf),
  });

  return {
    arm: ({ action, count }) => {
      armed = { action, left: count };
      log.info(`fault switch: the next ${count} SendEmail call(s) get ${action}`);
      return state();
    },
    disarm: () => {
      if (armed !== null) log.info('fault switch: disarmed, SendEmail calls are forwarded');
      armed = null;
      return state();
    },
    state,
  };
}

function sendOf(record: FaultRecord): SesSend {
  const action = (Object.keys(PROXY_ACTIONS) as SesFault[]).find(
    (fault) => PROXY_ACTIONS[fault] === record.action,
  );
  return {
    index: record.index,
    at: record.at,
    subject: record.subject,
    action: action ?? 'forward',
    reachedSes: record.forwarded,
    ...(record.upstreamStatus !== undefined && { sesStatus: record.upstreamStatus }),
  };
}

/** An RFC 9457 problem document, as the API's (shared/http/problem.ts). */
export interface InvalidFaultRequest {
  type: string;
  title: 'Invalid input';
  status: 400;
  detail: string;
  errors: FieldIssue[];
}

/** The body of `POST /faults/ses`, or the problem naming each field that is wrong. */
export function parseSesFaultRequest(
  text: string,
): { ok: true; request: SesFaultRequest } | { ok: false; problem: InvalidFaultRequest } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, problem: invalid('The body is not JSON', []) };
  }
  const parsed = sesFaultRequestSchema.safeParse(body);
  if (parsed.success) return { ok: true, request: parsed.data };
  const errors = parsed.error.issues.flatMap((issue): FieldIssue[] =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: key, message: 'is not a field: only "action" and "count" are' }))
      : [{ path: issue.path.map(String).join('.'), message: issue.message }],
  );
  const named = errors.map(({ path, message }) => (path ? `${path} ${message}` : message));
  return { ok: false, problem: invalid(named.join('; '), errors) };
}

const invalid = (detail: string, errors: FieldIssue[]): InvalidFaultRequest => ({
  type: `${PROBLEM_TYPE_BASE}invalid-input`,
  title: 'Invalid input',
  status: 400,
  detail,
  errors,
});
