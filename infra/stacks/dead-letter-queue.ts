import { Duration, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface DeadLetterQueueProps {
  /** What lands here and what to do about it; becomes the alarm description. */
  readonly purpose: string;
}

/**
 * An encrypted, TLS-only SQS queue that catches what could not be delivered or processed, with an alarm
 * that fires as soon as one message is visible, and one that fires again on every new message while older ones
 * still wait (the depth alarm is already in ALARM then, and would say nothing). Messages are kept 14 days (the
 * SQS maximum) for redrive.
 */
export class DeadLetterQueue extends Construct {
  readonly queue: Queue;
  readonly alarm: Alarm;
  readonly newMessagesAlarm: Alarm;
  readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue (of an EventBridge target or a Lambda on-failure ' +
        'destination); its messages are inspected and redriven by hand, and its depth is alarmed.',
    });
    this.alarm = new Alarm(this, 'DepthAlarm', {
      alarmDescription: props.purpose,
      metric: this.queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      threshold: 0,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.newMessagesAlarm = new Alarm(this, 'NewMessagesAlarm', {
      alarmDescription: `New messages arrived. ${props.purpose}`,
      metric: this.queue.metricNumberOfMessagesSent({ period: Duration.minutes(1), statistic: 'Sum' }),
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      threshold: 0,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.alarms = [this.alarm, this.newMessagesAlarm];
  }
}
