/**
 * A stand-in for the AWS APIs the functions call, on 127.0.0.1, answering at once with the smallest valid answer
 * (nothing found, everything accepted). It lets a bundle make its first invocation, SDK calls included, with no
 * network and no local stand-ins; the SDK finds it through `AWS_ENDPOINT_URL`.
 *
 * It records every call (`dynamodb:Query`, `sesv2:SendEmail`...), so the report can say what each first
 * invocation did and give the SDK-only baseline the same first calls.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The webhook signing secret Secrets Manager answers (a Standard Webhooks `whsec_` key). */
export const STUB_WEBHOOK_SECRET = `whsec_${Buffer.from('bundle-report-webhook-secret-32b').toString('base64')}`;

export interface AwsStub {
  /** `http://127.0.0.1:<port>`, for `AWS_ENDPOINT_URL`. */
  url: string;
  /** The calls since the last `takeCalls()`, in order, e.g. `dynamodb:GetItem`. */
  takeCalls(): string[];
  close(): Promise<void>;
}

type Answer = { status: number; body: unknown };

/** JSON-protocol services, by the prefix of their `X-Amz-Target` header. */
const TARGET_SERVICES: Record<string, string> = {
  DynamoDB_20120810: 'dynamodb',
  AWSEvents: 'events',
  secretsmanager: 'secretsmanager',
  AmazonSQS: 'sqs',
};

function dynamodb(operation: string, input: Record<string, unknown>): Answer {
  switch (operation) {
    case 'Query':
    case 'Scan':
      return { status: 200, body: { Items: [], Count: 0, ScannedCount: 0 } };
    case 'ExecuteStatement':
      return { status: 200, body: { Items: [] } };
    case 'BatchGetItem': {
      const tables = Object.keys((input.RequestItems as Record<string, unknown> | undefined) ?? {});
      return {
        status: 200,
        body: { Responses: Object.fromEntries(tables.map((t) => [t, []])), UnprocessedKeys: {} },
      };
    }
    case 'TransactGetItems': {
      const items = (input.TransactItems as unknown[] | undefined) ?? [];
      return { status: 200, body: { Responses: items.map(() => ({})) } };
    }
    case 'BatchWriteItem':
      return { status: 200, body: { UnprocessedItems: {} } };
    case 'DescribeTable':
      return { status: 200, body: { Table: { TableName: input.TableName, TableStatus: 'ACTIVE' } } };
    default:
      // GetItem (not found), PutItem, UpdateItem, DeleteItem, TransactWriteItems: accepted, nothing returned.
      return { status: 200, body: {} };
  }
}

function events(operation: string, input: Record<string, unknown>): Answer {
  if (operation !== 'PutEvents') return unknownOperation(operation);
  const entries = (input.Entries as unknown[] | undefined) ?? [];
  return {
    status: 200,
    body: { FailedEntryCount: 0, Entries: entries.map((_, i) => ({ EventId: `stub-event-${i}` })) },
  };
}

function secretsmanager(operation: string, input: Record<string, unknown>): Answer {
  if (operation !== 'GetSecretValue') return unknownOperation(operation);
  return {
    status: 200,
    body: {
      ARN: input.SecretId,
      Name: 'bundle-report',
      VersionId: 'stub',
      // The cursor keys' secret holds a key ring (shared/store/cursor-keys.ts); the webhook's, a signing secret.
      SecretString: String(input.SecretId).endsWith('cursor-keys')
        ? JSON.stringify({ current: 'bundle-report-cursor-key-0001', previous: [] })
        : STUB_WEBHOOK_SECRET,
      VersionStages: ['AWSCURRENT'],
    },
  };
}

/** SendMessage answers the body's MD5, which the SQS client checks. */
function sqs(operation: string, input: Record<string, unknown>): Answer {
  if (operation !== 'SendMessage') return unknownOperation(operation);
  const body = typeof input.MessageBody === 'string' ? input.MessageBody : '';
  return {
    status: 200,
    body: { MessageId: 'stub-sqs-message', MD5OfMessageBody: createHash('md5').update(body).digest('hex') },
  };
}

const unknownOperation = (operation: string): Answer => ({
  status: 400,
  body: { __type: 'UnknownOperationException', message: `The bundle report's stub has no ${operation}` },
});

/** What a request is: `service:Operation`, and its answer. */
export function answer(
  target: string | undefined,
  method: string,
  path: string,
  body: string,
): { call: string; answer: Answer } {
  if (target) {
    const [prefix = '', operation = ''] = target.split('.');
    const service = TARGET_SERVICES[prefix] ?? prefix;
    const input = (body ? JSON.parse(body) : {}) as Record<string, unknown>;
    const call = `${service}:${operation}`;
    if (service === 'dynamodb') return { call, answer: dynamodb(operation, input) };
    if (service === 'events') return { call, answer: events(operation, input) };
    if (service === 'secretsmanager') return { call, answer: secretsmanager(operation, input) };
    if (service === 'sqs') return { call, answer: sqs(operation, input) };
    return { call, answer: unknownOperation(target) };
  }
  // SES v2 is a REST API.
  if (method === 'POST' && path === '/v2/email/outbound-emails')
    return { call: 'sesv2:SendEmail', answer: { status: 200, body: { MessageId: 'stub-message-id' } } };
  return { call: `unknown:${method} ${path}`, answer: unknownOperation(`${method} ${path}`) };
}

export async function startAwsStub(): Promise<AwsStub> {
  let calls: string[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const target = req.headers['x-amz-target'];
      const { call, answer: reply } = answer(
        typeof target === 'string' ? target : undefined,
        req.method ?? 'GET',
        (req.url ?? '/').split('?')[0] ?? '/',
        Buffer.concat(chunks).toString('utf8'),
      );
      calls.push(call);
      const text = JSON.stringify(reply.body);
      res.writeHead(reply.status, {
        'content-type': target ? 'application/x-amz-json-1.0' : 'application/json',
        'content-length': Buffer.byteLength(text),
        'x-amzn-requestid': 'stub-request-id',
      });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    takeCalls: () => {
      const taken = calls;
      calls = [];
      return taken;
    },
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
