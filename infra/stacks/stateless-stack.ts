import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  type CfnStage,
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpRoute,
  HttpRouteKey,
  type HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import {
  type EventPattern as CdkEventPattern,
  EventBus,
  type IEventBus,
  Rule,
  Schedule,
} from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { ConfigurationSet, EmailSendingEvent, EventDestination } from 'aws-cdk-lib/aws-ses';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { type IQueue, Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  type EventPattern,
  type FunctionSpec,
  functions as manifestFunctions,
  type Trigger,
} from '../manifest.js';
import { ruleDeliveryAlarm, SystemAlarms } from './alarms.js';
import { DeadLetterQueue, deadLetterQueueNames, eventRuleName } from './dead-letter-queue.js';
import type { DeployConfig } from './deploy-config.js';
import {
  deadLetterQueueOf,
  type FunctionResources,
  ManifestFunction,
  SERVICE_NAME,
} from './manifest-function.js';
import { StreamSubscription } from './stream-subscription.js';

export interface StatelessStackProps extends StackProps {
  readonly config: DeployConfig;
  readonly table: ITable;
  /** The table's stream, for the manifest's `stream` triggers. */
  readonly tableStreamArn: string;
  readonly eventBus: IEventBus;
  readonly webhookSecret: ISecret;
  readonly cursorKeys: ISecret;
  /** The dead-letter queues, by name (dead-letter-queue.ts): in the stateful stack, so they outlive this one. */
  readonly deadLetterQueues: ReadonlyMap<string, IQueue>;
  /** The functions to build; the manifest's by default (tests add entries the manifest does not have yet). */
  readonly functions?: readonly FunctionSpec[];
}

/**
 * Why each manifest route with `auth: 'none'`, and the `$default` route, may be public. A new public route must be
 * added here, or synthesis fails: going without the JWT authorizer is a decision, never a default.
 */
export const PUBLIC_ROUTES: Readonly<Record<string, string>> = {
  'POST /webhooks/email':
    'Called by the email provider, which cannot present a user JWT; every request is authenticated by ' +
    'its Standard Webhooks HMAC signature and timestamp, checked in the function (spec 6).',
  'GET /health': 'Unauthenticated liveness probe by design; it answers only a status and reads no item.',
  'GET /openapi.json':
    'The API description, the same document the repository publishes in docs/openapi.json; built from the ' +
    'manifest and the schemas at init, it reads no table and carries no data.',
  $default:
    'Takes only the requests no route takes and answers them 404 or 405 (problem details naming the method and ' +
    'path); its function has no grants, reads nothing and invokes no other function.',
};

/**
 * What the SES configuration set publishes to the default bus: the outcomes of a sent email after SES accepted
 * it. As EventBridge detail types: Email Delivered, Email Bounced, Email Complaint Received, Email Rejected
 * (SES refused it after accepting, e.g. a virus), Email Rendering Failed. Sends, opens and clicks are left
 * out: the item already knows it was sent, and opens and clicks are not delivery.
 */
export const SES_DELIVERY_EVENTS = [
  EmailSendingEvent.DELIVERY,
  EmailSendingEvent.BOUNCE,
  EmailSendingEvent.COMPLAINT,
  EmailSendingEvent.REJECT,
  EmailSendingEvent.RENDERING_FAILURE,
] as const;

/**
 * Per-route throttles of the HTTP API stage (steady requests per second, burst), tighter than the stage's default
 * where a caller needs no token (API Gateway throttles before the JWT check, so one anonymous caller could
 * otherwise take the whole stage's rate) or where one request does much work (bulk decides up to 25 items, MCP
 * runs tools). Each workspace's own share behind the JWT routes is the per-workspace limit
 * (shared/http/workspace-limit.ts).
 */
export const ROUTE_THROTTLES: Readonly<Record<string, { rateLimit: number; burstLimit: number }>> = {
  'POST /webhooks/email': { rateLimit: 20, burstLimit: 40 },
  'GET /health': { rateLimit: 5, burstLimit: 10 },
  'GET /openapi.json': { rateLimit: 5, burstLimit: 10 },
  $default: { rateLimit: 5, burstLimit: 10 },
  'POST /review-items/bulk': { rateLimit: 5, burstLimit: 10 },
  'POST /mcp': { rateLimit: 20, burstLimit: 40 },
  'GET /mcp': { rateLimit: 5, burstLimit: 10 },
  // An erasure walks the whole workspace: a few a minute is plenty for an admin, and a loop cannot start thousands.
  'POST /privacy/erasures': { rateLimit: 1, burstLimit: 5 },
  'GET /privacy/erasures/{id}': { rateLimit: 5, burstLimit: 10 },
};

