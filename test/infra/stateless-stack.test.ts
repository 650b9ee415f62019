import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  API_FUNCTION_TIMEOUT_SECONDS,
  BURST_CONCURRENCY,
  EVENT_PATTERNS,
  eventRules,
  type FunctionSpec,
  functions,
  httpRoutes,
  OUTBOX_STREAM_FILTER,
  SCHEDULE_CONCURRENCY,
  schedules,
  streamConsumers,
} from '../../infra/manifest.js';
import { ALARM_THRESHOLDS } from '../../infra/stacks/alarms.js';
import { ESM_REQUIRE_BANNER, PROJECT_ROOT } from '../../infra/stacks/bundling.js';
import { DEFAULTS } from '../../infra/stacks/deploy-config.js';
import {
  ASYNC_EVENT_AGE_ALARM,
  ASYNC_INVOKE,
  DEFAULT_MEMORY_MB,
  DEFAULT_TIMEOUT_SECONDS,
} from '../../infra/stacks/manifest-function.js';
import {
  EVENT_TARGET_RETRY,
  PUBLIC_ROUTES,
  ROUTE_THROTTLES,
  SES_DELIVERY_EVENTS,
} from '../../infra/stacks/stateless-stack.js';
import { ITERATOR_AGE_ALARM } from '../../infra/stacks/stream-subscription.js';
import { TABLE } from '../../infra/table-definition.js';
import { BULK_START_WITHIN_MS } from '../../shared/use-cases/bulk.js';
import { logicalId, type Synthesized, synth } from './synth.js';

const CONTEXT = {
  jwtIssuer: 'https://auth.acme.com/',
  jwtAudience: 'for-review-api',
  sesIdentities: 'acme.com,notify@acme.org',
  corsOrigins: 'https://app.acme.com',
};

let s: Synthesized;
let template: Template;
/**
 * Every alarm of the app: the stateless stack's, and the dead-letter queues' alarms, which sit with their queues in
 * the stateful stack (infra/stacks/dead-letter-queue.ts).
 */
const allAlarms = (synthesized: Synthesized = s) =>
  [synthesized.statelessTemplate, synthesized.statefulTemplate].flatMap((t) =>
    Object.values(t.findResources('AWS::CloudWatch::Alarm')),
  );
type Resource = { Properties: Record<string, unknown> };

beforeAll(() => {
  // One synthesis for the file, with real esbuild bundling of every manifest function.
  s = synth({ bundle: true, context: CONTEXT });
  template = s.statelessTemplate;
}, 420_000);

const fnOf = (name: string) => {
  const fn = s.stateless.functions.get(name);
  if (!fn) throw new Error(`No construct for ${name}`);
  return fn;
};
const functionId = (name: string) => logicalId(fnOf(name).function);
const resource = (id: string): Resource => template.toJSON().Resources[id];
const statefulId = (type: string) => {
  const [id] = Object.keys(s.statefulTemplate.findResources(type));
  if (!id) throw new Error(`No ${type} in the stateful stack`);
  return id;
};
/** One of the stateful stack's secrets, by the start of its logical id. */
const secretId = (name: string) => {
  const id = Object.keys(s.statefulTemplate.findResources('AWS::SecretsManager::Secret')).find((key) =>
    key.startsWith(name),
  );
  if (!id) throw new Error(`No secret ${name} in the stateful stack`);
  return id;
};
/** EventBridge (rules and schedules) invokes asynchronously; API Gateway and stream mappings do not. */
const isAsync = (fn: FunctionSpec) => fn.triggers.some((t) => t.kind === 'event' || t.kind === 'schedule');
const isEventFed = (fn: FunctionSpec) => fn.triggers.some((t) => t.kind === 'event');
const byName = functions.map((fn) => [fn.name, fn] as const);
const capped = functions.filter((fn) => fn.concurrency !== undefined);

