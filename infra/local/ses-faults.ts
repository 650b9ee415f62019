/**
 * A fault stand-in for SES: a small HTTP server on 127.0.0.1 (ephemeral port) placed in front of local SES, by
 * the local runtime (its switch: ses-fault-switch.ts) or by a test. Point an SESv2Client at `endpoint`; every
 * SendEmail is then handled by the current plan:
 *
 * | action                | reaches local SES (email stored) | the client sees                              |
 * |-----------------------|----------------------------------|----------------------------------------------|
 * | `forward`             | yes                              | local SES's answer                           |
 * | `reject`              | no                               | 400 MessageRejected (SES v2 JSON error)      |
 * | `throttle`            | no                               | 429 TooManyRequestsException                 |
 * | `reset-before-send`   | no                               | the connection destroyed (ECONNRESET)        |
 * | `accept-hang`         | yes                              | no answer, ever (until the client gives up)  |
 * | `accept-late`         | yes                              | the answer, `lateMs` later                   |
 * | `accept-reset`        | yes                              | the connection destroyed after SES accepted  |
 * | `accept-500`          | yes                              | 500 InternalFailure after SES accepted       |
 *
 * Other requests are forwarded untouched. `requests` records what happened to each SendEmail (the last 1,000:
 * `npm start` runs for long), with the subject it carried, so a test can tell which emails really reached SES.
 */
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { closeServer } from './http-server.js';
import { boundPort, LOCAL_HOST } from './ports.js';

export type FaultAction =
  | 'forward'
  | 'reject'
  | 'throttle'
  | 'reset-before-send'
  | 'accept-hang'
  | 'accept-late'
  | 'accept-reset'
  | 'accept-500';

/** What a plan sees of a SendEmail: its index among the SendEmails this stand-in received, and its subject. */
export interface SendRequestInfo {
  index: number;
  subject: string | undefined;
}

/** How many SendEmail records `requests` keeps. */
export const MAX_KEPT_REQUESTS = 1_000;

/** One action for every SendEmail, or a function choosing per request. */
export type FaultPlan = FaultAction | ((request: SendRequestInfo) => FaultAction);

export interface FaultRecord extends SendRequestInfo {
  /** When it arrived (ISO 8601). */
  at: string;
  action: FaultAction;
  /** Whether the request was passed on to local SES (which then stored the email if it answered 200). */
  forwarded: boolean;
  /** Local SES's status when forwarded. */
  upstreamStatus?: number;
}

export interface SesFaultProxy {
  endpoint: string;
  /** Replaces the plan for the SendEmails that come next. */
  use(plan: FaultPlan): void;
  /** The SendEmails received so far, oldest first: the last 1,000 (MAX_KEPT_REQUESTS). */
  readonly requests: readonly FaultRecord[];
  /** Resolves once every forward already started has had local SES's answer (so its email is in the store). */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

export interface SesFaultProxyOptions {
  /** The local SES to forward to. */
  upstream: string;
  plan?: FaultPlan;
  /** How late `accept-late` answers, in ms (make it longer than the client's request timeout). */
  lateMs?: number;
  /** The message of `reject`. */
  rejectMessage?: string;
}

/** `actions` in order, one per SendEmail, then `then` for every later one. */
export const inSequence = (
  actions: FaultAction[],
  then: FaultAction = 'forward',
): ((request: SendRequestInfo) => FaultAction) => {
  let next = 0;
  return () => actions[next++] ?? then;
};

const SEND_EMAIL_PATH = '/v2/email/outbound-emails';

export async function startSesFaultProxy(options: SesFaultProxyOptions): Promise<SesFaultProxy> {
  const upstream = new URL(options.upstream);
  const lateMs = options.lateMs ?? 2_500;
  let plan: FaultPlan = options.plan ?? 'forward';
  const requests: FaultRecord[] = [];
  let received = 0;
  const inFlight = new Set<Promise<unknown>>();
  const timers = new Set<NodeJS.Timeout>();

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => {
      if (!res.headersSent) res.socket?.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const body = await readAll(req);
    if (req.method !== 'POST' || !req.url?.startsWith(SEND_EMAIL_PATH)) {
      relay(res, await forward(req, body));
      return;
    }
    const info: SendRequestInfo = { index: received++, subject: subjectOf(body) };
    const action = typeof plan === 'function' ? plan(info) : plan;
    const record: FaultRecord = { ...info, at: new Date().toISOString(), action, forwarded: false };
    requests.push(record);
    if (requests.length > MAX_KEPT_REQUESTS) requests.splice(0, requests.length - MAX_KEPT_REQUESTS);

    switch (action) {
      case 'reject':
        return sendError(
          res,
          400,
          'MessageRejected',
          options.rejectMessage ?? 'Email address is not verified.',
        );
      case 'throttle':
        return sendError(res, 429, 'TooManyRequestsException', 'Too many requests.');
      case 'reset-before-send':
        req.socket.destroy();
        return;
    }

    const forwarding = forward(req, body);
    inFlight.add(forwarding);
    const answer = await forwarding.finally(() => inFlight.delete(forwarding));
    record.forwarded = true;
    record.upstreamStatus = answer.status;

    switch (action) {
      case 'forward':
        return relay(res, answer);
      case 'accept-hang':
        return; // The socket stays open with no answer; the client's timeout (or stop()) ends it.
      case 'accept-late': {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!res.destroyed) relay(res, answer);
        }, lateMs);
        timers.add(timer);
        return;
      }
      case 'accept-reset':
        req.socket.destroy();
        return;
      case 'accept-500':
        return sendError(
          res,
          500,
          'InternalFailure',
          'The request processing has failed because of an unknown error.',
        );
    }
  }

  function forward(req: IncomingMessage, body: Buffer): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: {
            ...withoutHopHeaders(req.headers),
            host: upstream.host,
            'content-length': String(body.length),
          },
          agent: false,
        },
        (incoming) => {
          readAll(incoming).then(
            (text) => resolve({ status: incoming.statusCode ?? 502, headers: incoming.headers, body: text }),
            reject,
          );
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: LOCAL_HOST }, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  const port = boundPort(server);
  return {
    endpoint: `http://${LOCAL_HOST}:${port}`,
    use(next) {
      plan = next;
    },
    get requests() {
      return requests;
    },
    async settled() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    async stop() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await closeServer(server);
    },
  };
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks);
}

function relay(res: ServerResponse, answer: Answer) {
  res.writeHead(answer.status, {
    ...withoutHopHeaders(answer.headers),
    'content-length': String(answer.body.length),
  });
  res.end(answer.body);
}

/** An SES v2 (REST-JSON) error: the SDK reads the code from `x-amzn-errortype` and the message from the body. */
function sendError(res: ServerResponse, status: number, code: string, message: string) {
  const body = JSON.stringify({ message });
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    'x-amzn-errortype': code,
    'x-amzn-requestid': `fault-${Date.now()}`,
  });
  res.end(body);
}

const HOP_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host']);

function withoutHopHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_HEADERS.has(name.toLowerCase())));
}

function subjectOf(body: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as {
      Content?: { Simple?: { Subject?: { Data?: unknown } } };
    };
    const subject = parsed.Content?.Simple?.Subject?.Data;
    return typeof subject === 'string' ? subject : undefined;
  } catch {
    return undefined;
  }
}