/** EventBridge → Lambda delivery retries before an event goes to the target's dead-letter queue. */
export const EVENT_TARGET_RETRY = { retryAttempts: 10, maxEventAge: Duration.hours(6) };

/**
 * Everything that can be replaced freely: functions, HTTP API, rules, schedules, stream mappings, queues,
 * alarms.
 */
export class StatelessStack extends Stack {
  readonly functions: ReadonlyMap<string, ManifestFunction>;
  readonly streamSubscriptions: readonly StreamSubscription[];
  readonly api: HttpApi;
  readonly stage: HttpStage;
  /** The schema registry of every event in and out (spec 5). */
  private readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config } = props;
    const specs = props.functions ?? manifestFunctions;

    // AWS services (SES among them) publish their events on the account's default bus only.
    const defaultBus = EventBus.fromEventBusName(this, 'DefaultEventBus', 'default');
    const configurationSet = new ConfigurationSet(this, 'EmailConfigurationSet', {
      reputationMetrics: true,
      sendingEnabled: true,
    });
    // Delivery events of sent emails (spec 2.5) → the default bus, where a manifest rule with
    // `bus: 'default'` forwards them to the function that records delivery on the item.
    configurationSet.addEventDestination('DeliveryEvents', {
      destination: EventDestination.eventBus(defaultBus),
      events: [...SES_DELIVERY_EVENTS],
    });
    const resources: FunctionResources = {
      table: props.table,
      eventBus: props.eventBus,
      sesIdentityArns: config.sesIdentities.map((identity) =>
        this.formatArn({ service: 'ses', resource: 'identity', resourceName: identity }),
      ),
      sesConfigurationSetName: configurationSet.configurationSetName,
      sesConfigurationSetArn: this.formatArn({
        service: 'ses',
        resource: 'configuration-set',
        resourceName: configurationSet.configurationSetName,
      }),
      webhookSecret: props.webhookSecret,
      cursorKeys: props.cursorKeys,
      deadLetterQueues: props.deadLetterQueues,
    };

    this.functions = new Map(
      specs.map((spec) => {
        const fn = new ManifestFunction(this, spec.name, {
          spec,
          resources,
          logLevel: config.logLevel,
          logRetention: config.logRetention,
          workspaceRate: {
            limit: config.workspaceRateLimit,
            windowSeconds: config.workspaceRateWindowSeconds,
          },
        });
        this.alarms.push(...fn.alarms);
        return [spec.name, fn];
      }),
    );

    [this.api, this.stage] = this.httpApi(
      config,
      triggersOf(specs, 'http'),
      triggersOf(specs, 'http-default'),
    );
    this.eventRules(
      { configured: props.eventBus, default: defaultBus },
      triggersOf(specs, 'event'),
      configurationSet.configurationSetName,
      config.stage,
      resources,
    );
    this.schedules(triggersOf(specs, 'schedule'), config.stage, resources);
    this.streamSubscriptions = triggersOf(specs, 'stream').map((trigger) => {
      const subscription = new StreamSubscription(this, `${trigger.name}StreamSubscription`, {
        consumer: this.manifestFunction(trigger.fn.name),
        trigger,
        streamArn: props.tableStreamArn,
        table: props.table,
        deadLetterQueue: deadLetterQueueOf(resources, deadLetterQueueNames.stream(trigger.name)),
      });
      this.alarms.push(...subscription.alarms);
      return subscription;
    });

    this.alarms.push(
      ...new SystemAlarms(this, 'Alarms', { stage: this.stage, table: props.table, service: SERVICE_NAME })
        .alarms,
    );

    if (config.alarmTopicArn) {
      const topic = Topic.fromTopicArn(this, 'AlarmTopic', config.alarmTopicArn);
      for (const alarm of this.alarms) alarm.addAlarmAction(new SnsAction(topic));
    }

    new CfnOutput(this, 'ApiUrl', { value: this.stage.url });
    new CfnOutput(this, 'EventBusName', { value: props.eventBus.eventBusName });
    new CfnOutput(this, 'EmailConfigurationSetName', { value: configurationSet.configurationSetName });
  }

  private manifestFunction(name: string): ManifestFunction {
    const fn = this.functions.get(name);
    if (!fn) throw new Error(`No function ${name} in the manifest`);
    return fn;
  }

  private fn(name: string): IFunction {
    return this.manifestFunction(name).function;
  }

  private httpApi(
    config: DeployConfig,
    httpRoutes: Triggered<'http'>[],
    defaultRoutes: Triggered<'http-default'>[],
  ): [HttpApi, HttpStage] {
    const api = new HttpApi(this, 'HttpApi', {
      apiName: `for-review-${config.stage}`,
      description: 'Review queue and actions (JWT) and the email provider webhook (signed)',
      createDefaultStage: false,
      ...(config.corsOrigins.length > 0 && {
        corsPreflight: {
          allowOrigins: [...config.corsOrigins],
          allowMethods: [
            CorsHttpMethod.GET,
            CorsHttpMethod.POST,
            CorsHttpMethod.PATCH,
            CorsHttpMethod.OPTIONS,
          ],
          allowHeaders: ['authorization', 'content-type'],
          maxAge: Duration.hours(1),
        },
      }),
    });

    const accessLogs = new LogGroup(this, 'ApiAccessLogs', {
      retention: config.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const stage = api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: config.throttleRateLimit, burstLimit: config.throttleBurstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });

    const jwt = new HttpJwtAuthorizer('JwtAuthorizer', config.jwtIssuer, {
      authorizerName: 'jwt',
      jwtAudience: [...config.jwtAudience],
      identitySource: ['$request.header.Authorization'],
    });

    const throttled = new Map<string, HttpRoute>();
    for (const route of httpRoutes) {
      const routeKey = `${route.method} ${route.path}`;
      const publicReason = PUBLIC_ROUTES[routeKey];
      if (route.auth === 'none' && !publicReason) {
        throw new Error(`${routeKey} has auth 'none' but no reason in PUBLIC_ROUTES`);
      }
      const [httpRoute] = api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(`${route.fn.name}-${route.method}`, this.fn(route.fn.name)),
        authorizer: route.auth === 'jwt' ? jwt : new HttpNoneAuthorizer(),
      });
      if (route.auth === 'none' && httpRoute && publicReason) {
        Validations.of(httpRoute).acknowledge({ id: 'AwsSolutions-APIG4', reason: publicReason });
      }
      if (httpRoute && ROUTE_THROTTLES[routeKey]) throttled.set(routeKey, httpRoute);
    }
    const defaultRoute = this.defaultRoute(api, defaultRoutes, config.corsOrigins.length > 0);
    if (defaultRoute) throttled.set('$default', defaultRoute);
    // Route settings name route keys, which must exist when the stage is deployed.
    (stage.node.defaultChild as CfnStage).routeSettings = Object.fromEntries(
      Object.entries(ROUTE_THROTTLES)
        .filter(([key]) => throttled.has(key))
        .map(([key, limits]) => [
          key,
          { ThrottlingRateLimit: limits.rateLimit, ThrottlingBurstLimit: limits.burstLimit },
        ]),
    );
    for (const route of throttled.values()) stage.node.addDependency(route);
    return [api, stage];
  }

  /** The `$default` route: what API Gateway does with a request no other route takes. */
  private defaultRoute(
    api: HttpApi,
    defaultRoutes: Triggered<'http-default'>[],
    cors: boolean,
  ): HttpRoute | undefined {
    const [route, ...others] = defaultRoutes;
    if (!route) return undefined;
    if (others.length > 0)
      throw new Error(
        `An HTTP API has one $default route, not one for each of ${defaultRoutes.map((r) => r.fn.name).join(', ')}`,
      );
    const publicReason = PUBLIC_ROUTES.$default;
    if (!publicReason)
      throw new Error('The $default route has no reason in PUBLIC_ROUTES (it has no authorizer)');
    const httpRoute = new HttpRoute(api, 'DefaultRoute', {
      httpApi: api,
      routeKey: HttpRouteKey.DEFAULT,
      integration: new HttpLambdaIntegration(`${route.fn.name}-default`, this.fn(route.fn.name)),
      authorizer: new HttpNoneAuthorizer(),
    });
    Validations.of(httpRoute).acknowledge({ id: 'AwsSolutions-APIG4', reason: publicReason });
    // With CORS, API Gateway hands the $default route the preflights no route takes; the function answers them.
    if (cors) this.manifestFunction(route.fn.name).function.addEnvironment('CORS_CONFIGURED', 'true');
    return httpRoute;
  }

  private eventRules(
    buses: { configured: IEventBus; default: IEventBus },
    eventRules: Triggered<'event'>[],
    configurationSetName: string,
    stage: string,
    resources: FunctionResources,
  ): void {
    for (const rule of eventRules) {
      const dlq = new DeadLetterQueue(this, `${rule.ruleName}TargetDlq`, {
        purpose: `EventBridge could not deliver a ${rule.pattern['detail-type'].join('/')} event to ${rule.fn.name}.`,
        queue: deadLetterQueueOf(resources, deadLetterQueueNames.target(rule.ruleName)),
      });
      const eventBus = rule.bus === 'default' ? buses.default : buses.configured;
      const eventRule = new Rule(this, `${rule.ruleName}Rule`, {
        // Named, so the stateful stack's queue policy can name it as the one source it accepts.
        ruleName: eventRuleName(stage, rule.ruleName),
        description: `${rule.fn.name}: ${rule.fn.description}`,
        eventBus,
        eventPattern: toCdkPattern(rule.pattern, configurationSetName),
        targets: [
          new LambdaFunction(this.fn(rule.fn.name), {
            deadLetterQueue: policyOwnedElsewhere(dlq),
            ...EVENT_TARGET_RETRY,
          }),
        ],
      });
      this.alarms.push(
        ...dlq.alarms,
        ruleDeliveryAlarm(
          eventRule,
          rule.bus === 'default' ? undefined : eventBus.eventBusName,
          `to deliver a ${rule.pattern['detail-type'].join('/')} event to ${rule.fn.name}`,
        ),
      );
    }
  }

  private schedules(schedules: Triggered<'schedule'>[], stage: string, resources: FunctionResources): void {
    for (const schedule of schedules) {
      const dlq = new DeadLetterQueue(this, `${schedule.ruleName}TargetDlq`, {
        purpose: `EventBridge could not start the scheduled ${schedule.fn.name} run.`,
        queue: deadLetterQueueOf(resources, deadLetterQueueNames.target(schedule.ruleName)),
      });
      // Rate rules live on the default bus (EventBridge allows schedules nowhere else). A run that cannot
      // start within one interval is moot: the next one does the same work.
      const scheduleRule = new Rule(this, `${schedule.ruleName}Schedule`, {
        ruleName: eventRuleName(stage, schedule.ruleName),
        description: `${schedule.fn.name} every ${schedule.everyMinutes} min`,
        schedule: Schedule.rate(Duration.minutes(schedule.everyMinutes)),
        targets: [
          new LambdaFunction(this.fn(schedule.fn.name), {
            deadLetterQueue: policyOwnedElsewhere(dlq),
            retryAttempts: 2,
            maxEventAge: Duration.minutes(Math.max(1, schedule.everyMinutes)),
          }),
        ],
      });
      this.alarms.push(
        ...dlq.alarms,
        ruleDeliveryAlarm(scheduleRule, undefined, `to start a scheduled ${schedule.fn.name} run`),
      );
    }
  }
}

