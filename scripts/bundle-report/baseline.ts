/**
 * The SDK-only baseline of a function (spec 8): a bundle that imports and creates exactly the AWS SDK clients its
 * manifest access needs, the way shared/aws-clients.ts does, and whose handler makes one first call on each
 * client the function's own first invocation called (the AWS stub tells which), so both pay the same SDK work:
 * credential and endpoint resolution, signing, the HTTP connection, parsing the answer.
 *
 * A function an event rule feeds may also call SQS: its middleware dead-letters an invalid event to the
 * function's failure queue (shared/events/dead-letter.ts), importing and creating the client on the first
 * rejection only. Its baseline does the same: the SQS client is in the bundle (its bytes count) behind a dynamic
 * import that only a first call on it runs.
 */
import type { Access, FunctionSpec } from '../../infra/manifest.js';

/** `partiql` is a finer grant on the table's client, not a client of its own. */
export type Client = Exclude<keyof Access, 'partiql'> | 'deadLetterQueue';

interface SdkClient {
  /** Import lines (none for a lazy client). */
  imports: string[];
  /** A lazy client: the statement importing what `create` and `firstCall` use, run before its first call. */
  lazyImport?: string;
  /** An expression creating the client. */
  create: string;
  /** A statement making one comparable call with `client`. */
  firstCall: string;
  /** The stub's name of the service (aws-stub.ts). */
  service: string;
}

export const SDK_CLIENTS: Record<Client, SdkClient> = {
  table: {
    imports: [
      "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
      "import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';",
    ],
    create: 'DynamoDBDocumentClient.from(new DynamoDBClient({}))',
    firstCall:
      "await client.send(new GetCommand({ TableName: process.env.TABLE_NAME, Key: { pk: 'WS#ws_acme#ITEM#ri_1', sk: 'ITEM' } }));",
    service: 'dynamodb',
  },
  publishEvents: {
    imports: ["import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';"],
    create: 'new EventBridgeClient({})',
    firstCall:
      "await client.send(new PutEventsCommand({ Entries: [{ EventBusName: process.env.EVENT_BUS_NAME, Source: 'for-review', DetailType: 'Review Item Sent', Detail: JSON.stringify({ id: 'ri_1' }) }] }));",
    service: 'events',
  },
  sendEmail: {
    imports: ["import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';"],
    create: 'new SESv2Client({})',
    firstCall:
      "await client.send(new SendEmailCommand({ FromEmailAddress: 'alice@acme.com', Destination: { ToAddresses: ['carol@globex.com'] }, Content: { Simple: { Subject: { Data: 'Renewal' }, Body: { Text: { Data: 'Hi Carol' } } } } }));",
    service: 'sesv2',
  },
  webhookSecret: {
    imports: [
      "import { SecretsManagerClient, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';",
    ],
    create: 'new SecretsManagerClient({})',
    firstCall: 'await client.send(new GetSecretValueCommand({ SecretId: process.env.WEBHOOK_SECRET_ARN }));',
    service: 'secretsmanager',
  },
  // Fetched (lazily) only when a list signs or opens a cursor; a first invocation on an empty table does neither.
  cursorKeys: {
    imports: [],
    lazyImport:
      "const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');",
    create: 'new SecretsManagerClient({})',
    firstCall:
      'await client.send(new GetSecretValueCommand({ SecretId: process.env.CURSOR_KEYS_SECRET_ARN }));',
    service: 'secretsmanager',
  },
  deadLetterQueue: {
    imports: [],
    lazyImport: "const { SQSClient, SendMessageCommand } = await import('@aws-sdk/client-sqs');",
    create: 'new SQSClient({})',
    firstCall:
      "await client.send(new SendMessageCommand({ QueueUrl: process.env.DEAD_LETTER_QUEUE_URL, MessageBody: JSON.stringify({ reason: 'Invalid event: detail.workspaceId: Required', event: { id: 'e1' } }) }));",
    service: 'sqs',
  },
};

/** The clients a function may call: those of its manifest access, and SQS for a function an event rule feeds. */
export function clientsOf(fn: FunctionSpec): Client[] {
  const eventFed = fn.triggers.some((trigger) => trigger.kind === 'event');
  return (Object.keys(SDK_CLIENTS) as Client[]).filter((key) =>
    key === 'deadLetterQueue' ? eventFed : Boolean(fn.access[key]),
  );
}

/** The client of `among` a stub call (`dynamodb:Query`) was made with, if it is one of them. */
export function clientOfCall(call: string, among: readonly Client[]): Client | undefined {
  const service = call.split(':')[0];
  return among.find((key) => SDK_CLIENTS[key].service === service);
}

/** The baseline's source. Its handler takes `{ calls: Client[] }`: the clients to make a first call on. */
export function baselineSource(clients: Client[]): string {
  const eager = clients.filter((client) => !SDK_CLIENTS[client].lazyImport);
  const clientOf = (client: Client) => {
    const { lazyImport, create } = SDK_CLIENTS[client];
    return lazyImport ? `${lazyImport} const client = ${create};` : `const client = clients.${client};`;
  };
  return [
    ...clients.flatMap((client) => SDK_CLIENTS[client].imports),
    'const clients = {',
    ...eager.map((client) => `  ${client}: ${SDK_CLIENTS[client].create},`),
    '};',
    'const firstCalls = {',
    ...clients.map(
      (client) => `  ${client}: async () => { ${clientOf(client)} ${SDK_CLIENTS[client].firstCall} },`,
    ),
    '};',
    'export const handler = async (event) => {',
    '  for (const name of event.calls) await firstCalls[name]();',
    '  return { statusCode: 200 };',
    '};',
  ].join('\n');
}