describe('functions: one per manifest entry', () => {
  it('creates exactly the manifest functions', () => {
    template.resourceCountIs('AWS::Lambda::Function', functions.length);
  });

  it.each(byName)(
    '%s runs functions/<name>.ts on nodejs22.x arm64 with its timeout and memory, traced by X-Ray',
    (name, fn) => {
      const props = resource(functionId(name)).Properties;
      const logGroupId = logicalId(fnOf(name).function.logGroup);

      expect(props).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        Timeout: fn.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
        MemorySize: fn.memoryMb ?? DEFAULT_MEMORY_MB,
        Description: fn.description,
        LoggingConfig: { LogGroup: { Ref: logGroupId } },
        TracingConfig: { Mode: 'Active' },
      });
      expect(resource(logGroupId).Properties.RetentionInDays).toBe(DEFAULTS.logRetention);
    },
  );

  it.each(byName)('%s gets exactly the env vars of its access', (name, fn) => {
    const env = (resource(functionId(name)).Properties.Environment as { Variables: Record<string, unknown> })
      .Variables;
    const expected: Record<string, unknown> = {
      POWERTOOLS_SERVICE_NAME: 'for-review',
      POWERTOOLS_METRICS_NAMESPACE: 'ForReview',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      NODE_OPTIONS: '--enable-source-maps',
    };
    if (fn.access.table) expected.TABLE_NAME = { Ref: statefulId('AWS::DynamoDB::Table') };
    if (fn.access.publishEvents) expected.EVENT_BUS_NAME = { Ref: statefulId('AWS::Events::EventBus') };
    if (fn.access.sendEmail) {
      expected.SES_CONFIGURATION_SET = {
        Ref: Object.keys(template.findResources('AWS::SES::ConfigurationSet'))[0],
      };
    }
    if (fn.access.webhookSecret) expected.WEBHOOK_SECRET_ARN = { Ref: secretId('WebhookSecret') };
    if (fn.access.cursorKeys) expected.CURSOR_KEYS_SECRET_ARN = { Ref: secretId('CursorKeys') };
    // Where the event middleware dead-letters an invalid event: the function's own on-failure queue.
    if (isEventFed(fn)) expected.DEAD_LETTER_QUEUE_URL = { Ref: logicalId(fnOf(name).failureQueue!.queue) };
    if (fn.triggers.some((t) => t.kind === 'http' && t.auth === 'jwt')) {
      expected.WORKSPACE_RATE_LIMIT = String(DEFAULTS.workspaceRateLimit);
      expected.WORKSPACE_RATE_WINDOW_SECONDS = String(DEFAULTS.workspaceRateWindowSeconds);
    }
    // This API has CORS: the $default route's function answers the preflights API Gateway hands it.
    if (fn.triggers.some((t) => t.kind === 'http-default')) expected.CORS_CONFIGURED = 'true';

    expect(s.deref(env)).toEqual(expected);
  });

  it.each(byName)(
    '%s ships an ESM bundle with the require banner, a source map and the AWS SDK inside',
    (name, fn) => {
      const code = resource(functionId(name)).Properties.Code as { S3Key: string };
      const assetDir = join(s.app.outdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
      const bundle = readFileSync(join(assetDir, 'index.mjs'), 'utf8');

      expect(bundle.startsWith(ESM_REQUIRE_BANNER)).toBe(true);
      expect(existsSync(join(assetDir, 'index.mjs.map'))).toBe(true);
      // An external SDK would be left as an import or require of the package (minified output).
      const externalSdk = bundle.match(/(from|import\(|import|__require\()"@aws-sdk\/[a-z0-9-]+"/);
      expect(externalSdk?.[0]).toBeUndefined();
      // The DynamoDB client is in the bundle itself (its JSON protocol target prefix).
      if (fn.access.table) expect(bundle.includes('DynamoDB_20120810')).toBe(true);
    },
  );

  it.each(byName)(
    '%s sends failed async invocations to its own queue only if EventBridge invokes it',
    (name, fn) => {
      const configs = template.findResources('AWS::Lambda::EventInvokeConfig', {
        Properties: { FunctionName: { Ref: functionId(name) } },
      });
      const failureQueue = fnOf(name).failureQueue;

      if (!isAsync(fn)) {
        expect(configs).toEqual({});
        expect(failureQueue).toBeUndefined();
        return;
      }
      expect(Object.values(configs)).toEqual([
        {
          Type: 'AWS::Lambda::EventInvokeConfig',
          Properties: expect.objectContaining({
            MaximumRetryAttempts: ASYNC_INVOKE.retryAttempts,
            // Throttled events (a burst beyond the cap) wait and are retried this long: Lambda's maximum.
            MaximumEventAgeInSeconds: 21_600,
            DestinationConfig: expect.any(Object),
          }),
        },
      ]);
      // The queue is the stateful stack's.
      expect(s.deref(Object.values(configs)[0]!.Properties.DestinationConfig)).toEqual({
        OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(failureQueue!.queue), 'Arn'] } },
      });
    },
  );
});

describe('concurrency caps (the manifest `concurrency`): reserved concurrency', () => {
  it('caps exactly the functions fed by event rules, at BURST_CONCURRENCY, and the scheduled jobs at one run', () => {
    expect(capped.map((fn) => fn.name).sort()).toEqual(
      functions
        .filter((fn) => isEventFed(fn) || fn.triggers.every((t) => t.kind === 'schedule'))
        .map((fn) => fn.name)
        .sort(),
    );
    const scheduled = (fn: (typeof capped)[number]) => fn.triggers.every((t) => t.kind === 'schedule');
    expect(capped.filter((fn) => !scheduled(fn)).map((fn) => fn.concurrency)).toEqual(
      capped.filter((fn) => !scheduled(fn)).map(() => BURST_CONCURRENCY),
    );
    // Every scheduled job runs one at a time: an every-minute run never overlaps the one before.
    expect(capped.filter(scheduled).map((fn) => fn.name)).toEqual(
      schedules.map((schedule) => schedule.fn.name),
    );
    expect(capped.filter(scheduled).map((fn) => fn.concurrency)).toEqual(
      schedules.map(() => SCHEDULE_CONCURRENCY),
    );
    expect(
      capped.every(
        (fn) =>
          fn.triggers.every((t) => t.kind === 'event') || fn.triggers.every((t) => t.kind === 'schedule'),
      ),
    ).toBe(true);
  });

  it.each(byName)('%s has the reserved concurrency of its manifest cap, or none', (name, fn) => {
    const props = resource(functionId(name)).Properties;
    if (fn.concurrency === undefined) expect(props).not.toHaveProperty('ReservedConcurrentExecutions');
    else expect(props.ReservedConcurrentExecutions).toBe(fn.concurrency);
  });

  it('reserves the caps and nothing else', () => {
    const reserved = Object.values(template.findResources('AWS::Lambda::Function'))
      .map((r) => (r as Resource).Properties.ReservedConcurrentExecutions)
      .filter((value) => value !== undefined);
    expect(reserved).toEqual(capped.map((fn) => fn.concurrency));
  });

  it('refuses a cap on a function that an HTTP route, a stream or a schedule also triggers, or a cap below 1', () => {
    const api = functions.find((fn) => fn.name === 'health')!;
    const ingest = functions.find((fn) => fn.name === 'ingest-proposal')!;
    expect(() => synth({ functions: [{ ...api, concurrency: 8 }] })).toThrow(/health: a concurrency cap/);
    expect(() => synth({ functions: [{ ...ingest, concurrency: 0 }] })).toThrow(
      /ingest-proposal: concurrency/,
    );
  });
});

