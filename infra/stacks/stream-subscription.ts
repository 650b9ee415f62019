import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { type EventSourceMapping, FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Trigger } from '../manifest.js';
import { DeadLetterQueue } from './dead-letter-queue.js';
import { type ManifestFunction, TABLE_KEY_READ_ACTIONS } from './manifest-function.js';

export type StreamTrigger = Extract<Trigger, { kind: 'stream' }>;

/**
 * What a DynamoDB stream consumer may do: read the records of that one stream (ARN
 * `.../table/<name>/stream/<label>`). No `ListStreams`: Lambda reads the stream whose ARN it is given, and
 * ListStreams has no resource-level permission (it would need `*`).
 */
export const STREAM_READ_ACTIONS = [
  'dynamodb:DescribeStream',
  'dynamodb:GetShardIterator',
  'dynamodb:GetRecords',
] as const;

/**
 * The publisher falls behind when the oldest record it has just been handed is older than this, minute after
 * minute: the bus refuses events, or the function fails, and the stream keeps retrying (docs/deploy.md).
 */
export const ITERATOR_AGE_ALARM = { thresholdMs: 60_000, periods: 3 } as const;

export interface StreamSubscriptionProps {
  readonly consumer: ManifestFunction;
  readonly trigger: StreamTrigger;
  /** The stream's ARN (a cross-stack reference to the stateful stack's table). */
  readonly streamArn: string;
  /** Its on-failure queue, from the stateful stack. */
  readonly deadLetterQueue: IQueue;
  /** The table whose stream it is: its key decrypts the stream. */
  readonly table: ITable;
}

/**
 * One manifest `stream` trigger: a Lambda event source mapping on the table's stream with the manifest's
 * filter, batching and retries, partial batch responses, an on-failure queue for batches that exhaust their
 * retries, read access to that stream only, and alarms on the queue and on the iterator age.
 * docs/outbox.md says why it is an event source mapping and not an EventBridge Pipe.
 */
export class StreamSubscription extends Construct {
  readonly consumer: ManifestFunction;
  readonly mapping: EventSourceMapping;
  readonly onFailure: DeadLetterQueue;
  readonly alarms: Alarm[];

  constructor(scope: Construct, id: string, props: StreamSubscriptionProps) {
    super(scope, id);
    const { consumer, trigger, streamArn } = props;
    const name = consumer.spec.name;
    this.consumer = consumer;

    this.onFailure = new DeadLetterQueue(this, 'OnFailure', {
      purpose:
        `${name} gave up on a batch of ${trigger.name} stream records after ${trigger.retryAttempts} retries: ` +
        'their events were not published. The message names the shard and sequence numbers; redrive them ' +
        '(docs/outbox.md).',
      queue: props.deadLetterQueue,
    });

    // Lambda checks the role's stream access when the mapping is created: the mapping depends on the role.
    consumer.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: [...STREAM_READ_ACTIONS], resources: [streamArn] }),
    );
    // The stream is encrypted with the table's key.
    consumer.allowTableKey(props.table, TABLE_KEY_READ_ACTIONS);
    this.mapping = consumer.function.addEventSourceMapping(`${trigger.name}Stream`, {
      eventSourceArn: streamArn,
      // Everything still in the stream when the mapping is first created: records written between the
      // stateful and the stateless deploy are published too.
      startingPosition: StartingPosition.TRIM_HORIZON,
      filters: [FilterCriteria.filter(trigger.filter)],
      batchSize: trigger.batchSize,
      maxBatchingWindow: Duration.seconds(trigger.maxBatchingWindowSeconds),
      retryAttempts: trigger.retryAttempts,
      bisectBatchOnError: trigger.bisectOnError,
      reportBatchItemFailures: true,
      onFailure: new SqsDlq(this.onFailure.queue),
    });
    this.mapping.node.addDependency(consumer.role);

    const iteratorAge = new Alarm(this, 'IteratorAgeAlarm', {
      alarmDescription:
        `${name} is falling behind on the ${trigger.name} stream: its oldest record was older than ` +
        `${ITERATOR_AGE_ALARM.thresholdMs / 1000} s for ${ITERATOR_AGE_ALARM.periods} minutes, so events ` +
        'reach subscribers late (records leave the stream after 24 hours). See the function log and its ' +
        'PublishFailures metric; docs/deploy.md.',
      metric: consumer.function.metric('IteratorAge', { period: Duration.minutes(1), statistic: 'Maximum' }),
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      threshold: ITERATOR_AGE_ALARM.thresholdMs,
      evaluationPeriods: ITERATOR_AGE_ALARM.periods,
      datapointsToAlarm: ITERATOR_AGE_ALARM.periods,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.alarms = [...this.onFailure.alarms, iteratorAge];
  }
}