/**
 * A rule's dead-letter queue as its target sees it: imported by ARN, so CDK leaves its policy alone. The stateful
 * stack writes that policy (naming the rule by its physical name); a policy written from here would make each stack
 * depend on the other.
 */
function policyOwnedElsewhere(dlq: DeadLetterQueue): IQueue {
  return Queue.fromQueueArn(dlq, 'AsTarget', dlq.queue.queueArn);
}

/** One trigger of a kind with the function it triggers (like the manifest's httpRoutes, eventRules, ...). */
type Triggered<K extends Trigger['kind']> = Extract<Trigger, { kind: K }> & { fn: FunctionSpec };

function triggersOf<K extends Trigger['kind']>(specs: readonly FunctionSpec[], kind: K): Triggered<K>[] {
  return specs.flatMap((fn) =>
    fn.triggers.flatMap((t) => (t.kind === kind ? [{ fn, ...(t as Extract<Trigger, { kind: K }>) }] : [])),
  );
}

/**
 * The manifest's pattern in CDK's spelling; it renders back to exactly the manifest object, but for SES's events.
 * Every configuration set of the account (every stage's, and any other sender's) publishes to the one default bus:
 * an `aws.ses` rule takes only the events of this stage's set, which SES names in the mail's tags.
 */
function toCdkPattern(pattern: EventPattern, configurationSetName: string): CdkEventPattern {
  return {
    source: [...pattern.source],
    detailType: [...pattern['detail-type']],
    ...(pattern.source.includes(SES_SOURCE) && {
      detail: { mail: { tags: { [SES_CONFIGURATION_SET_TAG]: [configurationSetName] } } },
    }),
  };
}

const SES_SOURCE = 'aws.ses';
/** The tag SES puts on every event of a send through a configuration set: the set's name. */
const SES_CONFIGURATION_SET_TAG = 'ses:configuration-set';

/** One JSON object per request (HTTP API context variables). */
const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  routeKey: '$context.routeKey',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
  sub: '$context.authorizer.claims.sub',
  workspaceId: '$context.authorizer.claims.workspace_id',
};