describe('HTTP API: one route per manifest http trigger', () => {
  it("gives every function behind a route a timeout under API Gateway's 30 s, approve's and bulk's 29 s", () => {
    const routed = new Set(httpRoutes.map((route) => route.fn.name));
    const timeouts = Object.fromEntries(
      [...routed].map((name) => [name, resource(functionId(name)).Properties.Timeout as number]),
    );
    for (const [name, timeout] of Object.entries(timeouts)) expect(timeout, name).toBeLessThan(30);
    expect(timeouts['approve-review-item']).toBe(API_FUNCTION_TIMEOUT_SECONDS);
    expect(timeouts['decide-review-items']).toBe(API_FUNCTION_TIMEOUT_SECONDS);
    expect(API_FUNCTION_TIMEOUT_SECONDS).toBe(29);
    // The last approval bulk starts fits before it: SES connect 3 s + request 10 s + throttle backoffs 3 s, and
    // a second for the item's writes.
    expect(BULK_START_WITHIN_MS + 3_000 + 10_000 + 3_000 + 1_000).toBeLessThan(
      API_FUNCTION_TIMEOUT_SECONDS * 1000,
    );
  });

  const authorizerId = () => Object.keys(template.findResources('AWS::ApiGatewayV2::Authorizer'))[0];
  const defaultRouteFunctions = functions.filter((fn) => fn.triggers.some((t) => t.kind === 'http-default'));

  it('has exactly the manifest routes and $default, and only /webhooks/email, /health, /openapi.json and $default are public', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Route', httpRoutes.length + 1);
    const publicRoutes = httpRoutes.filter((r) => r.auth === 'none').map((r) => `${r.method} ${r.path}`);
    expect(publicRoutes.sort()).toEqual(['GET /health', 'GET /openapi.json', 'POST /webhooks/email']);
    expect(Object.keys(PUBLIC_ROUTES).sort()).toEqual([...publicRoutes, '$default'].sort());
  });

  it('sends every request no route takes ($default) to no-route, with no authorizer', () => {
    expect(defaultRouteFunctions.map((fn) => fn.name)).toEqual(['no-route']);
    const routes = Object.values(
      template.findResources('AWS::ApiGatewayV2::Route', { Properties: { RouteKey: '$default' } }),
    ) as Resource[];
    expect(routes).toHaveLength(1);
    const props = routes[0]!.Properties as { Target: { 'Fn::Join': [string, [string, { Ref: string }]] } };

    expect(props).toMatchObject({ AuthorizationType: 'NONE' });
    expect(props).not.toHaveProperty('AuthorizerId');
    expect(resource(props.Target['Fn::Join'][1][1].Ref).Properties).toMatchObject({
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [functionId('no-route'), 'Arn'] },
    });
  });

  it('refuses a second function on the $default route', () => {
    const noRoute = defaultRouteFunctions[0]!;
    expect(() => synth({ functions: [noRoute, { ...noRoute, name: 'health' }] })).toThrow(
      /one \$default route/,
    );
  });

  it.each(httpRoutes.map((r) => [`${r.method} ${r.path}`, r] as const))(
    '%s invokes its function through a Lambda proxy integration, behind the right authorizer',
    (routeKey, route) => {
      const routes = Object.values(
        template.findResources('AWS::ApiGatewayV2::Route', { Properties: { RouteKey: routeKey } }),
      ) as Resource[];
      expect(routes).toHaveLength(1);
      const props = routes[0]!.Properties as { Target: { 'Fn::Join': [string, [string, { Ref: string }]] } };

      const integration = resource(props.Target['Fn::Join'][1][1].Ref).Properties;
      expect(integration).toMatchObject({
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
        IntegrationUri: { 'Fn::GetAtt': [functionId(route.fn.name), 'Arn'] },
      });
      if (route.auth === 'jwt') {
        expect(props).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizerId() } });
      } else {
        expect(props).toMatchObject({ AuthorizationType: 'NONE' });
        expect(props).not.toHaveProperty('AuthorizerId');
      }
    },
  );

  it('verifies JWTs from the configured issuer and audience in the Authorization header', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: 'https://auth.acme.com/', Audience: ['for-review-api'] },
    });
  });

  it('throttles the default stage and writes JSON access logs to a log group', () => {
    const [stage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage')) as Resource[];
    const props = stage!.Properties as {
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [string, string] }; Format: string };
    };

    expect(props).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: {
        ThrottlingRateLimit: DEFAULTS.throttleRateLimit,
        ThrottlingBurstLimit: DEFAULTS.throttleBurstLimit,
      },
    });
    expect(resource(props.AccessLogSettings.DestinationArn['Fn::GetAtt'][0])).toMatchObject({
      Type: 'AWS::Logs::LogGroup',
    });
    expect(JSON.parse(props.AccessLogSettings.Format)).toMatchObject({
      requestId: '$context.requestId',
      status: '$context.status',
      routeKey: '$context.routeKey',
    });
  });

  it('allows the configured CORS origins, and has no CORS at all without corsOrigins', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({ AllowOrigins: ['https://app.acme.com'] }),
    });
    const withoutCors = synth().statelessTemplate;
    withoutCors.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.absent(),
    });
    // With CORS, API Gateway hands the $default route the preflights no route takes: no-route answers them.
    const variablesIn = (t: Template) =>
      (t.toJSON().Resources[functionId('no-route')] as Resource).Properties.Environment as {
        Variables: Record<string, string>;
      };
    expect(variablesIn(template).Variables.CORS_CONFIGURED).toBe('true');
    expect(variablesIn(withoutCors).Variables).not.toHaveProperty('CORS_CONFIGURED');
  });

  it('outputs the API URL and the bus name', () => {
    template.hasOutput('ApiUrl', { Value: Match.anyValue() });
    expect(s.deref(template.toJSON().Outputs.EventBusName.Value)).toEqual({
      Ref: statefulId('AWS::Events::EventBus'),
    });
  });
});

