import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { FunctionSpec } from '../manifest.js';

/** Triggers Lambda invokes asynchronously (EventBridge rules and schedules): they get an on-failure queue. */
export const isAsync = (kind: string): boolean => kind === 'event' || kind === 'schedule';

/**
 * Every dead-letter queue the functions need, by name: a function invoked asynchronously has its on-failure queue,
 * a stream trigger its own, and each rule and schedule its target's. The stateful stack creates them from this
 * list, the stateless stack uses them by the same names.
 */
export const deadLetterQueueNames = {
  onFailure: (fn: FunctionSpec) => `${fn.name}-on-failure`,
  stream: (triggerName: string) => `${triggerName}-stream-on-failure`,
  target: (ruleName: string) => `${ruleName}-target`,
};

/** The dead-letter queues of these functions, each with the rule whose target it is, if any. */
export function deadLetterQueuesOf(
  specs: readonly FunctionSpec[],
): { name: string; rule?: { ruleName: string; bus: 'configured' | 'default' } }[] {
  return specs.flatMap((fn) => [
    ...(fn.triggers.some((t) => isAsync(t.kind)) ? [{ name: deadLetterQueueNames.onFailure(fn) }] : []),
    ...fn.triggers.flatMap((t) => {
      if (t.kind === 'stream') return [{ name: deadLetterQueueNames.stream(t.name) }];
      if (t.kind === 'event')
        return [
          {
            name: deadLetterQueueNames.target(t.ruleName),
            rule: {
              ruleName: t.ruleName,
              bus: t.bus === 'default' ? ('default' as const) : ('configured' as const),
            },
          },
        ];
      if (t.kind === 'schedule')
        return [
          {
            name: deadLetterQueueNames.target(t.ruleName),
            rule: { ruleName: t.ruleName, bus: 'default' as const },
          },
        ];
      return [];
    }),
  ]);
}

/** The physical name of a rule of the stateless stack, so the stateful stack's queue policies can name it. */
export const eventRuleName = (stage: string, ruleName: string): string => `for-review-${stage}-${ruleName}`;

export interface DeadLetterQueuesProps {
  readonly functions: readonly FunctionSpec[];
  readonly stage: string;
  readonly eventBusName: string;
}

/**
 * The queues themselves, in the stateful stack: what they hold outlives a replacement of the stateless stack.
 * Encrypted, TLS-only, messages kept 14 days (the SQS maximum) for redrive. A rule's target queue accepts messages
 * from EventBridge for that rule only (by its physical name: the rule is in the other stack).
 */
export class DeadLetterQueues extends Construct {
  readonly queues: ReadonlyMap<string, Queue>;

  constructor(scope: Construct, id: string, props: DeadLetterQueuesProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.queues = new Map(
      deadLetterQueuesOf(props.functions).map(({ name, rule }) => {
        const queue = new Queue(this, name, {
          encryption: QueueEncryption.SQS_MANAGED,
          enforceSSL: true,
          retentionPeriod: Duration.days(14),
        });
        Validations.of(queue).acknowledge({
          id: 'AwsSolutions-SQS3',
          reason:
            'This queue is itself the dead-letter queue (of an EventBridge target, a Lambda on-failure ' +
            'destination or a stream mapping); its messages are inspected and redriven by hand, and its depth ' +
            'is alarmed.',
        });
        if (rule) {
          const ruleName = eventRuleName(props.stage, rule.ruleName);
          queue.addToResourcePolicy(
            new PolicyStatement({
              effect: Effect.ALLOW,
              principals: [new ServicePrincipal('events.amazonaws.com')],
              actions: ['sqs:SendMessage'],
              resources: [queue.queueArn],
              conditions: {
                ArnEquals: {
                  'aws:SourceArn': stack.formatArn({
                    service: 'events',
                    resource: 'rule',
                    resourceName: rule.bus === 'default' ? ruleName : `${props.eventBusName}/${ruleName}`,
                  }),
                },
              },
            }),
          );
        }
        return [name, queue];
      }),
    );
  }
}

export interface DeadLetterQueueProps {
  /** What lands here and what to do about it; becomes the alarm description. */
  readonly purpose: string;
  /** The queue, from the stateful stack's DeadLetterQueues. */
  readonly queue: IQueue;
}

/**
 * The alarms of a dead-letter queue, next to the queue in the stateful stack: one that fires as soon as one message is visible, and one that fires again on
 * every new message while older ones still wait (the depth alarm is already in ALARM then, and would say nothing).
 */
export class DeadLetterQueue extends Construct {
  readonly queue: IQueue;
  readonly alarm: Alarm;
  readonly newMessagesAlarm: Alarm;
  readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    this.queue = props.queue;
    // The alarms go with the queue, in the stateful stack (their metrics name only the queue): the stateless stack
    // keeps its room under CloudFormation's 500 resources a stack.
    const home: Construct = props.queue;
    this.alarm = new Alarm(home, 'DepthAlarm', {
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
    this.newMessagesAlarm = new Alarm(home, 'NewMessagesAlarm', {
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
