/**
 * The pure parts of the local stream reader, without DynamoDB: Lambda's filter criteria for stream records,
 * the Lambda-shaped record built from what GetRecords answers, what a ReportBatchItemFailures answer means,
 * and how an existing table differs from its definition.
 */
import type { TableDescription } from '@aws-sdk/client-dynamodb';
import type { _Record as StreamRecord } from '@aws-sdk/client-dynamodb-streams';
import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { tableDifferences } from '../../infra/local/dynamodb-local.js';
import { reportedFailure } from '../../infra/local/stream-failures.js';
import {
  assertSupportedFilter,
  matchesStreamFilter,
  UnsupportedFilterError,
} from '../../infra/local/stream-filter.js';
import { lambdaRecord } from '../../infra/local/stream-records.js';
import { OUTBOX_STREAM_FILTER, type StreamFilterPattern, streamConsumers } from '../../infra/manifest.js';
import { createTableInput } from '../../infra/table-definition.js';

const record = (eventName: string, image?: Record<string, unknown>) => ({
  eventName,
  eventSource: 'aws:dynamodb',
  dynamodb: { SequenceNumber: '1', ...(image ? { NewImage: marshall(image) } : {}) },
});

describe('stream filter (Lambda filter criteria, value lists)', () => {
  it('delivers new history entries and outbox records to the publisher', () => {
    expect(matchesStreamFilter(record('INSERT', { entity: 'History' }), OUTBOX_STREAM_FILTER)).toBe(true);
    expect(matchesStreamFilter(record('INSERT', { entity: 'Outbox', x: 1 }), OUTBOX_STREAM_FILTER)).toBe(
      true,
    );
  });

  it('leaves out updates, removals, other entities and records without a new image', () => {
    expect(matchesStreamFilter(record('MODIFY', { entity: 'History' }), OUTBOX_STREAM_FILTER)).toBe(false);
    expect(matchesStreamFilter(record('REMOVE'), OUTBOX_STREAM_FILTER)).toBe(false);
    expect(matchesStreamFilter(record('INSERT', { entity: 'Item' }), OUTBOX_STREAM_FILTER)).toBe(false);
    expect(matchesStreamFilter(record('INSERT', { other: 'History' }), OUTBOX_STREAM_FILTER)).toBe(false);
    expect(matchesStreamFilter(record('INSERT'), OUTBOX_STREAM_FILTER)).toBe(false);
  });

  it('compares values exactly and by type: a number attribute never matches a string list', () => {
    expect(matchesStreamFilter(record('INSERT', { entity: 'history' }), OUTBOX_STREAM_FILTER)).toBe(false);
    expect(matchesStreamFilter(record('INSERT', { entity: 'History ' }), OUTBOX_STREAM_FILTER)).toBe(false);
    const numeric = { eventName: 'INSERT', dynamodb: { NewImage: { entity: { N: 'History' } } } };
    expect(matchesStreamFilter(numeric, OUTBOX_STREAM_FILTER)).toBe(false);
  });

  it('ignores fields the pattern does not name, and an empty list matches nothing', () => {
    expect(matchesStreamFilter(record('INSERT', { entity: 'History' }), { eventName: ['INSERT'] })).toBe(
      true,
    );
    expect(matchesStreamFilter(record('INSERT'), { eventName: [] })).toBe(false);
    expect(matchesStreamFilter(record('INSERT'), {})).toBe(true);
  });

  it('matches a list value in the record when any element is listed', () => {
    const pattern = { tags: ['b'] } as unknown as StreamFilterPattern;
    expect(matchesStreamFilter({ tags: ['a', 'b'] }, pattern)).toBe(true);
    expect(matchesStreamFilter({ tags: ['a'] }, pattern)).toBe(false);
  });

  it('refuses content-filter operators at start instead of matching them wrongly', () => {
    expect(() => assertSupportedFilter({ eventName: [{ prefix: 'IN' }] })).toThrow(UnsupportedFilterError);
    expect(() => assertSupportedFilter({ dynamodb: 'x' })).toThrow(/dynamodb/);
    for (const consumer of streamConsumers)
      expect(() => assertSupportedFilter(consumer.filter)).not.toThrow();
  });
});