describe('event rules and schedules', () => {
  const targetOf = (ruleId: string) => {
    const targets = resource(ruleId).Properties.Targets as Record<string, unknown>[];
    expect(targets).toHaveLength(1);
    // Dead-letter queues are the stateful stack's: their references resolved.
    return s.deref(targets[0]) as {
      Arn: unknown;
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': [string, string] } };
    };
  };
  const rulesWith = (match: Record<string, unknown>) =>
    Object.keys(template.findResources('AWS::Events::Rule', { Properties: match }));

  it('matches every EVENT_PATTERNS entry with exactly one rule', () => {
    const patterns = eventRules.map((r) => r.pattern);
    expect(new Set(patterns)).toEqual(new Set(Object.values(EVENT_PATTERNS)));
    expect(rulesWith({ EventPattern: Match.anyValue() })).toHaveLength(eventRules.length);
  });

  it.each(eventRules.map((r) => [r.ruleName, r] as const))(
    '%s: on its bus, pattern equal to the manifest, target with retries and a dead-letter queue',
    (_name, rule) => {
      const [ruleId, ...others] = rulesWith({ EventPattern: rule.pattern });
      expect(others).toEqual([]);
      const props = resource(ruleId!).Properties;

      // SES's rule also names this stage's configuration set (its own test below).
      expect(props.EventPattern).toEqual(
        rule.pattern.source.includes('aws.ses')
          ? { ...rule.pattern, detail: expect.any(Object) }
          : rule.pattern,
      );
      expect(s.deref(props.EventBusName)).toEqual(
        rule.bus === 'default' ? 'default' : { Ref: statefulId('AWS::Events::EventBus') },
      );
      expect(targetOf(ruleId!)).toMatchObject({
        Arn: { 'Fn::GetAtt': [functionId(rule.fn.name), 'Arn'] },
        RetryPolicy: {
          MaximumRetryAttempts: EVENT_TARGET_RETRY.retryAttempts,
          MaximumEventAgeInSeconds: EVENT_TARGET_RETRY.maxEventAge.toSeconds(),
        },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.any(String), 'Arn'] } },
      });
      expectDeadLetterQueueFor(ruleId!, targetOf(ruleId!).DeadLetterConfig.Arn['Fn::GetAtt'][0]);
    },
  );

  it.each(schedules.map((r) => [r.ruleName, r] as const))(
    '%s: a rate rule on the default bus, target with retries and a dead-letter queue',
    (_name, schedule) => {
      const [ruleId, ...others] = rulesWith({
        ScheduleExpression: `rate(${schedule.everyMinutes} ${schedule.everyMinutes === 1 ? 'minute' : 'minutes'})`,
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [functionId(schedule.fn.name), 'Arn'] } })],
      });
      expect(others).toEqual([]);

      expect(resource(ruleId!).Properties.EventBusName).toBeUndefined();
      expect(targetOf(ruleId!)).toMatchObject({
        RetryPolicy: {
          MaximumRetryAttempts: 2,
          MaximumEventAgeInSeconds: Math.max(60, schedule.everyMinutes * 60),
        },
      });
      expectDeadLetterQueueFor(ruleId!, targetOf(ruleId!).DeadLetterConfig.Arn['Fn::GetAtt'][0]);
    },
  );

  /**
   * The DLQ is the stateful stack's, kept 14 days, and accepts messages from EventBridge for this rule only: named
   * by its physical name (a reference to the rule would make the stacks depend on each other).
   */
  function expectDeadLetterQueueFor(ruleId: string, queueId: string): void {
    const ruleName = resource(ruleId).Properties.Name as string;
    expect(ruleName).toMatch(/^for-review-dev-/);
    expect(s.statefulTemplate.toJSON().Resources[queueId]).toMatchObject({
      Type: 'AWS::SQS::Queue',
      Properties: { MessageRetentionPeriod: 14 * 24 * 3600 },
    });
    expect(template.findResources('AWS::SQS::QueuePolicy')).toEqual({});
    const policies = Object.values(
      s.statefulTemplate.findResources('AWS::SQS::QueuePolicy', {
        Properties: { Queues: [{ Ref: queueId }] },
      }),
    );
    const fromEvents = policies
      .flatMap(
        (policy) => (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
      )
      .filter((statement) => JSON.stringify(statement.Principal).includes('events.amazonaws.com'));
    expect(fromEvents).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Condition: { ArnEquals: { 'aws:SourceArn': expect.anything() } },
      }),
    ]);
    const sourceArn = JSON.stringify(fromEvents[0]!.Condition);
    expect(sourceArn).toContain(':rule/');
    expect(sourceArn).toContain(ruleName);
  }
});

