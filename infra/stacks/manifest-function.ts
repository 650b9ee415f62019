import { join } from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FUNCTION_DIMENSION, METRIC, METRICS_NAMESPACE } from '../../shared/metric-names.js';
import { RATE_ATTRIBUTES, RATE_PARTITION_PATTERN } from '../../shared/store/entities/workspace-rate.js';
import { type Access, entryOf, type FunctionSpec, OWN_EVENT_SOURCE, type Trigger } from '../manifest.js';
import { TABLE } from '../table-definition.js';
import { BUNDLING, PROJECT_ROOT } from './bundling.js';
import { DeadLetterQueue, deadLetterQueueNames, isAsync } from './dead-letter-queue.js';
import type { LogLevel } from './deploy-config.js';

export const DEFAULT_TIMEOUT_SECONDS = 10;
/**
 * Lambda's async invocation of every function EventBridge invokes: function errors are retried twice (Lambda's
 * maximum; 1 and 2 minutes apart), throttled events are kept and retried for up to 6 hours (Lambda's maximum
 * event age), then the event goes to the function's failure queue. docs/deploy.md, "Bursts".
 */
export const ASYNC_INVOKE = { retryAttempts: 2, maxEventAge: Duration.hours(6) };
/**
 * A capped function is throttled by design during a burst (the burst waits in Lambda's queue), so it alarms on
 * how long its events wait instead of on throttles: the oldest waited longer than this within 5 minutes.
 */
export const ASYNC_EVENT_AGE_ALARM = { thresholdMs: 30 * 60 * 1_000, period: Duration.minutes(5) };
export const DEFAULT_MEMORY_MB = 512;
export const SERVICE_NAME = 'for-review';

/**
 * Item actions only: no Scan (no request path or job scans; spec 8), no PartiQL (only a manifest `partiql` entry
 * grants PartiQLSelect, on the indexes it names), no DescribeTable (only `table: 'describe'`), no stream reads (only
 * a manifest `stream` trigger grants those, on the stream alone: stream-subscription.ts). Transactions authorize as
 * their parts (ConditionCheckItem, PutItem, UpdateItem, DeleteItem).
 */
export const TABLE_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'] as const;
export const TABLE_WRITE_ACTIONS = [
  'dynamodb:ConditionCheckItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
] as const;
export const TABLE_DESCRIBE_ACTIONS = ['dynamodb:DescribeTable'] as const;
export const PARTIQL_ACTIONS = ['dynamodb:PartiQLSelect'] as const;
/**
 * On the table's customer-managed key, as the function's table access needs it: reading decrypts, writing also
 * encrypts (DynamoDB calls KMS as the caller when its cached table key expires). `describe` needs none.
 */
export const TABLE_KEY_READ_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey'] as const;
export const TABLE_KEY_WRITE_ACTIONS = [
  ...TABLE_KEY_READ_ACTIONS,
  'kms:Encrypt',
  'kms:GenerateDataKey',
] as const;
/** The per-workspace limit's one write, on the rate records only (limitWorkspaces). */
export const RATE_ACTIONS = ['dynamodb:UpdateItem'] as const;

/** Everything a manifest `access` entry can point at. */
export interface FunctionResources {
  readonly table: ITable;
  readonly eventBus: IEventBus;
  /** Verified SES identities (`arn:aws:ses:<region>:<account>:identity/<domain or address>`). */
  readonly sesIdentityArns: readonly string[];
  readonly sesConfigurationSetName: string;
  readonly sesConfigurationSetArn: string;
  readonly webhookSecret: ISecret;
  readonly cursorKeys: ISecret;
  /** The dead-letter queues of the stateful stack, by name (dead-letter-queue.ts, deadLetterQueueNames). */
  readonly deadLetterQueues: ReadonlyMap<string, IQueue>;
}

export interface ManifestFunctionProps {
  readonly spec: FunctionSpec;
  /** Each workspace's requests per window on JWT routes; set on every function behind one. */
  readonly workspaceRate?: { readonly limit: number; readonly windowSeconds: number };
  readonly resources: FunctionResources;
  readonly logLevel: LogLevel;
  readonly logRetention: RetentionDays;
}