describe('Lambda-shaped stream records', () => {
  it('carries what GetRecords answered, with binaries in base64 and the time in epoch seconds', () => {
    const raw: StreamRecord = {
      eventID: 'e1',
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'ddblocal',
      dynamodb: {
        ApproximateCreationDateTime: new Date('2026-12-01T10:00:00.700Z'),
        Keys: { pk: { S: 'a' }, sk: { S: 'b' } },
        NewImage: {
          pk: { S: 'a' },
          n: { N: '1.5' },
          bin: { B: new Uint8Array([1, 2]) },
          set: { BS: [new Uint8Array([255])] },
          nested: { M: { list: { L: [{ BOOL: true }, { NULL: true }, { SS: ['x'] }] } } },
        },
        SequenceNumber: '000000000000000000042',
        SizeBytes: 30,
        StreamViewType: 'NEW_IMAGE',
      },
    };

    const arn = 'arn:aws:dynamodb:ddblocal:000000000000:table/t/stream/1';
    const shaped = lambdaRecord(raw, arn);

    expect(shaped).toEqual({
      eventID: 'e1',
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'ddblocal',
      eventSourceARN: arn,
      dynamodb: {
        ApproximateCreationDateTime: Date.parse('2026-12-01T10:00:00Z') / 1_000,
        Keys: { pk: { S: 'a' }, sk: { S: 'b' } },
        NewImage: {
          pk: { S: 'a' },
          n: { N: '1.5' },
          bin: { B: 'AQI=' },
          set: { BS: ['/w=='] },
          nested: { M: { list: { L: [{ BOOL: true }, { NULL: true }, { SS: ['x'] }] } } },
        },
        SequenceNumber: '000000000000000000042',
        SizeBytes: 30,
        StreamViewType: 'NEW_IMAGE',
      },
    });
    expect(JSON.parse(JSON.stringify(shaped))).toEqual(shaped);
  });
});

describe('ReportBatchItemFailures answers', () => {
  const batch = [{ sequenceNumber: '1' }, { sequenceNumber: '2' }, { sequenceNumber: '3' }];

  it.each([
    ['no answer', undefined],
    ['null', null],
    ['an answer without the list', { other: 1 }],
    ['an empty list', { batchItemFailures: [] }],
    ['null for the list', { batchItemFailures: null }],
  ])('treats %s as a success', (_, answer) => {
    expect(reportedFailure(answer, batch)).toEqual({ kind: 'success' });
  });

  it('resumes from the lowest reported sequence number', () => {
    const answer = { batchItemFailures: [{ itemIdentifier: '3' }, { itemIdentifier: '2' }] };
    expect(reportedFailure(answer, batch)).toMatchObject({ kind: 'partial', index: 1 });
  });

  it.each([
    ['an empty identifier', { batchItemFailures: [{ itemIdentifier: '' }] }],
    ['a null identifier', { batchItemFailures: [{ itemIdentifier: null }] }],
    ['a misspelt key', { batchItemFailures: [{ itemIdentifer: '2' }] }],
    ['an identifier not in the batch', { batchItemFailures: [{ itemIdentifier: '9' }] }],
    ['a list that is not one', { batchItemFailures: 'nope' }],
  ])('fails the whole batch for %s', (_, answer) => {
    expect(reportedFailure(answer, batch)).toMatchObject({ kind: 'whole' });
  });
});

describe('an existing table against its definition', () => {
  const wanted = createTableInput('t');
  const asTable = (input: ReturnType<typeof createTableInput>): TableDescription => ({
    TableName: input.TableName,
    KeySchema: input.KeySchema,
    AttributeDefinitions: input.AttributeDefinitions,
    StreamSpecification: input.StreamSpecification,
    GlobalSecondaryIndexes: input.GlobalSecondaryIndexes?.map((index) => ({
      ...index,
      IndexStatus: 'ACTIVE',
    })),
  });

  it('needs nothing when the table is what the definition creates', () => {
    expect(tableDifferences(asTable(wanted), wanted)).toEqual({ fixes: [], problems: [] });
  });

  it('enables a missing stream, adds a missing index, rebuilds a changed one and drops an unknown one', () => {
    const [first, second, ...rest] = wanted.GlobalSecondaryIndexes ?? [];
    const old = asTable({
      ...wanted,
      StreamSpecification: undefined,
      GlobalSecondaryIndexes: [
        { ...(first as object), Projection: { ProjectionType: 'KEYS_ONLY' } } as never,
        {
          IndexName: 'gsi_old',
          KeySchema: [{ AttributeName: 'x', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'ALL' },
        },
        ...rest,
      ],
    });

    const { fixes, problems } = tableDifferences(old, wanted);

    expect(problems).toEqual([]);
    expect(fixes.map((fix) => ('indexName' in fix ? `${fix.kind} ${fix.indexName}` : fix.kind))).toEqual([
      'enable-stream',
      'delete-index gsi_old',
      `delete-index ${first?.IndexName}`,
      `create-index ${first?.IndexName}`,
      `create-index ${second?.IndexName}`,
    ]);
  });

  it('cannot change a primary key, an attribute type or a stream view type in place', () => {
    const indexKey = wanted.GlobalSecondaryIndexes?.[0]?.KeySchema?.[0]?.AttributeName;
    const old = asTable({
      ...wanted,
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: (wanted.AttributeDefinitions ?? []).map((a) =>
        a.AttributeName === indexKey ? { ...a, AttributeType: 'N' } : a,
      ),
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' },
    });

    const { problems } = tableDifferences(old, wanted);

    expect(problems).toEqual([
      expect.stringMatching(/primary key/),
      expect.stringContaining(`${indexKey} is of type N`),
      expect.stringMatching(/KEYS_ONLY/),
    ]);
  });
});