describe('SES delivery events (spec 2.5) and rules on the default bus', () => {
  const defaultBusArn = {
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        ':events:',
        { Ref: 'AWS::Region' },
        ':',
        { Ref: 'AWS::AccountId' },
        ':event-bus/default',
      ],
    ],
  };

  it('sends delivery, bounce, complaint, reject and rendering-failure events to the default bus', () => {
    const configurationSetId = Object.keys(template.findResources('AWS::SES::ConfigurationSet'))[0];

    template.resourceCountIs('AWS::SES::ConfigurationSetEventDestination', 1);
    template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      ConfigurationSetName: { Ref: configurationSetId },
      EventDestination: {
        Enabled: true,
        MatchingEventTypes: Match.arrayEquals([...SES_DELIVERY_EVENTS]),
        EventBridgeDestination: { EventBusArn: defaultBusArn },
      },
    });
    expect([...SES_DELIVERY_EVENTS].sort()).toEqual(
      ['bounce', 'complaint', 'delivery', 'reject', 'renderingFailure'].sort(),
    );
  });

  it("takes only this stage's configuration set's events, and every outcome the set publishes", () => {
    const configurationSetId = Object.keys(template.findResources('AWS::SES::ConfigurationSet'))[0];
    const rules = template.findResources('AWS::Events::Rule', {
      Properties: { EventPattern: { source: ['aws.ses'] } },
    });
    expect(Object.values(rules).map((rule) => rule.Properties.EventPattern)).toEqual([
      {
        source: ['aws.ses'],
        'detail-type': [
          'Email Delivered',
          'Email Bounced',
          'Email Complaint Received',
          'Email Rejected',
          'Email Rendering Failed',
        ],
        detail: { mail: { tags: { 'ses:configuration-set': [{ Ref: configurationSetId }] } } },
      },
    ]);
  });

  it("puts a rule with bus: 'default' on the default bus, with the same retries and dead-letter queue", () => {
    const sesPattern = EVENT_PATTERNS.emailDelivery;
    // record-email-delivery is the manifest's function on the default bus (SES publishes there).
    const withDelivery = synth();
    const t = withDelivery.statelessTemplate;
    const rules = t.findResources('AWS::Events::Rule', { Properties: { EventPattern: sesPattern } });
    expect(Object.keys(rules)).toHaveLength(1);
    const [ruleId, rule] = Object.entries(rules)[0]!;
    const fnId = logicalId(withDelivery.stateless.functions.get('record-email-delivery')!.function);

    expect(rule.Properties.EventBusName).toBe('default');
    expect(withDelivery.deref(rule.Properties.Targets)).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [fnId, 'Arn'] },
        RetryPolicy: {
          MaximumRetryAttempts: EVENT_TARGET_RETRY.retryAttempts,
          MaximumEventAgeInSeconds: EVENT_TARGET_RETRY.maxEventAge.toSeconds(),
        },
        DeadLetterConfig: {
          // The stateful stack's queue.
          Arn: { 'Fn::GetAtt': [expect.stringMatching(/^DeadLetterQueuesEmailDeliverytarget/), 'Arn'] },
        },
      }),
    ]);
    // EventBridge may invoke the function for this rule only.
    t.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] },
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
    });
    // The manifest's own rules stay on the configured bus.
    for (const manifestRule of eventRules.filter((r) => r.bus !== 'default')) {
      const [id] = Object.keys(
        t.findResources('AWS::Events::Rule', { Properties: { EventPattern: manifestRule.pattern } }),
      );
      expect(withDelivery.deref(t.toJSON().Resources[id!].Properties.EventBusName)).toEqual({
        Ref: statefulId('AWS::Events::EventBus'),
      });
    }
  });
});

