import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventRules } from '../../infra/manifest.js';
import { TABLE } from '../../infra/table-definition.js';
import { type Synthesized, synth } from './synth.js';

describe('stateful stack', () => {
  let template: Template;
  let stateful: Synthesized['stateful'];
  beforeAll(() => {
    ({ statefulTemplate: template, stateful } = synth());
  });

  it('builds the table from TABLE: keys, GSIs with their projections, on-demand, TTL, its stream', () => {
    // Indexes share sort key attributes (listSk): each attribute is defined once.
    const keyAttributes = [
      ...new Set([
        TABLE.partitionKey,
        TABLE.sortKey,
        ...TABLE.indexes.flatMap((i) => [i.partitionKey, i.sortKey]),
      ]),
    ];

    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: Match.arrayEquals(
        keyAttributes.map((name) => ({ AttributeName: name, AttributeType: 'S' })),
      ),
      GlobalSecondaryIndexes: TABLE.indexes.map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection:
          index.projection === 'ALL' || index.projection === 'KEYS_ONLY'
            ? { ProjectionType: index.projection }
            : { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.projection.include] },
      })),
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true },
      StreamSpecification: { StreamViewType: TABLE.streamViewType },
    });
  });

  it('encrypts the table with its own customer-managed key, rotated yearly and kept whatever the stage', () => {
    const keyId = Object.keys(template.findResources('AWS::KMS::Key'))[0]!;
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResource('AWS::KMS::Key', {
      Properties: Match.objectLike({ EnableKeyRotation: true }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: {
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      },
    });
    // Retained on a dev stack too, whose table is not.
    synth({ context: { deletionProtection: 'false' } }).statefulTemplate.hasResource('AWS::KMS::Key', {
      DeletionPolicy: 'Retain',
    });
  });

  it('outputs the stream ARN, which the stateless stack reads through a weak reference', () => {
    const tableId = Object.keys(template.findResources('AWS::DynamoDB::Table'))[0]!;

    template.hasOutput('TableStreamArn', { Value: { 'Fn::GetAtt': [tableId, 'StreamArn'] } });
    expect(stateful.tableStreamArn).toBe(stateful.table.tableStreamArn);
  });

  it('protects the table by default: deletion protection, retained on stack delete, termination protection', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    expect(stateful.terminationProtection).toBe(true);
  });

  it('drops the protection for a dev stack deployed with -c deletionProtection=false', () => {
    const dev = synth({ context: { deletionProtection: 'false' } });

    dev.statefulTemplate.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({
        DeletionProtectionEnabled: false,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
      DeletionPolicy: 'Delete',
    });
    expect(dev.stateful.terminationProtection).toBe(false);
  });

  it('creates the event bus under the configured name (default for-review)', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'for-review' });
    template.hasOutput('EventBusName', { Value: { Ref: Match.stringLikeRegexp('^EventBus') } });
  });

  it('imports the bus by name instead when importEventBus is set, and the rules use that name', () => {
    const imported = synth({ context: { importEventBus: 'true', eventBusName: 'acme-dev-bus' } });

    imported.statefulTemplate.resourceCountIs('AWS::Events::EventBus', 0);
    const rules = imported.statelessTemplate.findResources('AWS::Events::Rule', {
      Properties: { EventPattern: Match.anyValue() },
    });
    const buses = Object.values(rules).map((rule) => imported.deref(rule.Properties.EventBusName));
    // Rules for AWS service events (bus: 'default') stay on the account's default bus.
    expect(buses.filter((bus) => bus !== 'default')).toHaveLength(
      eventRules.filter((rule) => rule.bus !== 'default').length,
    );
    expect(buses.every((bus) => bus === 'acme-dev-bus' || bus === 'default')).toBe(true);
  });

  it('refuses each input source on the bus from everyone but its configured producers', () => {
    const role = 'arn:aws:iam::123456789012:role/crm-sync';
    const withProducer = synth({ context: { crmProducers: role } }).statefulTemplate;
    const policies = Object.values(withProducer.findResources('AWS::Events::EventBusPolicy'));
    const bySource = new Map(
      policies.map((p) => [p.Properties.Statement.Condition.StringEquals['events:source'], p.Properties]),
    );

    expect([...bySource.keys()].sort()).toEqual(['automations', 'crm', 'directory']);
    expect(bySource.get('crm')).toMatchObject({
      EventBusName: { Ref: expect.stringMatching(/^EventBus/) },
      StatementId: 'dev-only-producers-put-crm',
      Statement: {
        Effect: 'Deny',
        Principal: '*',
        Action: 'events:PutEvents',
        Condition: { StringEquals: { 'events:source': 'crm' }, ArnNotEquals: { 'aws:PrincipalArn': [role] } },
      },
    });
    // No producer named: nobody may put that source.
    expect(bySource.get('automations').Statement.Condition).toEqual({
      StringEquals: { 'events:source': 'automations' },
    });
  });

  it('creates the webhook signing secret with a generated placeholder value, kept on delete', () => {
    template.hasResource('AWS::SecretsManager::Secret', {
      Properties: Match.objectLike({ GenerateSecretString: Match.objectLike({ ExcludePunctuation: true }) }),
      DeletionPolicy: 'Retain',
    });
  });

  it('creates the cursor keys secret with a generated current key and no previous one, kept on delete', () => {
    template.hasResource('AWS::SecretsManager::Secret', {
      Properties: Match.objectLike({
        GenerateSecretString: Match.objectLike({
          SecretStringTemplate: JSON.stringify({ previous: [] }),
          GenerateStringKey: 'current',
        }),
      }),
      DeletionPolicy: 'Retain',
    });
  });
});
