import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { DEFAULTS, DeployConfigError, readDeployConfig } from '../../infra/stacks/deploy-config.js';
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

    for (const [key, value] of Object.entries(rest)) expect(context[key], key).toEqual(value);
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
    });
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
