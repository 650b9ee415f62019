import { CfnOutput, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { CfnEventBusPolicy, EventBus, type IEventBus } from 'aws-cdk-lib/aws-events';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { type FunctionSpec, functions as manifestFunctions } from '../manifest.js';
import { TABLE } from '../table-definition.js';
import { DeadLetterQueues } from './dead-letter-queue.js';
import { type DeployConfig, INPUT_SOURCES, type InputSource } from './deploy-config.js';
import { EventSchemaRegistry } from './event-schemas.js';

export interface StatefulStackProps extends StackProps {
  readonly config: DeployConfig;
  /** The functions whose dead-letter queues this stack holds; the manifest's by default. */
  readonly functions?: readonly FunctionSpec[];
}

/**
 * What outlives a deploy: the table (built from `TABLE`, the definition DynamoDB Local uses too) with its
 * stream and key, the event bus, the dead-letter queues (with the messages they hold), and the webhook signing secret (its real value is set by hand, so it must survive the
 * stateless stack being replaced).
 */
export class StatefulStack extends Stack {
  readonly table: Table;
  /** The table's own key: every use of it (each function's reads and writes) is in CloudTrail. */
  readonly tableKey: Key;
  /** The table's stream, which the outbox publisher reads (docs/outbox.md). */
  readonly tableStreamArn: string;
  readonly eventBus: IEventBus;
  readonly webhookSecret: Secret;
  readonly cursorKeys: Secret;
  /** Every dead-letter queue, by name: what they hold survives the stateless stack being replaced. */
  readonly deadLetterQueues: DeadLetterQueues;
  readonly eventSchemas: EventSchemaRegistry;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, { terminationProtection: props.config.deletionProtection, ...props });
    const { config } = props;
    const removalPolicy = config.deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    // A customer-managed key rather than DynamoDB's AWS-owned one: its use is logged per principal, and access
    // to the email content can be cut off by its key policy alone. Kept whatever the stage: a table or backup
    // restored later needs it.
    this.tableKey = new Key(this, 'TableKey', {
      description: 'For review: encrypts the table (items, indexes, stream, backups)',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.table = new Table(this, 'Table', {
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.tableKey,
      partitionKey: { name: TABLE.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: config.deletionProtection,
      timeToLiveAttribute: TABLE.ttlAttribute,
      removalPolicy,
      // The transactional outbox: committed history entries and outbox records reach the publisher through
      // the stream (docs/outbox.md). Records stay in the stream for 24 hours.
      stream: StreamViewType[TABLE.streamViewType],
    });
    if (!this.table.tableStreamArn) throw new Error('The table has no stream');
    this.tableStreamArn = this.table.tableStreamArn;
    for (const index of TABLE.indexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        ...(index.projection === 'ALL' || index.projection === 'KEYS_ONLY'
          ? { projectionType: ProjectionType[index.projection] }
          : { projectionType: ProjectionType.INCLUDE, nonKeyAttributes: [...index.projection.include] }),
      });
    }

    this.eventBus = config.importEventBus
      ? EventBus.fromEventBusName(this, 'EventBus', config.eventBusName)
      : new EventBus(this, 'EventBus', {
          eventBusName: config.eventBusName,
          description: 'Automation drafts and member changes in; review item events out',
        });

    this.producerPolicies(config);

    this.webhookSecret = new Secret(this, 'WebhookSecret', {
      description:
        "Email provider's Standard Webhooks signing secret (whsec_...). Generated placeholder until " +
        'the real value is put (docs/deploy.md); until then every webhook is rejected with 401.',
      generateSecretString: { passwordLength: 44, excludePunctuation: true, includeSpace: false },
      removalPolicy,
    });
    Validations.of(this.webhookSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The value is issued by the email provider, which signs with it; rotating it in AWS alone would ' +
        'reject every webhook. It is rotated at the provider and then put here (docs/deploy.md).',
    });

    // The key ring list cursors are signed with (shared/store/cursor-keys.ts): generated here, rotated by putting a
    // new value (docs/deploy.md, "Cursor keys").
    this.cursorKeys = new Secret(this, 'CursorKeys', {
      description:
        'Key ring list cursors are signed with: {"current": key, "previous": [keys still accepted]} (docs/deploy.md)',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ previous: [] }),
        generateStringKey: 'current',
        passwordLength: 43,
        excludePunctuation: true,
        includeSpace: false,
      },
      removalPolicy,
    });
    Validations.of(this.cursorKeys).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'A rotation keeps the old key accepted for a while (previous), which a rotation Lambda would have to ' +
        'know; it is a put of a new value, documented in docs/deploy.md.',
    });

    this.deadLetterQueues = new DeadLetterQueues(this, 'DeadLetterQueues', {
      functions: props.functions ?? manifestFunctions,
      stage: config.stage,
      eventBusName: this.eventBus.eventBusName,
    });

    // The registry holds no state of the service, but it is 1 + one schema per event (about 35 resources): here it
    // leaves the stateless stack room under CloudFormation's 500 resources a stack.
    this.eventSchemas = new EventSchemaRegistry(this, 'EventSchemas', {
      registryName: `for-review-${config.stage}`,
    });

    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'TableKeyArn', { value: this.tableKey.keyArn });
    new CfnOutput(this, 'TableStreamArn', { value: this.tableStreamArn });
    new CfnOutput(this, 'EventBusName', { value: this.eventBus.eventBusName });
    new CfnOutput(this, 'WebhookSecretArn', { value: this.webhookSecret.secretArn });
    new CfnOutput(this, 'CursorKeysSecretArn', { value: this.cursorKeys.secretArn });
    new CfnOutput(this, 'EventSchemaRegistryName', { value: this.eventSchemas.registry.attrRegistryName });
  }

  /**
   * The bus refuses an input source's events from anyone but its producers in the deploy configuration: one Deny
   * per source, so an Allow in any identity policy of the account (a service role's, a developer's) cannot
   * speak as the CRM, the directory or an automation. docs/deploy.md, "Who may put which event".
   */
  private producerPolicies(config: DeployConfig): void {
    const busArn = this.formatArn({
      service: 'events',
      resource: 'event-bus',
      resourceName: this.eventBus.eventBusName,
    });
    for (const source of Object.keys(INPUT_SOURCES) as InputSource[]) {
      const producers = config.producers[source];
      new CfnEventBusPolicy(this, `${pascal(source)}ProducersPolicy`, {
        eventBusName: this.eventBus.eventBusName,
        // Unique on a bus another stack may also hold statements on.
        statementId: `${config.stage}-only-producers-put-${source}`,
        statement: {
          Effect: 'Deny',
          Principal: '*',
          Action: 'events:PutEvents',
          Resource: busArn,
          Condition: {
            StringEquals: { 'events:source': source },
            ...(producers.length > 0 && { ArnNotEquals: { 'aws:PrincipalArn': [...producers] } }),
          },
        },
      });
    }
  }
}

const pascal = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1);
