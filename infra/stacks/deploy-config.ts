/**
 * Deployment settings, read once from CDK context (`cdk.json` or `-c key=value`) and checked.
 *
 * Every value has an offline default so `cdk synth` works on a laptop with no context and no credentials.
 * The defaults that only make sense on a laptop (the example.com issuer and SES identity) are refused for
 * any stage but `dev`, so a production deploy cannot silently ship them. See docs/deploy.md.
 */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export interface DeployConfig {
  /** Stage name; part of every stack name (`ForReview-<stage>-...`). */
  stage: string;
  /** OIDC issuer URL the HTTP API's JWT authorizer trusts (the `iss` claim). */
  jwtIssuer: string;
  /** Accepted `aud` claim values. */
  jwtAudience: readonly string[];
  /** Verified SES identities (domains or addresses) that approved emails may be sent from. */
  sesIdentities: readonly string[];
  /** Name of the EventBridge bus automations publish to and the system publishes on. */
  eventBusName: string;
  /** Import an existing bus by name instead of creating it. */
  importEventBus: boolean;
  /** Browser origins allowed by CORS; empty disables CORS. */
  corsOrigins: readonly string[];
  /** DynamoDB deletion protection (and retain-on-delete for the table and webhook secret). */
  deletionProtection: boolean;
  /** POWERTOOLS_LOG_LEVEL of every function. */
  logLevel: LogLevel;
  /** Retention of function and access logs. */
  logRetention: RetentionDays;
  /**
   * Each workspace's requests per window on the JWT routes (shared/http/workspace-limit.ts): over it, 429 with
   * Retry-After. One conditional write per request.
   */
  workspaceRateLimit: number;
  workspaceRateWindowSeconds: number;
  /** Default stage throttle of the HTTP API: steady requests per second, and burst. */
  throttleRateLimit: number;
  throttleBurstLimit: number;
  /** Existing SNS topic that every alarm notifies; required for every stage but dev. */
  alarmTopicArn: string | undefined;
  /**
   * The IAM principals (role or user ARNs) that may put the events of each input source on the bus. A source
   * with none is refused from everyone (the bus policy, docs/deploy.md "Who may put which event").
   */
  producers: Readonly<Record<InputSource, readonly string[]>>;
}

/**
 * The `source` of every event in that the service's bus accepts, and the context key naming its producers. The
 * SES events (`aws.ses`) come on the default bus, where only AWS may use an `aws.` source.
 */
export const INPUT_SOURCES = {
  automations: 'automationsProducers',
  directory: 'directoryProducers',
  crm: 'crmProducers',
} as const;
export type InputSource = keyof typeof INPUT_SOURCES;

/** Offline defaults. `cdk.json` repeats these under `context` (a test keeps the two equal). */
export const DEFAULTS = {
  stage: 'dev',
  jwtIssuer: 'https://issuer.example.com/',
  jwtAudience: ['for-review'],
  sesIdentities: ['example.com'],
  eventBusName: 'for-review',
  importEventBus: false,
  corsOrigins: [],
  deletionProtection: true,
  logLevel: 'INFO',
  logRetention: RetentionDays.ONE_MONTH,
  throttleRateLimit: 50,
  throttleBurstLimit: 100,
  workspaceRateLimit: 1200,
  workspaceRateWindowSeconds: 60,
  producers: { automations: [], directory: [], crm: [] },
} as const satisfies Omit<DeployConfig, 'alarmTopicArn'>;

const LOG_LEVELS: readonly LogLevel[] = ['DEBUG', 'INFO', 'WARN', 'ERROR'];

export class DeployConfigError extends Error {
  constructor(key: string, problem: string) {
    super(`Invalid CDK context "${key}": ${problem}`);
    this.name = 'DeployConfigError';
  }
}

/** Reads one context key; `undefined` when it is not set. */
export type ContextReader = (key: string) => unknown;

