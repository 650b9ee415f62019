/**
 * The local EventBridge's HTTP face: an endpoint speaking PutEvents as the AWS SDK sends it, in front of the bus
 * (event-bus-core.ts), which delivers every accepted event to the Lambda handler of every manifest rule whose
 * pattern matches, asynchronously, with retries and a dead-letter list, as the CDK stack's rules, targets,
 * Lambda's async invocation and the functions' failure queues do in AWS. Deliveries to a function with a manifest
 * `concurrency` wait in its queue beyond that many at once, as under reserved concurrency (delivery-queue.ts: the
 * cap, the retries).
 *
 * The same port takes SQS SendMessage (send-message.ts) on the local failure queue: a function that rejects an
 * invalid event dead-letters it there itself, at once, as it does to its own failure queue in AWS.
 *
 * Read endpoints on the same server: `GET /events?source=&detailType=`, `GET /dead-letters`,
 * `GET /deliveries?eventId=` (what each rule's function made of an event), `GET /health`, the published event
 * schemas (`GET /schemas`, `GET /schemas/<detail-type>`) and whatever the runtime adds (`GET /stream-failures`).
 * The fault switch (spec 7): `POST /faults {"failPutEvents": n}` makes the next n PutEvents requests made by the
 * system itself (every entry's Source is the system's own) fail as EventBridge does under an outage;
 * `GET /faults` answers what is left. The runtime adds the SES fault switch (ses-fault-switch.ts):
 * `POST /faults/ses {"action": "reject" | "timeout" | "throttle", "count": n}`, `GET` and `DELETE /faults/ses`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  createEventBusCore,
  type EventBusCore,
  type EventBusCoreOptions,
  faultsRequestSchema,
} from './event-bus-core.js';
import { BodyTooLargeError, closeServer, listenLocal, readBody, sendJson } from './http-server.js';
import { describeError } from './log.js';
import { LOCAL_HOST } from './ports.js';
import {
  MAX_REQUEST_ENTRIES_BYTES,
  type PutEventsEntry,
  PutEventsRequestError,
  parsePutEvents,
} from './put-events.js';
import {
  AMZ_JSON_1_0,
  type DeadLetterRequest,
  localFailureQueueUrl,
  parseSendMessage,
  SEND_MESSAGE_TARGET,
  SendMessageError,
  SQS_TARGET_PREFIX,
} from './send-message.js';
import { parseSesFaultRequest, type SesFaultSwitch } from './ses-fault-switch.js';

export { type BusRule, type DeadLetter, type Delivery, outcomeOf } from './deliveries.js';
export type { EventFilter, Faults } from './event-bus-core.js';

const AMZ_JSON = 'application/x-amz-json-1.1';
const PUT_EVENTS_TARGET = 'AWSEvents.PutEvents';
/** On stop, deliveries under way get this long to finish before the stand-ins they use go away. */
const STOP_WAIT_MS = 5_000;
const SCHEMAS_PREFIX = '/schemas/';
const SES_FAULTS_PATH = '/faults/ses';

/** The bus's own options (event-bus-core.ts) and its server's. */
export interface EventBusOptions extends EventBusCoreOptions {
  /** 0 picks a free one. */
  port: number;
  /** More read-only endpoints on this server: path → what `GET path` answers as JSON. */
  reads?: Record<string, () => unknown>;
  /**
   * The JSON Schemas of the events' details, by detail-type: `GET /schemas` answers them all, `GET
   * /schemas/<detail-type>` (URL-encoded) one of them. Loaded on the first such request, not at start.
   */
  schemas?: () => Promise<Record<string, unknown>>;
  /** The SES fault switch, served at `/faults/ses` (without it, 404). */
  sesFaults?: SesFaultSwitch;
}

export interface LocalEventBus
  extends Pick<
    EventBusCore,
    'events' | 'deadLetters' | 'deliveries' | 'idle' | 'acceptedCount' | 'failPutEvents' | 'faults'
  > {
  endpoint: string;
  port: number;
  /** The SQS queue URL functions dead-letter invalid events to (DEAD_LETTER_QUEUE_URL), on this port. */
  failureQueueUrl: string;
  /** Stops accepting events, drops queued deliveries and retries not yet due, waits (up to 5 s) for those running. */
  stop(): Promise<void>;
}

