/**
 * The test harness itself: what the helpers in test/support promise the other tests.
 */
import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../infra/local/aws-identity.js';
import { createTestTable, type TestTable, testEnv } from './dynamo.js';
import { dynamodbEndpoint, sesEndpoint } from './endpoints.js';
import { startEventCapture } from './events.js';
import { findEmails, sentEmails } from './ses.js';

describe('createTestTable', () => {
  let table: TestTable;
  beforeAll(async () => {
    table = await createTestTable('harness');
  });
  afterAll(() => table.drop());

  it('gives each caller its own table on the run DynamoDB Local', async () => {
    const other = await createTestTable('harness');

    expect(other.tableName).not.toBe(table.tableName);
    expect(table.tableName).toMatch(/^harness-/);
    await other.drop();
  });

  it('counts the requests of its client by operation', async () => {
    table.counter.reset();
    const { client, tableName } = table;

    await client.send(new PutCommand({ TableName: tableName, Item: { pk: 'A', sk: '1' } }));
    await client.send(new PutCommand({ TableName: tableName, Item: { pk: 'A', sk: '2' } }));
    await client.send(new GetCommand({ TableName: tableName, Key: { pk: 'A', sk: '1' } }));
    await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'A' },
      }),
    );

    expect(table.counter.total).toBe(4);
    expect(table.counter.byCommand).toEqual({ PutItem: 2, GetItem: 1, Query: 1 });
    table.counter.reset();
    expect(table.counter.total).toBe(0);
    expect(table.counter.byCommand).toEqual({});
  });
});

describe('testEnv', () => {
  it('points handlers at the run stand-ins and puts the environment back', () => {
    const before = process.env.TABLE_NAME;

    const restore = testEnv({ tableName: 'some-table' });

    expect(process.env).toMatchObject({
      TABLE_NAME: 'some-table',
      EVENT_BUS_NAME: 'for-review',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint(),
      AWS_ENDPOINT_URL_SESV2: sesEndpoint(),
    });
    expect(process.env.WEBHOOK_SECRET).toMatch(/^whsec_/);
    expect(process.env.SES_CONFIGURATION_SET).toBeUndefined();
    restore();
    expect(process.env.TABLE_NAME).toBe(before);
  });
});

describe('local SES helpers', () => {
  it('find the emails a test sent by a unique subject, among everything the run sent', async () => {
    const since = new Date();
    const subject = `harness ${randomUUID()}`;
    const ses = new SESv2Client({
      endpoint: sesEndpoint(),
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    await ses.send(
      new SendEmailCommand({
        FromEmailAddress: 'alice@acme.com',
        Destination: { ToAddresses: ['carol@globex.com'] },
        Content: { Simple: { Subject: { Data: subject }, Body: { Text: { Data: 'Hi Carol' } } } },
      }),
    );
    ses.destroy();

    const found = await findEmails({ subject, since });

    expect(found).toEqual([
      expect.objectContaining({ from: 'alice@acme.com', subject, body: { text: 'Hi Carol' } }),
    ]);
    expect(found[0]?.destination.to).toEqual(['carol@globex.com']);
    expect(await findEmails({ subject, to: 'someone@else.com' })).toEqual([]);
    expect((await sentEmails(since)).map((email) => email.subject)).toContain(subject);
  });
});

describe('startEventCapture', () => {
  it('accepts PutEvents from the SDK and keeps the events for the test to read', async () => {
    const capture = await startEventCapture();
    const client = new EventBridgeClient({
      endpoint: capture.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });

    await client.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'for-review',
            DetailType: 'Review Item Created',
            Detail: '{"itemId":"ri_1"}',
            EventBusName: 'for-review',
          },
        ],
      }),
    );
    client.destroy();
    await capture.stop();

    expect(capture.events({ detailType: 'Review Item Created' })).toEqual([
      expect.objectContaining({ source: 'for-review', detail: { itemId: 'ri_1' } }),
    ]);
  });
});
