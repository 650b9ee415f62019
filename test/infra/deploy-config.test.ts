import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { eventRules } from '../../infra/manifest.js';
import {
  DEFAULTS,
  DeployConfigError,
  INPUT_SOURCES,
  type InputSource,
  readDeployConfig,
} from '../../infra/stacks/deploy-config.js';
import { cdkJsonContext } from './synth.js';

/** A context reader over a plain object, like `app.node.tryGetContext`. */
const from =
  (context: Record<string, unknown>) =>
  (key: string): unknown =>
    context[key];

describe('deploy config', () => {
  it('falls back to offline defaults when no context is given', () => {
    const config = readDeployConfig(from({}));

    expect(config).toEqual({ ...DEFAULTS, alarmTopicArn: undefined });
    expect(config.deletionProtection).toBe(true);
    expect(config.eventBusName).toBe('for-review');
  });

  it('keeps cdk.json context equal to the defaults in code', () => {
    const context = cdkJsonContext();
    const { logRetention, ...rest } = DEFAULTS;

    const { producers, ...plain } = rest;
    for (const [key, value] of Object.entries(plain)) expect(context[key], key).toEqual(value);
    for (const [source, key] of Object.entries(INPUT_SOURCES))
      expect(context[key], key).toEqual(producers[source as InputSource]);
    expect(context.logRetentionDays).toBe(logRetention);
  });

  it('parses -c values, which always arrive as strings', () => {
    const config = readDeployConfig(
      from({
        stage: 'prod',
        jwtIssuer: 'https://auth.acme.com/',
        jwtAudience: 'api,web',
        sesIdentities: 'acme.com, alerts@acme.org',
        corsOrigins: 'https://app.acme.com',
        importEventBus: 'true',
        alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops-alarms',
        eventBusName: 'acme-prod-events',
        automationsProducers: 'arn:aws:iam::123456789012:role/automation-runner',
        crmProducers: ['arn:aws:iam::123456789012:role/crm-sync', 'arn:aws:iam::123456789012:user/ops'],
        deletionProtection: 'false',
        logLevel: 'debug',
        logRetentionDays: '90',
        throttleRateLimit: '20',
        throttleBurstLimit: '40',
      }),
    );

    expect(config).toMatchObject({
      stage: 'prod',
      jwtAudience: ['api', 'web'],
      sesIdentities: ['acme.com', 'alerts@acme.org'],
      corsOrigins: ['https://app.acme.com'],
      importEventBus: true,
      deletionProtection: false,
      logLevel: 'DEBUG',
      logRetention: RetentionDays.THREE_MONTHS,
      throttleRateLimit: 20,
      throttleBurstLimit: 40,
      producers: {
        automations: ['arn:aws:iam::123456789012:role/automation-runner'],
        directory: [],
        crm: ['arn:aws:iam::123456789012:role/crm-sync', 'arn:aws:iam::123456789012:user/ops'],
      },
    });
  });

  it('refuses to synthesize a stage other than dev without an alarm topic, or with a topic that is no SNS ARN', () => {
    const prod = { stage: 'prod', jwtIssuer: 'https://auth.acme.com/', sesIdentities: 'acme.com' };

    expect(() => readDeployConfig(from(prod))).toThrow(/alarmTopicArn.*stage "prod" needs an SNS topic/);
    expect(() => readDeployConfig(from({ ...prod, alarmTopicArn: 'ops-alarms' }))).toThrow(/alarmTopicArn/);
    expect(
      readDeployConfig(from({ ...prod, alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops-alarms' }))
        .alarmTopicArn,
    ).toBe('arn:aws:sns:eu-west-1:123456789012:ops-alarms');
    expect(readDeployConfig(from({})).alarmTopicArn).toBeUndefined();
  });

  it('names a producers key for every source the rules on the bus accept, and no other', () => {
    const sources = new Set(eventRules.filter((r) => r.bus !== 'default').flatMap((r) => r.pattern.source));
    expect(new Set(Object.keys(INPUT_SOURCES))).toEqual(sources);
  });

  it('refuses a producer that is not an IAM role or user ARN', () => {
    expect(() => readDeployConfig(from({ directoryProducers: '123456789012' }))).toThrow(
      /directoryProducers/,
    );
    expect(() => readDeployConfig(from({ crmProducers: 'arn:aws:iam::123456789012:role/*' }))).toThrow(
      /crmProducers/,
    );
  });

  it("refuses to import a bus whose name does not say it is this stage's own (a shared bus mixes stages' events)", () => {
    expect(() =>
      readDeployConfig(from({ stage: 'dev', importEventBus: 'true', eventBusName: 'shared-bus' })),
    ).toThrow(/eventBusName.*must contain "dev"/);
    expect(() =>
      readDeployConfig(from({ stage: 'dev', importEventBus: 'true', eventBusName: 'developer-bus' })),
    ).toThrow(DeployConfigError);
    expect(
      readDeployConfig(from({ stage: 'dev', importEventBus: 'true', eventBusName: 'acme-dev-bus' })),
    ).toMatchObject({ importEventBus: true, eventBusName: 'acme-dev-bus' });
  });

  it('refuses the example.com placeholders for any stage but dev', () => {
    expect(() => readDeployConfig(from({ stage: 'prod', sesIdentities: 'acme.com' }))).toThrow(/jwtIssuer/);
    expect(() => readDeployConfig(from({ stage: 'prod', jwtIssuer: 'https://auth.acme.com/' }))).toThrow(
      /sesIdentities/,
    );
    expect(() => readDeployConfig(from({ ...cdkJsonContext(), stage: 'prod' }))).toThrow(DeployConfigError);
  });

  it.each([
    ['jwtIssuer', 'http://insecure.example.com/'],
    ['deletionProtection', 'yes'],
    ['logLevel', 'LOUD'],
    ['logRetentionDays', '31'],
    ['sesIdentities', '*'],
    ['stage', 'Prod_1'],
    ['throttleRateLimit', '0'],
  ])('rejects %s=%s with the key in the message', (key, value) => {
    expect(() => readDeployConfig(from({ [key]: value }))).toThrow(new RegExp(`"${key}|${key}`));
  });
});
