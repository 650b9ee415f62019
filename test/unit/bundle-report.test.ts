/**
 * The parts of `npm run bundle-report` that decide its figures: the AWS stub answers what the real SDK clients
 * parse, the SDK-only baseline makes exactly the first calls it is asked for, the statistics, and the section of
 * docs/performance.md the script owns.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FunctionSpec, functions } from '../../infra/manifest.js';
import { PROJECT_ROOT } from '../../infra/stacks/bundling.js';
import { type AwsStub, STUB_WEBHOOK_SECRET, startAwsStub } from '../../scripts/bundle-report/aws-stub.js';
import { baselineSource, clientOfCall, clientsOf } from '../../scripts/bundle-report/baseline.js';
import { esbuildOptionsOf } from '../../scripts/bundle-report/deployed.js';
import { gateOf, limitsOf, specVerdict } from '../../scripts/bundle-report/judge.js';
import type { Row, Sample } from '../../scripts/bundle-report/measure.js';
import { BEGIN, END, rewriteSection } from '../../scripts/bundle-report/report-doc.js';
import { median, medianInterval, pairedRatios } from '../../scripts/bundle-report/stats.js';

let stub: AwsStub;
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' };
const config = () => ({ region: 'us-east-1', endpoint: stub.url, credentials });

beforeAll(async () => {
  stub = await startAwsStub();
});
afterAll(async () => {
  await stub?.close();
});

describe('the AWS stub', () => {
  it('answers the SDK clients the functions use, and records each call', async () => {
    const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient(config()));
    stub.takeCalls();

    expect(
      (await dynamo.send(new GetCommand({ TableName: 't', Key: { pk: 'a', sk: 'b' } }))).Item,
    ).toBeUndefined();
    expect(
      (
        await dynamo.send(
          new QueryCommand({
            TableName: 't',
            KeyConditionExpression: 'pk = :p',
            ExpressionAttributeValues: { ':p': 'a' },
          }),
        )
      ).Items,
    ).toEqual([]);
    await dynamo.send(
      new TransactWriteCommand({ TransactItems: [{ Put: { TableName: 't', Item: { pk: 'a' } } }] }),
    );
    expect((await dynamo.send(new DescribeTableCommand({ TableName: 't' }))).Table?.TableStatus).toBe(
      'ACTIVE',
    );
    const put = await new EventBridgeClient(config()).send(
      new PutEventsCommand({
        Entries: [
          { Source: 's', DetailType: 'd', Detail: '{}' },
          { Source: 's', DetailType: 'd', Detail: '{}' },
        ],
      }),
    );
    expect(put).toMatchObject({
      FailedEntryCount: 0,
      Entries: [{ EventId: expect.any(String) }, { EventId: expect.any(String) }],
    });
    const sent = await new SESv2Client(config()).send(
      new SendEmailCommand({
        FromEmailAddress: 'a@acme.com',
        Destination: { ToAddresses: ['b@acme.com'] },
        Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 'b' } } } },
      }),
    );
    expect(sent.MessageId).toBe('stub-message-id');
    const secret = await new SecretsManagerClient(config()).send(
      new GetSecretValueCommand({ SecretId: 'arn' }),
    );
    expect(secret.SecretString).toBe(STUB_WEBHOOK_SECRET);
    // The SQS client checks the body's MD5 in the answer.
    const queued = await new SQSClient(config()).send(
      new SendMessageCommand({ QueueUrl: `${stub.url}/123456789012/q`, MessageBody: '{"reason":"r"}' }),
    );
    expect(queued.MessageId).toEqual(expect.any(String));

    expect(stub.takeCalls()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:TransactWriteItems',
      'dynamodb:DescribeTable',
      'events:PutEvents',
      'sesv2:SendEmail',
      'secretsmanager:GetSecretValue',
      'sqs:SendMessage',
    ]);
    expect(stub.takeCalls()).toEqual([]);
  });

  it('maps each recorded call to the manifest access that grants it', () => {
    expect(
      [
        'dynamodb:Query',
        'events:PutEvents',
        'sesv2:SendEmail',
        'secretsmanager:GetSecretValue',
        'sqs:SendMessage',
        's3:GetObject',
      ].map((call) =>
        clientOfCall(call, ['table', 'publishEvents', 'sendEmail', 'webhookSecret', 'deadLetterQueue']),
      ),
    ).toEqual(['table', 'publishEvents', 'sendEmail', 'webhookSecret', 'deadLetterQueue', undefined]);
    // One service, two clients: the call is the granted one's.
    expect(clientOfCall('secretsmanager:GetSecretValue', ['table', 'cursorKeys'])).toBe('cursorKeys');
    expect(clientOfCall('secretsmanager:GetSecretValue', ['table'])).toBeUndefined();
  });

  it('counts SQS among the clients of a function an event rule feeds (it may dead-letter an invalid event)', () => {
    const byName = (name: string) => functions.find((fn) => fn.name === name) as FunctionSpec;
    expect(clientsOf(byName('ingest-proposal'))).toEqual(['table', 'publishEvents', 'deadLetterQueue']);
    expect(clientsOf(byName('apply-member-change'))).toEqual(['table', 'deadLetterQueue']);
    expect(clientsOf(byName('expire-review-items'))).toEqual(['table', 'publishEvents']);
    expect(clientsOf(byName('approve-review-item'))).toEqual(['table', 'publishEvents', 'sendEmail']);
  });
});

describe('the SDK-only baseline', () => {
  it('creates the clients of its access and makes exactly the first calls it is asked for', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baseline-test-'));
    try {
      const file = join(dir, 'baseline.mjs');
      const { options } = esbuildOptionsOf();
      await build({
        ...options,
        sourcemap: false,
        stdin: {
          contents: baselineSource(['table', 'publishEvents', 'sendEmail', 'deadLetterQueue']),
          resolveDir: PROJECT_ROOT,
          sourcefile: 'b.mjs',
        },
        outfile: file,
      });
      // The clients take their endpoint and region from the environment at import, as in a function.
      const saved = { ...process.env };
      Object.assign(process.env, {
        AWS_ENDPOINT_URL: stub.url,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'A',
        AWS_SECRET_ACCESS_KEY: 'B',
        TABLE_NAME: 't',
        EVENT_BUS_NAME: 'b',
        DEAD_LETTER_QUEUE_URL: `${stub.url}/123456789012/q`,
      });
      try {
        const { handler } = (await import(pathToFileURL(file).href)) as {
          handler: (e: unknown) => Promise<unknown>;
        };
        stub.takeCalls();

        await handler({ calls: ['table', 'sendEmail'] });
        expect(stub.takeCalls()).toEqual(['dynamodb:GetItem', 'sesv2:SendEmail']);
        // The SQS client is lazy, as in the functions: imported and created on its first call.
        await handler({ calls: ['deadLetterQueue'] });
        expect(stub.takeCalls()).toEqual(['sqs:SendMessage']);
        await handler({ calls: [] });
        expect(stub.takeCalls()).toEqual([]);
      } finally {
        process.env = saved;
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the statistics', () => {
  it('takes the median of paired ratios', () => {
    expect(pairedRatios([2, 3, 8], [1, 2, 4])).toEqual([2, 1.5, 2]);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(() => pairedRatios([1, 2], [1])).toThrow(/Unpaired/);
  });

  it('gives a median interval that holds the median and widens with fewer samples', () => {
    const many = Array.from({ length: 40 }, (_, i) => 1 + i / 100);
    const few = many.filter((_, i) => i % 4 === 0);
    const wide = medianInterval(few);
    const narrow = medianInterval(many);

    expect(narrow.low).toBeLessThanOrEqual(median(many));
    expect(narrow.high).toBeGreaterThanOrEqual(median(many));
    expect(narrow.low).toBeGreaterThan(Math.min(...many));
    expect(narrow.high).toBeLessThan(Math.max(...many));
    // With 10 samples the distribution-free 95% interval is the whole range.
    expect(wide).toEqual({ low: Math.min(...few), high: Math.max(...few) });
  });
});

describe('the gate (--check)', () => {
  /** A row of `health` (on spec 8's own limits) whose paired init ratios are `ratios`, its bundle `sizeRatio` its baseline's. */
  const rowOf = (ratios: number[], sizeRatio = 1.1, name = 'health'): Row => {
    const fn = functions.find((f) => f.name === name)!;
    const sample = (cpu: number): Sample => ({
      importMs: cpu,
      invokeMs: 0,
      importCpuMs: cpu,
      invokeCpuMs: 0,
      outcome: 'ok',
    });
    return {
      fn,
      clients: [],
      label: 'GET /health',
      caveat: undefined,
      bundle: { file: 'f', bytes: 100_000 * sizeRatio, mapBytes: 0 },
      baseline: { file: 'b', bytes: 100_000, mapBytes: 0 },
      outcome: '200',
      calls: [],
      firstCalls: [],
      fnSamples: ratios.map((ratio) => sample(100 * ratio)),
      baselineSamples: ratios.map(() => sample(100)),
      problems: [],
    };
  };
  /** 31 ratios spread evenly from `low` to `high`: their median is halfway. */
  const spread = (low: number, high: number) =>
    Array.from({ length: 31 }, (_, i) => low + ((high - low) * i) / 30);

  it('fails an init ratio whose 95% interval lies above the limit', () => {
    const row = rowOf(spread(1.5, 1.6));
    expect(gateOf(row, limitsOf(row, false)).failures).toEqual([
      expect.stringMatching(/^import \+ first invocation 1\.55x/),
    ]);
    expect(specVerdict(row)).toBe('over');
  });

  it('prints, and does not fail, a median over the limit while the interval still straddles it', () => {
    const row = rowOf(spread(1.25, 1.59));
    const gate = gateOf(row, limitsOf(row, false));
    expect(gate.failures).toEqual([]);
    expect(gate.undecidedOver).toEqual([expect.stringMatching(/^import \+ first invocation 1\.42x/)]);
    expect(specVerdict(row)).toBe('close');
  });

  it('passes a function within its limits, and fails a bundle over its size limit whatever the noise', () => {
    const within = rowOf(spread(1.2, 1.4));
    expect(gateOf(within, limitsOf(within, false))).toEqual({ failures: [], undecidedOver: [] });
    expect(specVerdict(within)).toBe('meets');
    const big = rowOf(spread(1.25, 1.59), 1.6);
    expect(gateOf(big, limitsOf(big, false)).failures).toEqual([expect.stringMatching(/^bundle 1\.60x/)]);
  });
});

describe('the section of docs/performance.md', () => {
  it('replaces only what lies between its markers', () => {
    const doc = `# Performance\n\nIntro.\n\n## Bundles\n\nWhy.\n\n${BEGIN}\nold table\n${END}\n\n## Queue\n\nKept.\n`;

    const rewritten = rewriteSection(doc, ['new table']);

    expect(rewritten).toBe(doc.replace('old table', 'new table'));
    expect(rewriteSection(rewritten, ['new table'])).toBe(rewritten);
  });

  it('appends a Bundles section when the document has none', () => {
    expect(rewriteSection('# Performance\n\nIntro.\n', ['t'])).toBe(
      `# Performance\n\nIntro.\n\n## Bundles\n\n${BEGIN}\nt\n${END}\n`,
    );
  });
});
