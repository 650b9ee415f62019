import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { type EntryPublisher, eventsOfRecord, publishRecords } from '../../shared/events/outbox.js';
import type { OutEvent } from '../../shared/events/publisher.js';

const event = (eventId: string): OutEvent => ({
  detailType: 'Review Item Created',
  detail: { eventId, itemId: 'ri_1', version: 1 },
});

function record(sequence: string, events: OutEvent[], eventName: DynamoDBRecord['eventName'] = 'INSERT') {
  return {
    eventName,
    dynamodb: {
      SequenceNumber: sequence,
      NewImage: marshall({ pk: 'p', sk: sequence, entity: 'History', outbox: events }) as never,
    },
  } satisfies DynamoDBRecord;
}

/** A bus that refuses the events whose ids are listed, and keeps what it accepted. */
class Bus implements EntryPublisher {
  readonly accepted: string[] = [];
  readonly requests: number[] = [];
  constructor(private readonly refuse = new Set<string>()) {}
  async put(events: OutEvent[]): Promise<number[]> {
    this.requests.push(events.length);
    const failed: number[] = [];
    events.forEach((e, index) => {
      const id = String(e.detail.eventId);
      if (this.refuse.has(id)) failed.push(index);
      else this.accepted.push(id);
    });
    return failed;
  }
}

describe('outbox publisher', () => {
  it('reads the events of new outbox records only', () => {
    expect(eventsOfRecord(record('1', [event('e1')]))).toEqual([event('e1')]);
    expect(eventsOfRecord(record('2', [event('e2')], 'MODIFY'))).toEqual([]);
    expect(
      eventsOfRecord({ eventName: 'INSERT', dynamodb: { NewImage: marshall({ pk: 'x' }) as never } }),
    ).toEqual([]);
  });

  it('publishes every event of a batch in order, ten per request', async () => {
    const bus = new Bus();
    const records = Array.from({ length: 12 }, (_, i) => record(String(i + 1), [event(`e${i + 1}`)]));
    expect(await publishRecords(bus, records)).toEqual({ batchItemFailures: [] });
    expect(bus.accepted).toEqual(records.map((_, i) => `e${i + 1}`));
    expect(bus.requests).toEqual([10, 2]);
  });

  it('reports the first record with a refused event and publishes nothing after its request', async () => {
    const bus = new Bus(new Set(['e3']));
    const records = Array.from({ length: 15 }, (_, i) => record(String(100 + i), [event(`e${i + 1}`)]));
    expect(await publishRecords(bus, records)).toEqual({ batchItemFailures: [{ itemIdentifier: '102' }] });
    expect(bus.requests).toEqual([10]);
  });

  it('reports the first record of a request the bus failed as a whole', async () => {
    const failing: EntryPublisher = {
      put: async () => {
        throw new Error('InternalException');
      },
    };
    const records = [record('7', [event('a'), event('b')]), record('8', [event('c')])];
    expect(await publishRecords(failing, records)).toEqual({ batchItemFailures: [{ itemIdentifier: '7' }] });
  });
});
