/**
 * AWS SDK clients, created once per Lambda container. Endpoints follow the SDK's own configuration
 * (`AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_SESV2`, `AWS_ENDPOINT_URL_EVENTBRIDGE`), which is how the
 * local runtime points the very same code at DynamoDB Local, local SES and the local event bus.
 * Use cases never import this module: they take a store, a mailer and a publisher as parameters.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

let dynamo: DynamoDBDocumentClient | undefined;
let eventBridge: EventBridgeClient | undefined;
let ses: SESv2Client | undefined;

export function documentClient(): DynamoDBDocumentClient {
  dynamo ??= createDocumentClient(new DynamoDBClient({}));
  return dynamo;
}

export function createDocumentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
  });
}

export function eventBridgeClient(): EventBridgeClient {
  eventBridge ??= new EventBridgeClient({});
  return eventBridge;
}

/**
 * The SES client never retries on its own (`maxAttempts: 1`): a retried send whose first attempt reached SES
 * would be a second email. shared/mail/mailer.ts retries only answers that prove nothing was sent.
 */
export function sesClient(): SESv2Client {
  ses ??= new SESv2Client({
    maxAttempts: 1,
    // Without throwOnRequestTimeout the Node handler only logs a warning and keeps waiting.
    // No connection reuse: a send written to a pooled socket the peer is closing fails with a reset that cannot
    // be told from "lost after SES accepted it", and would surface as a spurious unknown outcome.
    requestHandler: {
      requestTimeout: 10_000,
      connectionTimeout: 3_000,
      throwOnRequestTimeout: true,
      httpsAgent: { keepAlive: false },
      httpAgent: { keepAlive: false },
    },
  });
  return ses;
}