describe('the outbox stream: one event source mapping per manifest stream trigger', () => {
  const mappingsOf = (name: string) =>
    Object.values(
      template.findResources('AWS::Lambda::EventSourceMapping', {
        Properties: { FunctionName: { Ref: functionId(name) } },
      }),
    ) as Resource[];
  const subscriptionOf = (name: string) => {
    const found = s.stateless.streamSubscriptions.find((sub) => sub.consumer === fnOf(name));
    if (!found) throw new Error(`No stream subscription for ${name}`);
    return found;
  };

  it('maps exactly the manifest stream triggers, the outbox publisher among them', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', streamConsumers.length);
    expect(streamConsumers.map((c) => [c.fn.name, c.filter])).toContainEqual([
      'publish-outbox',
      OUTBOX_STREAM_FILTER,
    ]);
  });

  it.each(streamConsumers.map((c) => [c.name, c] as const))(
    '%s: reads the table stream from the trim horizon, with the manifest filter, batching and retries',
    (_name, consumer) => {
      const mappings = mappingsOf(consumer.fn.name);
      expect(mappings).toHaveLength(1);
      const props = mappings[0]!.Properties as { FilterCriteria: { Filters: { Pattern: string }[] } };

      expect(s.deref(props)).toMatchObject({
        EventSourceArn: { 'Fn::GetAtt': [statefulId('AWS::DynamoDB::Table'), 'StreamArn'] },
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: consumer.batchSize,
        MaximumBatchingWindowInSeconds: consumer.maxBatchingWindowSeconds,
        MaximumRetryAttempts: consumer.retryAttempts,
        BisectBatchOnFunctionError: consumer.bisectOnError,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
      // The filter renders back to exactly the manifest object (the local stream reader applies that object).
      expect(props.FilterCriteria.Filters.map((f) => JSON.parse(f.Pattern))).toEqual([consumer.filter]);
    },
  );

  it.each(streamConsumers.map((c) => [c.name, c] as const))(
    '%s: sends batches that exhaust their retries to its own alarmed on-failure queue',
    (_name, consumer) => {
      const subscription = subscriptionOf(consumer.fn.name);
      const queueId = logicalId(subscription.onFailure.queue);
      const [mapping] = mappingsOf(consumer.fn.name);

      expect(s.deref(mapping!.Properties.DestinationConfig)).toEqual({
        OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } },
      });
      expect(
        allAlarms().filter(
          (alarm) =>
            alarm.Properties.MetricName === 'ApproximateNumberOfMessagesVisible' &&
            JSON.stringify(s.deref(alarm.Properties.Dimensions)) ===
              JSON.stringify([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }]),
        ),
      ).toHaveLength(1);
      // A stream-invoked function is not invoked asynchronously: no async on-failure configuration.
      if (!isAsync(consumer.fn)) expect(fnOf(consumer.fn.name).failureQueue).toBeUndefined();
    },
  );

  it.each(streamConsumers.map((c) => [c.name, c] as const))(
    '%s: is created after its role may read the stream, and alarms when it falls behind (IteratorAge)',
    (_name, consumer) => {
      const mapping = template.findResources('AWS::Lambda::EventSourceMapping', {
        Properties: { FunctionName: { Ref: functionId(consumer.fn.name) } },
      });
      const roleId = logicalId(fnOf(consumer.fn.name).role);
      expect(Object.values(mapping)[0]!.DependsOn).toEqual(expect.arrayContaining([roleId]));

      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'IteratorAge',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionId(consumer.fn.name) } }],
        Statistic: 'Maximum',
        Period: 60,
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: ITERATOR_AGE_ALARM.thresholdMs,
        EvaluationPeriods: ITERATOR_AGE_ALARM.periods,
        DatapointsToAlarm: ITERATOR_AGE_ALARM.periods,
      });
    },
  );
});