/**
 * One manifest entry as a Lambda function: its own log group and role, the manifest's grants (each also
 * setting the environment variable that names what it grants), an on-failure queue when EventBridge invokes it
 * (asynchronously; an event function also dead-letters invalid events there itself: DEAD_LETTER_QUEUE_URL),
 * the manifest's concurrency cap as reserved concurrency, and alarms on errors and throttles (a capped function:
 * on the age of its waiting events instead) and, behind the HTTP API, on 500s it answered itself. A stream
 * trigger's mapping, with its own on-failure queue, is a StreamSubscription.
 */
export class ManifestFunction extends Construct {
  readonly spec: FunctionSpec;
  readonly function: NodejsFunction;
  readonly role: Role;
  /** Catches async invocations (EventBridge rules, schedules) that still fail after Lambda's own retries. */
  readonly failureQueue: DeadLetterQueue | undefined;
  readonly alarms: Alarm[];

  constructor(scope: Construct, id: string, props: ManifestFunctionProps) {
    super(scope, id);
    const { spec } = props;
    this.spec = spec;
    checkConcurrency(spec);

    const logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // An explicit role: log writes to its own log group only, instead of AWSLambdaBasicExecutionRole.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${spec.name}`,
    });
    logGroup.grantWrite(this.role);

    const invokedAsync = spec.triggers.some((trigger) => isAsync(trigger.kind));
    const eventFed = spec.triggers.some((trigger) => trigger.kind === 'event');
    this.failureQueue = invokedAsync
      ? new DeadLetterQueue(this, 'OnFailure', {
          purpose:
            `${spec.name} failed an event after Lambda's retries or the event waited past its maximum age` +
            `${eventFed ? ', or the function rejected an invalid event itself (reason and issues in the message)' : ''}; ` +
            'the event is in this queue.',
          queue: deadLetterQueueOf(props.resources, deadLetterQueueNames.onFailure(spec)),
        })
      : undefined;

    this.function = new NodejsFunction(this, 'Function', {
      entry: join(PROJECT_ROOT, entryOf(spec)),
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      handler: 'handler',
      description: spec.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      timeout: Duration.seconds(spec.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS),
      memorySize: spec.memoryMb ?? DEFAULT_MEMORY_MB,
      role: this.role,
      logGroup,
      bundling: BUNDLING,
      // X-Ray: Lambda records each invocation and its init; no tracing SDK in the bundle (docs/deploy.md).
      tracing: Tracing.ACTIVE,
      environment: {
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: props.logLevel,
        NODE_OPTIONS: '--enable-source-maps',
      },
      ...(this.failureQueue && { onFailure: new SqsDestination(this.failureQueue.queue), ...ASYNC_INVOKE }),
      // A burst waits in Lambda's async event queue beyond this many at once (docs/deploy.md, "Bursts").
      ...(spec.concurrency !== undefined && { reservedConcurrentExecutions: spec.concurrency }),
    });
    // The event middleware dead-letters an invalid event here itself (shared/events/dead-letter.ts). The
    // on-failure destination already lets the role send to this queue, and to no other
    // (sqs:SendMessage, GetQueueAttributes, GetQueueUrl on its ARN).
    if (this.failureQueue && eventFed)
      this.function.addEnvironment('DEAD_LETTER_QUEUE_URL', this.failureQueue.queue.queueUrl);
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Pinned to nodejs22.x on purpose: the code is built (esbuild target node22) and tested for it; ' +
        'a runtime upgrade is a deliberate change, not a side effect of a CDK upgrade.',
    });

    // Active tracing lets the function's sandbox send its trace segments: xray:PutTraceSegments and
    // xray:PutTelemetryRecords, which have no resource-level permissions (CDK adds the statement).
    Validations.of(this.role.node.findChild('DefaultPolicy')).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'The only wildcard resource is the X-Ray statement that active tracing needs: PutTraceSegments and ' +
        'PutTelemetryRecords support no resource ARN. test/infra/iam.test.ts fails on any other wildcard.',
    });

    this.grant(spec.access, props.resources);
    if (props.workspaceRate && spec.triggers.some((t) => t.kind === 'http' && t.auth === 'jwt'))
      this.limitWorkspaces(props.resources.table, props.workspaceRate);
    this.alarms = [
      ...(this.failureQueue?.alarms ?? []),
      this.alarm('Errors', this.function.metricErrors(), `${spec.name} threw or timed out.`),
      spec.concurrency === undefined
        ? this.alarm('Throttles', this.function.metricThrottles(), `${spec.name} was throttled.`)
        : this.asyncEventAgeAlarm(spec),
    ];
    // An on-failure destination (async invocations, stream mappings) that cannot take the record loses it.
    if (spec.triggers.some((trigger) => isAsync(trigger.kind) || trigger.kind === 'stream')) {
      this.alarms.push(
        this.alarm(
          'DestinationDeliveryFailures',
          this.function.metric('DestinationDeliveryFailures'),
          `Lambda could not send a failed ${spec.name} event or batch to its on-failure queue: it is lost.`,
        ),
      );
    }
    // The Errors alarm's blind spot: an HTTP handler's thrown error becomes a 500 answer, not a Lambda error.
    if (spec.triggers.some((trigger) => trigger.kind === 'http' || trigger.kind === 'http-default')) {
      this.alarms.push(
        this.alarm(
          'HandledServerErrors',
          this.handledServerErrors(),
          `${spec.name} answered 500 to an unexpected error (logged as "Unhandled error").`,
        ),
      );
    }
  }

  private grant(access: Access, resources: FunctionResources): void {
    if (access.table) {
      const { tableArn } = resources.table;
      const indexArn = (name: string) => `${tableArn}/index/${name}`;
      if (access.table === 'describe') this.allow([...TABLE_DESCRIBE_ACTIONS], [tableArn]);
      else
        this.allow(
          access.table === 'read' ? [...TABLE_READ_ACTIONS] : [...TABLE_READ_ACTIONS, ...TABLE_WRITE_ACTIONS],
          [tableArn, ...TABLE.indexes.map((index) => indexArn(index.name))],
        );
      if (access.table !== 'describe')
        this.allowTableKey(
          resources.table,
          access.table === 'read' ? TABLE_KEY_READ_ACTIONS : TABLE_KEY_WRITE_ACTIONS,
        );
      if (access.partiql?.length) {
        this.allow([...PARTIQL_ACTIONS], access.partiql.map(indexArn));
        // A SELECT without the partition key in its WHERE clause is a scan, whatever resource it names.
        this.role.addToPrincipalPolicy(
          new PolicyStatement({
            effect: Effect.DENY,
            actions: [...PARTIQL_ACTIONS],
            resources: [tableArn, indexArn('*')],
            conditions: { Bool: { 'dynamodb:FullTableScan': 'true' } },
          }),
        );
      }
      this.function.addEnvironment('TABLE_NAME', resources.table.tableName);
    }
    if (access.publishEvents) {
      // The service speaks only as itself: an event it puts with any other source (an input source's) is refused.
      this.role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ['events:PutEvents'],
          resources: [resources.eventBus.eventBusArn],
          conditions: { StringEquals: { 'events:source': OWN_EVENT_SOURCE } },
        }),
      );
      this.function.addEnvironment('EVENT_BUS_NAME', resources.eventBus.eventBusName);
    }
    if (access.sendEmail) {
      // SES v2 SendEmail authorizes ses:SendEmail on the sending identity and on the configuration set.
      this.allow(['ses:SendEmail'], [...resources.sesIdentityArns, resources.sesConfigurationSetArn]);
      this.function.addEnvironment('SES_CONFIGURATION_SET', resources.sesConfigurationSetName);
    }
    if (access.webhookSecret) {
      // The ARN only: the function fetches (and caches) the value; it never sits in an env var.
      this.allow(['secretsmanager:GetSecretValue'], [resources.webhookSecret.secretArn]);
      this.function.addEnvironment('WEBHOOK_SECRET_ARN', resources.webhookSecret.secretArn);
    }
    if (access.cursorKeys) {
      this.allow(['secretsmanager:GetSecretValue'], [resources.cursorKeys.secretArn]);
      this.function.addEnvironment('CURSOR_KEYS_SECRET_ARN', resources.cursorKeys.secretArn);
    }
  }

  /**
   * The per-workspace limit (shared/http/workspace-limit.ts): one conditional UpdateItem per request on the
   * workspace's rate record, and on nothing else, even for a function that only reads.
   */
  private limitWorkspaces(table: ITable, rate: { limit: number; windowSeconds: number }): void {
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [...RATE_ACTIONS],
        resources: [table.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [RATE_PARTITION_PATTERN] },
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...RATE_ATTRIBUTES] },
          StringEqualsIfExists: { 'dynamodb:ReturnValues': ['NONE'] },
        },
      }),
    );
    this.allowTableKey(table, TABLE_KEY_WRITE_ACTIONS);
    this.function.addEnvironment('TABLE_NAME', table.tableName);
    this.function.addEnvironment('WORKSPACE_RATE_LIMIT', String(rate.limit));
    this.function.addEnvironment('WORKSPACE_RATE_WINDOW_SECONDS', String(rate.windowSeconds));
  }

  /** The table key's actions, on that key only; a statement per grant, so each reads as what it is for. */
  allowTableKey(table: ITable, actions: readonly string[]): void {
    if (table.encryptionKey) this.allow([...actions], [table.encryptionKey.keyArn]);
  }

  private allow(actions: string[], resources: string[]): void {
    this.role.addToPrincipalPolicy(new PolicyStatement({ actions, resources }));
  }

  /** Counted by shared/http/problem.ts, per function (shared/observability.ts). */
  handledServerErrors(): Metric {
    return new Metric({
      namespace: METRICS_NAMESPACE,
      metricName: METRIC.HandledServerErrors,
      dimensionsMap: { service: SERVICE_NAME, [FUNCTION_DIMENSION]: this.function.functionName },
    });
  }

  /** Lambda's AsyncEventAge: from the event's arrival in Lambda's queue to its invocation (ms). */
  private asyncEventAgeAlarm(spec: FunctionSpec): Alarm {
    const minutes = ASYNC_EVENT_AGE_ALARM.thresholdMs / 60_000;
    return new Alarm(this, 'AsyncEventAgeAlarm', {
      alarmDescription:
        `Events for ${spec.name} (capped at ${spec.concurrency} at once) waited over ${minutes} minutes in ` +
        "Lambda's queue: a burst larger or a function slower than the cap allows for. Events older than 6 hours " +
        "go to its on-failure queue. See the AsyncEventAge and Duration metrics and the function's log group.",
      metric: new Metric({
        namespace: 'AWS/Lambda',
        metricName: 'AsyncEventAge',
        dimensionsMap: { FunctionName: this.function.functionName },
        period: ASYNC_EVENT_AGE_ALARM.period,
        statistic: 'Maximum',
      }),
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      threshold: ASYNC_EVENT_AGE_ALARM.thresholdMs,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }

  private alarm(
    id: 'Errors' | 'Throttles' | 'HandledServerErrors' | 'DestinationDeliveryFailures',
    metric: Metric,
    what: string,
  ): Alarm {
    return new Alarm(this, `${id}Alarm`, {
      alarmDescription: `${what} See the ${id} metric and the function's log group.`,
      metric: metric.with({ period: Duration.minutes(5), statistic: 'Sum' }),
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      threshold: 0,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}

/**
 * A cap is for a function only EventBridge rules feed: the local bus is where it is honoured locally, and an HTTP
 * route or a stream behind a cap would answer or retry throttles instead of waiting.
 */
function checkConcurrency(spec: FunctionSpec): void {
  const cap = spec.concurrency;
  if (cap === undefined) return;
  if (!Number.isInteger(cap) || cap < 1)
    throw new Error(`${spec.name}: concurrency must be a whole number of at least 1, not ${cap}`);
  const every = (kind: Trigger['kind']) =>
    spec.triggers.length > 0 && spec.triggers.every((trigger) => trigger.kind === kind);
  if (!every('event') && !every('schedule'))
    throw new Error(
      `${spec.name}: a concurrency cap is only for functions whose every trigger is an event rule, or every trigger a schedule`,
    );
}

/** The stateful stack's dead-letter queue of that name; every one the functions need is there. */
export function deadLetterQueueOf(resources: FunctionResources, name: string): IQueue {
  const queue = resources.deadLetterQueues.get(name);
  if (!queue) throw new Error(`No dead-letter queue ${name} in the stateful stack`);
  return queue;
}
