/**
 * The alarms that watch more than one function: the HTTP API, unknown send outcomes, SES reputation. Each has a
 * runbook entry in docs/deploy.md ("Alarms"); the descriptions say the same in short. Per-function alarms
 * (Errors, Throttles, HandledServerErrors) are in manifest-function.ts, the stream's in stream-subscription.ts,
 * the queues' in dead-letter-queue.ts.
 */
import { Duration } from 'aws-cdk-lib';
import type { HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { Rule } from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import { METRIC, METRICS_NAMESPACE } from '../../shared/metric-names.js';
import { TABLE } from '../table-definition.js';

export const ALARM_THRESHOLDS = {
  /** p99 of API Gateway's Latency (ms), in each of `apiLatencyPeriods` consecutive 5-minute periods. */
  apiLatencyP99Ms: 2_000,
  apiLatencyPeriods: 3,
  /**
   * SES reputation, account-wide (what SES enforces on). AWS places an account under review at a 5% bounce
   * rate and at a 0.1% complaint rate, and may pause sending at 10% and 0.5%.
   */
  sesBounceRate: 0.05,
  sesComplaintRate: 0.001,
  /** Requests refused by the per-workspace limit, per 5 minutes, in each of `workspaceThrottledPeriods` in a row. */
  workspaceThrottled: 100,
  workspaceThrottledPeriods: 3,
} as const;

export interface SystemAlarmsProps {
  readonly stage: HttpStage;
  readonly table: ITable;
  /** The `service` dimension of the custom metrics (POWERTOOLS_SERVICE_NAME). */
  readonly service: string;
}

export class SystemAlarms extends Construct {
  readonly alarms: Alarm[];

  constructor(scope: Construct, id: string, props: SystemAlarmsProps) {
    super(scope, id);
    const fiveMinutes = Duration.minutes(5);

    this.alarms = [
      new Alarm(this, 'ApiServerErrorsAlarm', {
        alarmDescription:
          'The HTTP API answered 5xx: a handled 500 (see HandledServerErrors), or a Lambda error, timeout or ' +
          "throttle (see the functions' Errors and Throttles). The access log has the route and status.",
        metric: props.stage.metricServerError({ period: fiveMinutes, statistic: 'Sum' }),
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        threshold: 0,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      new Alarm(this, 'ApiLatencyP99Alarm', {
        alarmDescription:
          `The HTTP API's p99 latency stayed above ${ALARM_THRESHOLDS.apiLatencyP99Ms} ms for ` +
          `${ALARM_THRESHOLDS.apiLatencyPeriods * 5} minutes. Compare integrationLatency in the access log ` +
          '(the function) with responseLatency (the gateway); check DynamoDB throttles and SES latency.',
        metric: props.stage.metricLatency({ period: fiveMinutes, statistic: 'p99' }),
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        threshold: ALARM_THRESHOLDS.apiLatencyP99Ms,
        evaluationPeriods: ALARM_THRESHOLDS.apiLatencyPeriods,
        datapointsToAlarm: ALARM_THRESHOLDS.apiLatencyPeriods,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      new Alarm(this, 'SendsUnknownAlarm', {
        alarmDescription:
          'A send ended with an unknown outcome (timeout, connection lost, or interrupted and surfaced by ' +
          'recover-interrupted-sends): the item is send_unknown and is never resent automatically. A reviewer ' +
          'decides; if it repeats, check SES and the approve function log.',
        metric: new Metric({
          namespace: METRICS_NAMESPACE,
          metricName: METRIC.SendsUnknown,
          dimensionsMap: { service: props.service },
          period: fiveMinutes,
          statistic: 'Sum',
        }),
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        threshold: 0,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      new Alarm(this, 'WorkspaceThrottledAlarm', {
        alarmDescription:
          `Over ${ALARM_THRESHOLDS.workspaceThrottled} requests per 5 minutes were refused 429 by the per-workspace ` +
          `limit for ${ALARM_THRESHOLDS.workspaceThrottledPeriods * 5} minutes: a workspace's looping agent or ` +
          'script, or a limit too low for real use. The access log (status 429, workspaceId) says which workspace.',
        metric: new Metric({
          namespace: METRICS_NAMESPACE,
          metricName: METRIC.WorkspaceThrottled,
          dimensionsMap: { service: props.service },
          period: fiveMinutes,
          statistic: 'Sum',
        }),
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        threshold: ALARM_THRESHOLDS.workspaceThrottled,
        evaluationPeriods: ALARM_THRESHOLDS.workspaceThrottledPeriods,
        datapointsToAlarm: ALARM_THRESHOLDS.workspaceThrottledPeriods,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      this.throttled('TableThrottlesAlarm', 'the table', { TableName: props.table.tableName }),
      ...TABLE.indexes.map((index) =>
        this.throttled(`${pascal(index.name)}IndexThrottlesAlarm`, `the ${index.name} index`, {
          TableName: props.table.tableName,
          GlobalSecondaryIndexName: index.name,
        }),
      ),
      this.reputation(
        'SesBounceRateAlarm',
        'Reputation.BounceRate',
        ALARM_THRESHOLDS.sesBounceRate,
        "The account's SES bounce rate reached the level at which AWS reviews the account (5%; sending may be " +
          "paused at 10%). See the DeliveryBounced metric and the bounced items' recipients.",
      ),
      this.reputation(
        'SesComplaintRateAlarm',
        'Reputation.ComplaintRate',
        ALARM_THRESHOLDS.sesComplaintRate,
        "The account's SES complaint rate reached the level at which AWS reviews the account (0.1%; sending " +
          'may be paused at 0.5%). See the DeliveryComplained metric and which automations sent those emails.',
      ),
    ];
  }

  /**
   * DynamoDB refused reads or writes for lack of capacity (on demand: a partition past its limit, or a doubling
   * of traffic past the table's previous peak). An index's throttled writes throttle the table's writes too.
   */
  private throttled(id: string, what: string, dimensionsMap: Record<string, string>): Alarm {
    const events = (metricName: string) =>
      new Metric({ namespace: 'AWS/DynamoDB', metricName, dimensionsMap, period: Duration.minutes(5) });
    return new Alarm(this, id, {
      alarmDescription:
        `DynamoDB throttled reads or writes of ${what}: a hot partition or a burst past on-demand's headroom. ` +
        'See ReadThrottleEvents/WriteThrottleEvents by operation and CloudWatch Contributor Insights for the key; ' +
        'docs/table-design.md says which partitions one workspace can make hot.',
      metric: new MathExpression({
        expression: 'FILL(reads, 0) + FILL(writes, 0)',
        usingMetrics: {
          reads: events('ReadThrottleEvents').with({ statistic: 'Sum' }),
          writes: events('WriteThrottleEvents').with({ statistic: 'Sum' }),
        },
        period: Duration.minutes(5),
        label: `Throttle events of ${what}`,
      }),
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      threshold: 0,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }

  /** SES publishes the account's rates (a fraction, 0–1) without dimensions, only when there is data. */
  private reputation(id: string, metricName: string, threshold: number, description: string): Alarm {
    return new Alarm(this, id, {
      alarmDescription: description,
      metric: new Metric({
        namespace: 'AWS/SES',
        metricName,
        period: Duration.hours(1),
        statistic: 'Maximum',
      }),
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      threshold,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}

/**
 * EventBridge gave up on an event for a rule's target (FailedInvocations) or could not even put it in the
 * target's dead-letter queue (InvocationsFailedToBeSentToDlq): either way no queue holds it. Metrics of a rule on a
 * custom bus carry the bus's name too.
 */
export function ruleDeliveryAlarm(rule: Rule, onCustomBus: string | undefined, what: string): Alarm {
  const dimensionsMap = {
    RuleName: rule.ruleName,
    ...(onCustomBus !== undefined && { EventBusName: onCustomBus }),
  };
  const metric = (metricName: string) =>
    new Metric({ namespace: 'AWS/Events', metricName, dimensionsMap, statistic: 'Sum' });
  return new Alarm(rule, 'DeliveryFailuresAlarm', {
    alarmDescription:
      `EventBridge failed ${what} for good, or could not put it in the rule's dead-letter queue: the event is ` +
      "in no queue. See the rule's FailedInvocations and InvocationsFailedToBeSentToDlq metrics and the " +
      "dead-letter queue's policy; re-put the event once delivery works.",
    metric: new MathExpression({
      expression: 'FILL(failed, 0) + FILL(notQueued, 0)',
      usingMetrics: {
        failed: metric('FailedInvocations'),
        notQueued: metric('InvocationsFailedToBeSentToDlq'),
      },
      period: Duration.minutes(5),
      label: 'Events lost by the rule',
    }),
    comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    threshold: 0,
    evaluationPeriods: 1,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
}

const pascal = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1);