export function readDeployConfig(context: ContextReader): DeployConfig {
  const stage = text(context, 'stage') ?? DEFAULTS.stage;
  if (!/^[a-z][a-z0-9-]{0,19}$/.test(stage)) {
    throw new DeployConfigError('stage', `"${stage}" must be lower-case letters, digits and dashes`);
  }
  const jwtIssuer = text(context, 'jwtIssuer') ?? DEFAULTS.jwtIssuer;
  if (!jwtIssuer.startsWith('https://')) throw new DeployConfigError('jwtIssuer', 'must be an https URL');
  refusePlaceholder(stage, 'jwtIssuer', jwtIssuer === DEFAULTS.jwtIssuer);

  const jwtAudience = list(context, 'jwtAudience') ?? DEFAULTS.jwtAudience;
  if (jwtAudience.length === 0) throw new DeployConfigError('jwtAudience', 'needs at least one audience');

  const sesIdentities = list(context, 'sesIdentities') ?? DEFAULTS.sesIdentities;
  if (sesIdentities.length === 0) throw new DeployConfigError('sesIdentities', 'needs at least one identity');
  for (const identity of sesIdentities) {
    if (!/^[^\s/*]+$/.test(identity)) {
      throw new DeployConfigError('sesIdentities', `"${identity}" is not a domain or an email address`);
    }
  }
  refusePlaceholder(
    stage,
    'sesIdentities',
    sesIdentities.some((identity) => identity.endsWith('example.com')),
  );

  const logLevel = (text(context, 'logLevel') ?? DEFAULTS.logLevel).toUpperCase();
  if (!isLogLevel(logLevel)) throw new DeployConfigError('logLevel', `one of ${LOG_LEVELS.join(', ')}`);

  const logRetention = integer(context, 'logRetentionDays') ?? DEFAULTS.logRetention;
  if (!isRetentionDays(logRetention)) {
    throw new DeployConfigError('logRetentionDays', `${logRetention} is not a CloudWatch Logs retention`);
  }

  const throttleRateLimit = integer(context, 'throttleRateLimit') ?? DEFAULTS.throttleRateLimit;
  const throttleBurstLimit = integer(context, 'throttleBurstLimit') ?? DEFAULTS.throttleBurstLimit;
  if (throttleRateLimit < 1 || throttleBurstLimit < 1) {
    throw new DeployConfigError('throttleRateLimit/throttleBurstLimit', 'must be positive');
  }

  const workspaceRateLimit = integer(context, 'workspaceRateLimit') ?? DEFAULTS.workspaceRateLimit;
  const workspaceRateWindowSeconds =
    integer(context, 'workspaceRateWindowSeconds') ?? DEFAULTS.workspaceRateWindowSeconds;
  if (workspaceRateLimit < 1 || workspaceRateWindowSeconds < 1) {
    throw new DeployConfigError('workspaceRateLimit/workspaceRateWindowSeconds', 'must be positive');
  }

  const alarmTopicArn = text(context, 'alarmTopicArn');
  if (alarmTopicArn !== undefined && !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$/.test(alarmTopicArn)) {
    throw new DeployConfigError('alarmTopicArn', `"${alarmTopicArn}" is not the ARN of an SNS topic`);
  }
  // An alarm with no action reaches nobody: only a dev stage may leave them to the console.
  if (alarmTopicArn === undefined && stage !== 'dev') {
    throw new DeployConfigError(
      'alarmTopicArn',
      `stage "${stage}" needs an SNS topic for its alarms (only "dev" may have none)`,
    );
  }

  const eventBusName = text(context, 'eventBusName') ?? DEFAULTS.eventBusName;
  const importEventBus = flag(context, 'importEventBus') ?? DEFAULTS.importEventBus;
  // A bus this stage creates is its own (bus names are unique per account and region). An imported one could be
  // another stage's, whose rules would then take this stage's events and this stage's theirs: the name must say
  // whose it is.
  if (importEventBus && !eventBusName.split(/[^a-z0-9]+/i).includes(stage)) {
    throw new DeployConfigError(
      'eventBusName',
      `an imported bus must be stage "${stage}"'s own: its name "${eventBusName}" must contain "${stage}" as a word`,
    );
  }

  return {
    stage,
    jwtIssuer,
    jwtAudience,
    sesIdentities,
    eventBusName,
    importEventBus,
    corsOrigins: list(context, 'corsOrigins') ?? DEFAULTS.corsOrigins,
    deletionProtection: flag(context, 'deletionProtection') ?? DEFAULTS.deletionProtection,
    logLevel,
    logRetention,
    throttleRateLimit,
    throttleBurstLimit,
    workspaceRateLimit,
    workspaceRateWindowSeconds,
    alarmTopicArn,
    producers: producersOf(context),
  };
}

function producersOf(context: ContextReader): DeployConfig['producers'] {
  const producers = { ...DEFAULTS.producers } as Record<InputSource, readonly string[]>;
  for (const [source, key] of Object.entries(INPUT_SOURCES) as [InputSource, string][]) {
    const arns = list(context, key);
    if (!arns) continue;
    for (const arn of arns) {
      if (!/^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/.test(arn)) {
        throw new DeployConfigError(key, `"${arn}" is not the ARN of an IAM role or user`);
      }
    }
    producers[source] = arns;
  }
  return producers;
}

/** The offline defaults of jwtIssuer and sesIdentities are placeholders: only the dev stage may keep them. */
function refusePlaceholder(stage: string, key: string, isPlaceholder: boolean): void {
  if (isPlaceholder && stage !== 'dev') {
    throw new DeployConfigError(
      key,
      `the example.com placeholder is only allowed for stage "dev", not "${stage}"`,
    );
  }
}

// `-c key=value` always arrives as a string; cdk.json values keep their JSON type. Accept both.

function text(context: ContextReader, key: string): string | undefined {
  const value = context(key);
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw new DeployConfigError(key, 'must be a string');
  return value.trim();
}

function list(context: ContextReader, key: string): string[] | undefined {
  const value = context(key);
  if (value === undefined) return undefined;
  const items = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(items) || !items.every((item) => typeof item === 'string')) {
    throw new DeployConfigError(key, 'must be a list of strings or a comma-separated string');
  }
  return items.map((item: string) => item.trim()).filter((item) => item !== '');
}

function flag(context: ContextReader, key: string): boolean | undefined {
  const value = context(key);
  if (value === undefined || typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new DeployConfigError(key, 'must be true or false');
}

function integer(context: ContextReader, key: string): number | undefined {
  const value = context(key);
  if (value === undefined) return undefined;
  const parsed = typeof value === 'string' ? Number(value) : value;
  if (typeof parsed !== 'number' || !Number.isInteger(parsed))
    throw new DeployConfigError(key, 'must be an integer');
  return parsed;
}

function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

function isRetentionDays(value: number): value is RetentionDays {
  return (Object.values(RetentionDays) as unknown[]).includes(value);
}
