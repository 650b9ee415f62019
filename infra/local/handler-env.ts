/**
 * The environment the handlers see, as the CDK stack sets it in AWS, pointed at the local stand-ins
 * through the SDK's own per-service endpoint variables. Handlers read it at module scope, so it is set
 * before the first handler is imported.
 */
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './aws-identity.js';
import { localFailureQueueUrl } from './send-message.js';

export interface HandlerEnvironmentInput {
  tableName: string;
  eventBusName: string;
  webhookSecret: string;
  /** The cursor key ring as JSON (shared/store/cursor-keys.ts). */
  cursorKeys: string;
  dynamodbEndpoint: string;
  sesEndpoint: string;
  eventsEndpoint: string;
  /**
   * The SQS queue handlers dead-letter invalid events to (DEAD_LETTER_QUEUE_URL); default the local failure
   * queue of the bus at `eventsEndpoint`, which also takes the SQS requests (AWS_ENDPOINT_URL_SQS).
   */
  failureQueueUrl?: string;
  /** Powertools log level for the handlers (default WARN). */
  powertoolsLogLevel?: string;
  /**
   * Each workspace's requests per window on the JWT routes (WORKSPACE_RATE_LIMIT, WORKSPACE_RATE_WINDOW_SECONDS,
   * shared/http/workspace-limit.ts); no limit when unset.
   */
  workspaceRateLimit?: string;
  workspaceRateWindowSeconds?: string;
}

/** Variables set to undefined are removed (locally there is no SES configuration set). */
export type EnvironmentChanges = Record<string, string | undefined>;

export function handlerEnvironment(input: HandlerEnvironmentInput): EnvironmentChanges {
  return {
    TABLE_NAME: input.tableName,
    EVENT_BUS_NAME: input.eventBusName,
    WEBHOOK_SECRET: input.webhookSecret,
    CURSOR_KEYS: input.cursorKeys,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    AWS_ENDPOINT_URL_DYNAMODB: input.dynamodbEndpoint,
    AWS_ENDPOINT_URL_SESV2: input.sesEndpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: input.eventsEndpoint,
    AWS_ENDPOINT_URL_SQS: input.eventsEndpoint,
    DEAD_LETTER_QUEUE_URL: input.failureQueueUrl ?? localFailureQueueUrl(input.eventsEndpoint),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    POWERTOOLS_SERVICE_NAME: 'for-review',
    POWERTOOLS_LOG_LEVEL: input.powertoolsLogLevel ?? 'WARN',
    // EMF metric lines are for CloudWatch; locally the runtime's log says what each event did.
    POWERTOOLS_METRICS_DISABLED: 'true',
    SES_CONFIGURATION_SET: undefined,
    WORKSPACE_RATE_LIMIT: input.workspaceRateLimit,
    WORKSPACE_RATE_WINDOW_SECONDS: input.workspaceRateWindowSeconds,
  };
}

/** Applies the changes to `env` and returns a function that puts the previous values back. */
export function applyEnvironment(
  changes: EnvironmentChanges,
  env: NodeJS.ProcessEnv = process.env,
): () => void {
  const previous: EnvironmentChanges = {};
  for (const [name, value] of Object.entries(changes)) {
    previous[name] = env[name];
    setOrDelete(env, name, value);
  }
  return () => {
    for (const [name, value] of Object.entries(previous)) setOrDelete(env, name, value);
  };
}

function setOrDelete(env: NodeJS.ProcessEnv, name: string, value: string | undefined): void {
  if (value === undefined) delete env[name];
  else env[name] = value;
}