describe('queues and alarms', () => {
  // The dead-letter queues are the stateful stack's, and their alarms with them.
  const queues = () => Object.keys(s.statefulTemplate.findResources('AWS::SQS::Queue'));
  const httpFunctions = functions.filter((fn) =>
    fn.triggers.some((t) => t.kind === 'http' || t.kind === 'http-default'),
  );
  const rules = () => Object.keys(template.findResources('AWS::Events::Rule'));
  const onFailureFunctions = functions.filter((fn) =>
    fn.triggers.some((t) => t.kind === 'event' || t.kind === 'schedule' || t.kind === 'stream'),
  );
  /**
   * Depth and new messages per queue; delivery failures per rule; Errors and Throttles (AsyncEventAge when capped)
   * per function; HandledServerErrors per HTTP function; DestinationDeliveryFailures per function with an
   * on-failure queue; IteratorAge per stream mapping; throttles of the table and of each index; API 5xx and p99
   * latency, SendsUnknown, SES bounce and complaint rates.
   */
  const expectedAlarmCount = () =>
    2 * queues().length +
    rules().length +
    2 * functions.length +
    httpFunctions.length +
    onFailureFunctions.length +
    streamConsumers.length +
    1 +
    TABLE.indexes.length +
    6;

  it('alarms on every new message of a dead-letter queue, also while older ones still wait', () => {
    expect(queues().length).toBeGreaterThan(0);
    const alarms = allAlarms().map((alarm) => s.deref(alarm.Properties) as Record<string, unknown>);
    for (const queue of queues()) {
      expect(alarms).toContainEqual(
        expect.objectContaining({
          MetricName: 'NumberOfMessagesSent',
          Namespace: 'AWS/SQS',
          Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
          Statistic: 'Sum',
          ComparisonOperator: 'GreaterThanThreshold',
          Threshold: 0,
        }),
      );
    }
  });

  it('alarms on events every rule failed to deliver or to dead-letter (a custom bus rule by bus and rule name)', () => {
    const alarms = allAlarms().filter((alarm) =>
      JSON.stringify(alarm.Properties.Metrics ?? []).includes('InvocationsFailedToBeSentToDlq'),
    );
    const dimensionsOf = (alarm: (typeof alarms)[number], name: string) =>
      alarm.Properties.Metrics.find(
        (m: { MetricStat?: { Metric: { MetricName: string } } }) => m.MetricStat?.Metric.MetricName === name,
      ).MetricStat.Metric.Dimensions;

    expect(alarms).toHaveLength(rules().length);
    const ruleNames = alarms.map((alarm) => {
      const failed = dimensionsOf(alarm, 'FailedInvocations');
      expect(dimensionsOf(alarm, 'InvocationsFailedToBeSentToDlq')).toEqual(failed);
      return failed.find((d: { Name: string }) => d.Name === 'RuleName').Value.Ref;
    });
    expect(ruleNames.sort()).toEqual(rules().sort());
    const memberChanged = alarms.find((a) => JSON.stringify(a).includes('MemberChangedRule'));
    expect(
      s.deref(
        dimensionsOf(memberChanged!, 'FailedInvocations').find(
          (d: { Name: string }) => d.Name === 'EventBusName',
        ).Value,
      ),
    ).toEqual({ Ref: statefulId('AWS::Events::EventBus') });
  });

  it('alarms on on-failure records Lambda could not deliver, for every function that has an on-failure queue', () => {
    const alarms = Object.values(
      template.findResources('AWS::CloudWatch::Alarm', {
        Properties: { MetricName: 'DestinationDeliveryFailures' },
      }),
    );
    expect(alarms.map((alarm) => alarm.Properties.Dimensions[0].Value.Ref).sort()).toEqual(
      onFailureFunctions.map((fn) => functionId(fn.name)).sort(),
    );
  });

  it('alarms on throttled reads or writes of the table and of each of its indexes', () => {
    const alarms = allAlarms().filter((alarm) =>
      JSON.stringify(alarm.Properties.Metrics ?? []).includes('WriteThrottleEvents'),
    );
    const indexes = alarms.map(
      (alarm) =>
        JSON.stringify(alarm.Properties.Metrics).match(/"GlobalSecondaryIndexName","Value":"(\w+)"/)?.[1],
    );
    expect(indexes.sort()).toEqual([...TABLE.indexes.map((index) => index.name), undefined].sort());
    for (const alarm of alarms) expect(JSON.stringify(alarm)).toContain('ReadThrottleEvents');
  });

  it.each(httpFunctions.map((fn) => [fn.name] as const))(
    "alarms on any 500 that %s answered to a thrown error (the Errors alarm's blind spot)",
    (name) => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'ForReview',
        MetricName: 'HandledServerErrors',
        // The EMF dimension set of shared/observability.ts: service and function_name (in CloudWatch's order).
        Dimensions: [
          { Name: 'function_name', Value: { Ref: functionId(name) } },
          { Name: 'service', Value: 'for-review' },
        ],
        Statistic: 'Sum',
        Period: 300,
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
      });
    },
  );

  it('alarms on no HandledServerErrors for functions without HTTP routes', () => {
    const alarms = Object.values(
      template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'HandledServerErrors' } }),
    );
    expect(alarms).toHaveLength(httpFunctions.length);
  });

  it('alarms on any 5xx of the API stage, and on its p99 latency staying high', () => {
    const apiId = Object.keys(template.findResources('AWS::ApiGatewayV2::Api'))[0];
    const stageDimensions = Match.arrayEquals([
      { Name: 'ApiId', Value: { Ref: apiId } },
      { Name: 'Stage', Value: Match.anyValue() },
    ]);

    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Dimensions: stageDimensions,
      Statistic: 'Sum',
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: 'Latency',
      Dimensions: stageDimensions,
      ExtendedStatistic: 'p99',
      Period: 300,
      Threshold: ALARM_THRESHOLDS.apiLatencyP99Ms,
      EvaluationPeriods: ALARM_THRESHOLDS.apiLatencyPeriods,
      DatapointsToAlarm: ALARM_THRESHOLDS.apiLatencyPeriods,
    });
  });

  it('alarms as soon as a send has an unknown outcome (SendsUnknown, counted by the publisher)', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'ForReview',
      MetricName: 'SendsUnknown',
      Dimensions: [{ Name: 'service', Value: 'for-review' }],
      Statistic: 'Sum',
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
  });

  it('alarms on the account’s SES bounce rate at 5% and complaint rate at 0.1%', () => {
    for (const [metric, threshold] of [
      ['Reputation.BounceRate', 0.05],
      ['Reputation.ComplaintRate', 0.001],
    ] as const) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SES',
        MetricName: metric,
        Dimensions: Match.absent(),
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: threshold,
        TreatMissingData: 'notBreaching',
      });
    }
  });

  it('describes every alarm, so that a notification says what to look at', () => {
    for (const alarm of allAlarms()) {
      expect(String(alarm.Properties.AlarmDescription).length).toBeGreaterThan(40);
    }
  });

  it('has a dead-letter queue per rule target, an on-failure queue per async function and per stream mapping, nothing else', () => {
    expect(queues()).toHaveLength(
      eventRules.length + schedules.length + functions.filter(isAsync).length + streamConsumers.length,
    );
  });

  it('keeps every queue in the stateful stack: encrypted, messages kept 14 days, no non-TLS access', () => {
    expect(template.findResources('AWS::SQS::Queue')).toEqual({});
    for (const queueId of queues()) {
      expect(s.statefulTemplate.toJSON().Resources[queueId].Properties).toMatchObject({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 1209600,
      });
      s.statefulTemplate.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queueId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('alarms as soon as any queue holds a message', () => {
    const alarms = allAlarms().map((alarm) => s.deref(alarm.Properties) as Record<string, unknown>);
    for (const queueId of queues()) {
      expect(alarms).toContainEqual(
        expect.objectContaining({
          Namespace: 'AWS/SQS',
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
          ComparisonOperator: 'GreaterThanThreshold',
          Threshold: 0,
        }),
      );
    }
  });

  it.each(byName)(
    'alarms on any error of %s, and on any throttle unless it is capped (a capped burst is throttled by design)',
    (name, fn) => {
      const alarmsOn = (metric: string) =>
        Object.values(
          template.findResources('AWS::CloudWatch::Alarm', {
            Properties: {
              Namespace: 'AWS/Lambda',
              MetricName: metric,
              Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionId(name) } }],
            },
          }),
        ) as Resource[];
      const metrics = fn.concurrency === undefined ? ['Errors', 'Throttles'] : ['Errors'];
      for (const metric of metrics) {
        expect(alarmsOn(metric).map((a) => a.Properties)).toEqual([
          expect.objectContaining({
            ComparisonOperator: 'GreaterThanThreshold',
            Threshold: 0,
            Statistic: 'Sum',
          }),
        ]);
      }
      if (fn.concurrency === undefined) {
        expect(alarmsOn('AsyncEventAge')).toEqual([]);
        return;
      }
      // Capped: when the burst's events wait too long in Lambda's queue instead.
      expect(alarmsOn('Throttles')).toEqual([]);
      expect(alarmsOn('AsyncEventAge').map((a) => a.Properties)).toEqual([
        expect.objectContaining({
          Statistic: 'Maximum',
          Period: ASYNC_EVENT_AGE_ALARM.period.toSeconds(),
          ComparisonOperator: 'GreaterThanThreshold',
          Threshold: ASYNC_EVENT_AGE_ALARM.thresholdMs,
          EvaluationPeriods: 1,
        }),
      ]);
    },
  );

  it('notifies the alarmTopicArn topic from every alarm, and nobody when none is configured', () => {
    const topic = 'arn:aws:sns:eu-west-1:123456789012:ops-alarms';
    const alarms = allAlarms(synth({ context: { alarmTopicArn: topic } }));

    expect(alarms.length).toBe(expectedAlarmCount());
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([topic]);
    for (const alarm of allAlarms()) {
      expect(alarm.Properties.AlarmActions).toBeUndefined();
    }
  });

  it('alarms on 429s of the per-workspace limit that go on for 15 minutes', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'ForReview',
      MetricName: 'WorkspaceThrottled',
      Dimensions: [{ Name: 'service', Value: 'for-review' }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: ALARM_THRESHOLDS.workspaceThrottled,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
    });
  });

  it('throttles the public routes, bulk and MCP per route, tighter than the stage default, after creating those routes', () => {
    const [stageId, stage] = Object.entries(template.findResources('AWS::ApiGatewayV2::Stage'))[0]!;
    const settings = stage.Properties.RouteSettings as Record<string, Record<string, number>>;
    const routeKeys = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
      (route) => route.Properties.RouteKey,
    );

    expect(Object.keys(settings).sort()).toEqual(Object.keys(ROUTE_THROTTLES).sort());
    for (const [key, limits] of Object.entries(ROUTE_THROTTLES)) {
      expect(routeKeys).toContain(key);
      expect(settings[key]).toEqual({
        ThrottlingRateLimit: limits.rateLimit,
        ThrottlingBurstLimit: limits.burstLimit,
      });
      expect(limits.rateLimit).toBeLessThan(DEFAULTS.throttleRateLimit);
    }
    for (const key of [
      'POST /webhooks/email',
      'GET /health',
      'GET /openapi.json',
      '$default',
      'POST /review-items/bulk',
      'POST /mcp',
    ])
      expect(settings[key], key).toBeDefined();
    expect(stage.DependsOn?.length, stageId).toBeGreaterThanOrEqual(Object.keys(ROUTE_THROTTLES).length);
  });

  it('has a runbook line in docs/deploy.md ("Alarms") for every alarm', () => {
    const doc = readFileSync(join(PROJECT_ROOT, 'docs/deploy.md'), 'utf8');
    const runbook = doc.slice(doc.indexOf('## Alarms'), doc.indexOf('## Metrics'));
    const rows = runbook.split('\n').filter((line) => line.startsWith('| `'));
    const indexNames = TABLE.indexes.map((index) => index.name.charAt(0).toUpperCase() + index.name.slice(1));
    const ids = new Set(
      [...s.stateless.node.findAll(), ...s.stateful.node.findAll()]
        .filter((c) => c instanceof Alarm)
        .map((alarm) => alarm.node.id.replace(new RegExp(`^(${indexNames.join('|')})Index`), '<Index>Index')),
    );

    expect(ids.size).toBeGreaterThan(10);
    for (const id of ids)
      expect(
        rows.some((row) => row.split('|')[1]?.includes(`${id}\``)),
        id,
      ).toBe(true);
  });

  it('has no other alarms', () => {
    expect(allAlarms()).toHaveLength(expectedAlarmCount());
  });
});