export async function startEventBus(options: EventBusOptions): Promise<LocalEventBus> {
  const { log } = options;
  const bus = createEventBusCore(options);

  let loadedSchemas: Promise<Record<string, unknown>> | undefined;
  const schemas = () => {
    loadedSchemas ??= options.schemas ? options.schemas() : Promise.resolve({});
    return loadedSchemas;
  };

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', `http://${LOCAL_HOST}`);
    if (url.pathname === SES_FAULTS_PATH && options.sesFaults)
      return sesFaults(request, response, options.sesFaults);
    if (request.method === 'GET') {
      if (url.pathname === '/health') return sendJson(response, 200, { status: 'ok' });
      if (url.pathname === '/events') {
        const filter = {
          source: url.searchParams.get('source') ?? undefined,
          detailType: url.searchParams.get('detailType') ?? undefined,
        };
        return sendJson(response, 200, { events: bus.events(filter) });
      }
      if (url.pathname === '/dead-letters')
        return sendJson(response, 200, { deadLetters: bus.deadLetters() });
      if (url.pathname === '/faults') return sendJson(response, 200, bus.faults());
      if (url.pathname === '/deliveries') return answerDeliveries(response, url.searchParams.get('eventId'));
      if (url.pathname === '/schemas') return sendJson(response, 200, await schemas());
      if (url.pathname.startsWith(SCHEMAS_PREFIX))
        return answerSchema(response, url.pathname.slice(SCHEMAS_PREFIX.length), await schemas());
      const read = options.reads?.[url.pathname];
      if (read && Object.hasOwn(options.reads ?? {}, url.pathname)) return sendJson(response, 200, read());
      return sendJson(response, 404, { message: 'Not Found' });
    }
    if (request.method === 'POST' && url.pathname === '/faults') return setFaults(request, response);
    if (request.method !== 'POST' || url.pathname !== '/')
      return sendJson(response, 404, { message: 'Not Found' });

    const target = request.headers['x-amz-target'];
    if (typeof target === 'string' && target.startsWith(SQS_TARGET_PREFIX))
      return sendMessage(request, response, target);
    if (target !== PUT_EVENTS_TARGET) {
      return awsError(
        response,
        'UnknownOperationException',
        `The local event bus only implements ${PUT_EVENTS_TARGET}, not ${target ?? '(no x-amz-target)'}`,
      );
    }
    let body: Buffer;
    try {
      body = await readBody(request, 4 * MAX_REQUEST_ENTRIES_BYTES);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      return awsError(
        response,
        'ValidationException',
        'Total size of the entries in the request is over the limit.',
      );
    }
    let entries: PutEventsEntry[];
    try {
      entries = parsePutEvents(body.toString('utf8'));
    } catch (error) {
      if (error instanceof PutEventsRequestError) return awsError(response, error.type, error.message);
      throw error;
    }
    if (bus.failsNow(entries))
      return awsError(
        response,
        'InternalException',
        'Internal error (the local fault switch: POST /faults)',
        500,
      );
    sendJson(response, 200, bus.putEvents(entries), AMZ_JSON);
  }

  /** SQS SendMessage on the local failure queue: a function dead-letters an invalid event. */
  async function sendMessage(request: IncomingMessage, response: ServerResponse, target: string) {
    if (target !== SEND_MESSAGE_TARGET)
      return sqsError(
        response,
        new SendMessageError(
          'InvalidParameterValue',
          `The local failure queue only implements ${SEND_MESSAGE_TARGET}, not ${target}`,
          'AWS.SimpleQueueService.UnsupportedOperation',
        ),
      );
    let parsed: DeadLetterRequest;
    try {
      const body = await readBody(request, 2 * MAX_REQUEST_ENTRIES_BYTES);
      parsed = parseSendMessage(body.toString('utf8'), endpoint(), randomUUID);
    } catch (error) {
      if (error instanceof SendMessageError) return sqsError(response, error);
      if (error instanceof BodyTooLargeError)
        return sqsError(response, new SendMessageError('InvalidParameterValue', error.message));
      throw error;
    }
    bus.deadLetteredByFunction(parsed);
    sendJson(response, 200, parsed.answer, AMZ_JSON_1_0);
  }

  function answerDeliveries(response: ServerResponse, eventId: string | null): void {
    const found = eventId ? bus.deliveries(eventId) : undefined;
    if (!eventId) sendJson(response, 400, { message: 'Give the event id: GET /deliveries?eventId=<id>' });
    else if (!found) sendJson(response, 404, { message: `This bus has no event ${eventId}` });
    else sendJson(response, 200, { eventId, deliveries: found });
  }

  function answerSchema(response: ServerResponse, encoded: string, schemas: Record<string, unknown>): void {
    let detailType: string | undefined;
    try {
      detailType = decodeURIComponent(encoded);
    } catch {
      detailType = undefined;
    }
    if (detailType !== undefined && Object.hasOwn(schemas, detailType))
      sendJson(response, 200, schemas[detailType]);
    else
      sendJson(response, 404, {
        message: `No published schema for the detail-type ${JSON.stringify(detailType ?? encoded)}: GET /schemas lists them`,
      });
  }

  async function setFaults(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let text: string;
    try {
      text = (await readBody(request, 4_096)).toString('utf8');
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      return sendJson(response, 413, { message: 'The body is larger than 4096 bytes' });
    }
    const parsed = faultsRequestSchema.safeParse(parseJson(text));
    if (!parsed.success) {
      return sendJson(response, 400, {
        message: 'Expected a JSON body like {"failPutEvents": 3}: an integer from 0 to 1000000',
      });
    }
    bus.failPutEvents(parsed.data.failPutEvents);
    log.info(
      `fault switch: the next ${parsed.data.failPutEvents} PutEvents of ${bus.ownSource} events will fail`,
    );
    sendJson(response, 200, bus.faults());
  }

  async function sesFaults(
    request: IncomingMessage,
    response: ServerResponse,
    faults: SesFaultSwitch,
  ): Promise<void> {
    if (request.method === 'GET') return sendJson(response, 200, faults.state());
    if (request.method === 'DELETE') return sendJson(response, 200, faults.disarm());
    if (request.method !== 'POST') {
      response.setHeader('allow', 'GET, POST, DELETE');
      return sendJson(response, 405, { message: `${SES_FAULTS_PATH} takes GET, POST and DELETE` });
    }
    let text: string;
    try {
      text = (await readBody(request, 4_096)).toString('utf8');
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      return sendJson(response, 413, { message: 'The body is larger than 4096 bytes' });
    }
    const parsed = parseSesFaultRequest(text);
    if (!parsed.ok) return sendJson(response, 400, parsed.problem, 'application/problem+json');
    sendJson(response, 200, faults.arm(parsed.request));
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      log.error(`${request.method} ${request.url} failed: ${describeError(error)}`);
      if (!response.headersSent)
        awsError(response, 'InternalException', 'Internal error in the local event bus', 500);
    });
  });
  const port = await listenLocal(server, options.port, 'the local event bus');
  const endpoint = () => `http://${LOCAL_HOST}:${port}`;

  return {
    endpoint: endpoint(),
    port,
    failureQueueUrl: localFailureQueueUrl(endpoint()),
    events: bus.events,
    deadLetters: bus.deadLetters,
    deliveries: bus.deliveries,
    idle: bus.idle,
    acceptedCount: bus.acceptedCount,
    failPutEvents: bus.failPutEvents,
    faults: bus.faults,
    stop: async () => {
      await closeServer(server);
      await Promise.race([bus.close(), new Promise((resolve) => setTimeout(resolve, STOP_WAIT_MS).unref())]);
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function awsError(response: ServerResponse, type: string, message: string, status = 400): void {
  response.setHeader('x-amzn-errortype', type);
  sendJson(response, status, { __type: type, message }, AMZ_JSON);
}

/** An SQS error in the JSON protocol, with the query protocol's code the SDK reads (awsQueryCompatible). */
function sqsError(response: ServerResponse, error: SendMessageError): void {
  response.setHeader('x-amzn-query-error', `${error.queryCode};Sender`);
  sendJson(
    response,
    400,
    { __type: `com.amazonaws.sqs#${error.type}`, message: error.message },
    AMZ_JSON_1_0,
  );
}
