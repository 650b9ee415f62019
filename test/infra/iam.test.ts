import { beforeAll, describe, expect, it } from 'vitest';
import { type FunctionSpec, functions, OWN_EVENT_SOURCE } from '../../infra/manifest.js';
import {
  PARTIQL_ACTIONS,
  RATE_ACTIONS,
  TABLE_DESCRIBE_ACTIONS,
  TABLE_KEY_READ_ACTIONS,
  TABLE_KEY_WRITE_ACTIONS,
  TABLE_READ_ACTIONS,
  TABLE_WRITE_ACTIONS,
} from '../../infra/stacks/manifest-function.js';
import { STREAM_READ_ACTIONS } from '../../infra/stacks/stream-subscription.js';
import { TABLE } from '../../infra/table-definition.js';
import {
  asList,
  logicalId,
  type PolicyStatementJson,
  policyStatements,
  type Synthesized,
  synth,
} from './synth.js';

let s: Synthesized;
beforeAll(() => {
  s = synth({ context: { sesIdentities: 'acme.com,notify@acme.org' } });
}, 60_000);

const statefulId = (type: string) => Object.keys(s.statefulTemplate.findResources(type))[0];
/** The stateful stack's resource of that type whose logical id starts with `name` (of several of one type). */
const statefulNamed = (type: string, name: string) =>
  Object.keys(s.statefulTemplate.findResources(type)).find((id) => id.startsWith(name));
const tableArn = () => ({ 'Fn::GetAtt': [statefulId('AWS::DynamoDB::Table'), 'Arn'] });
const streamArn = () => ({ 'Fn::GetAtt': [statefulId('AWS::DynamoDB::Table'), 'StreamArn'] });
const tableKeyArn = () => ({ 'Fn::GetAtt': [statefulId('AWS::KMS::Key'), 'Arn'] });
const XRAY_ACTIONS = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
const behindJwt = (fn: FunctionSpec) => fn.triggers.some((t) => t.kind === 'http' && t.auth === 'jwt');
const isRateStatement = (statement: PolicyStatementJson) =>
  JSON.stringify(statement.Condition ?? {}).includes('dynamodb:LeadingKeys');
const consumesStream = (fn: FunctionSpec) => fn.triggers.some((t) => t.kind === 'stream');

/** The statements of the policies attached to one function's role, cross-stack references resolved. */
function statementsOf(name: string): PolicyStatementJson[] {
  const fn = s.stateless.functions.get(name);
  if (!fn) throw new Error(`No construct for ${name}`);
  const roleId = logicalId(fn.role);
  const policies = s.statelessTemplate.findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: roleId }] },
  });
  return policyStatements(s.statelessTemplate)
    .filter(({ policy }) => policy in policies || policy === roleId)
    .map(({ statement }) => s.deref(statement) as PolicyStatementJson);
}

const actionsOf = (statements: PolicyStatementJson[]) =>
  new Set(statements.filter((st) => st.Effect === 'Allow').flatMap((st) => asList(st.Action)));
const isStreamStatement = (statement: PolicyStatementJson) =>
  JSON.stringify(statement.Resource) === JSON.stringify(streamArn());
const withAction = (statements: PolicyStatementJson[], prefix: string) =>
  statements.filter(
    (st) => st.Effect === 'Allow' && asList(st.Action).some((action) => action.startsWith(prefix)),
  );

function expectedActions(fn: FunctionSpec): Set<string> {
  const actions = ['logs:CreateLogStream', 'logs:PutLogEvents', ...XRAY_ACTIONS];
  if (fn.access.table === 'describe') actions.push(...TABLE_DESCRIBE_ACTIONS);
  if (fn.access.table === 'read' || fn.access.table === 'readwrite') actions.push(...TABLE_READ_ACTIONS);
  if (fn.access.table === 'readwrite') actions.push(...TABLE_WRITE_ACTIONS);
  if (fn.access.partiql?.length) actions.push(...PARTIQL_ACTIONS);
  if (fn.access.table === 'read' || consumesStream(fn)) actions.push(...TABLE_KEY_READ_ACTIONS);
  if (fn.access.table === 'readwrite' || behindJwt(fn)) actions.push(...TABLE_KEY_WRITE_ACTIONS);
  if (behindJwt(fn)) actions.push(...RATE_ACTIONS);
  if (fn.access.publishEvents) actions.push('events:PutEvents');
  if (fn.access.sendEmail) actions.push('ses:SendEmail');
  if (fn.access.webhookSecret || fn.access.cursorKeys) actions.push('secretsmanager:GetSecretValue');
  if (consumesStream(fn)) actions.push(...STREAM_READ_ACTIONS);
  // The on-failure destination of EventBridge-invoked functions (SqsDestination) and of stream mappings (SqsDlq).
  if (fn.triggers.some((t) => t.kind !== 'http' && t.kind !== 'http-default')) {
    actions.push('sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl');
  }
  return new Set(actions);
}

describe('IAM: least privilege', () => {
  it('no policy anywhere allows a wildcard action, nor a wildcard resource but for sending X-Ray traces', () => {
    const all = [...policyStatements(s.statefulTemplate), ...policyStatements(s.statelessTemplate)];
    expect(all.length).toBeGreaterThan(0);

    for (const { policy, statement } of all.filter(({ statement }) => statement.Effect === 'Allow')) {
      for (const action of asList(statement.Action)) expect(action, policy).not.toContain('*');
      if (statement.Resource === '*') {
        // Active tracing: these two actions have no resource-level permissions.
        expect(statement, policy).toEqual({ Effect: 'Allow', Action: XRAY_ACTIONS, Resource: '*' });
        continue;
      }
      expect(JSON.stringify(statement.Resource), policy).not.toContain('*');
    }
  });

  it.each(functions.map((fn) => [fn.name] as const))('%s may send its X-Ray traces', (name) => {
    expect(withAction(statementsOf(name), 'xray:')).toEqual([
      { Effect: 'Allow', Action: XRAY_ACTIONS, Resource: '*' },
    ]);
  });

  it.each(functions.map((fn) => [fn.name, fn] as const))(
    '%s may do exactly what its manifest access says',
    (name, fn) => {
      expect(actionsOf(statementsOf(name))).toEqual(expectedActions(fn));
    },
  );

  it('lets the function behind the $default route touch nothing: only its logs and traces', () => {
    const [noRoute, ...others] = functions.filter((fn) => fn.triggers.some((t) => t.kind === 'http-default'));

    expect(others).toEqual([]);
    expect(noRoute?.access).toEqual({});
    expect(actionsOf(statementsOf(noRoute?.name ?? ''))).toEqual(
      new Set(['logs:CreateLogStream', 'logs:PutLogEvents', ...XRAY_ACTIONS]),
    );
  });

  it('no policy anywhere allows a Scan', () => {
    const all = [...policyStatements(s.statefulTemplate), ...policyStatements(s.statelessTemplate)];
    const actions = all.flatMap(({ statement }) => asList(statement.Action));

    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((action) => /^dynamodb:(Scan|\*)/i.test(action))).toEqual([]);
  });

  it.each(functions.filter(consumesStream).map((fn) => [fn.name] as const))(
    '%s may read the table stream, and only the stream (the table only as its access says)',
    (name) => {
      const statements = withAction(statementsOf(name), 'dynamodb:');
      const onStream = statements.filter((statement) => isStreamStatement(statement));
      const fn = functions.find((f) => f.name === name);

      expect(onStream).toEqual([
        expect.objectContaining({ Action: [...STREAM_READ_ACTIONS].sort(), Resource: streamArn() }),
      ]);
      expect(statements.filter((st) => !isRateStatement(st)).length - onStream.length).toBe(
        fn?.access.table ? 1 : 0,
      );
    },
  );

  it('grants stream reads to the stream consumers only', () => {
    const streamActions = new Set<string>([...STREAM_READ_ACTIONS, 'dynamodb:ListStreams']);
    for (const fn of functions.filter((fn) => !consumesStream(fn))) {
      expect([...actionsOf(statementsOf(fn.name))].filter((action) => streamActions.has(action))).toEqual([]);
    }
  });

  it('no policy anywhere allows a PartiQL statement but on the indexes a manifest partiql entry names, and each denies full-table scans', () => {
    const withPartiql = functions.filter((fn) => fn.access.partiql?.length);
    expect(withPartiql.map((fn) => fn.name)).toEqual(['receive-email-webhook']);
    for (const fn of functions) {
      const statements = statementsOf(fn.name);
      const allowed = withAction(statements, 'dynamodb:PartiQL');
      const indexArns = (fn.access.partiql ?? []).map((index) => ({
        'Fn::Join': ['', [tableArn(), `/index/${index}`]],
      }));
      expect(allowed, fn.name).toEqual(
        indexArns.length > 0
          ? [{ Effect: 'Allow', Action: 'dynamodb:PartiQLSelect', Resource: indexArns[0] }]
          : [],
      );
      const denied = statements.filter((st) => st.Effect === 'Deny');
      expect(denied, fn.name).toEqual(
        indexArns.length > 0
          ? [
              {
                Effect: 'Deny',
                Action: 'dynamodb:PartiQLSelect',
                Resource: [tableArn(), { 'Fn::Join': ['', [tableArn(), '/index/*']] }],
                Condition: { Bool: { 'dynamodb:FullTableScan': 'true' } },
              },
            ]
          : [],
      );
    }
  });

  it.each(functions.filter(behindJwt).map((fn) => [fn.name] as const))(
    '%s may count its caller workspace’s requests: UpdateItem on the rate records only (LeadingKeys WS#*#RATE, their attributes only)',
    (name) => {
      expect(statementsOf(name).filter(isRateStatement)).toEqual([
        {
          Effect: 'Allow',
          Action: 'dynamodb:UpdateItem',
          Resource: tableArn(),
          Condition: {
            'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['WS#*#RATE'] },
            'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['pk', 'sk', 'requests', 'ttl'] },
            StringEqualsIfExists: { 'dynamodb:ReturnValues': ['NONE'] },
          },
        },
      ]);
    },
  );

  it.each(functions.map((fn) => [fn.name, fn] as const))(
    '%s may use the table key, on that key only, as its table access needs',
    (name, fn) => {
      const statements = withAction(statementsOf(name), 'kms:');
      const writes = fn.access.table === 'readwrite' || behindJwt(fn);
      const reads = fn.access.table === 'read' || consumesStream(fn);
      for (const statement of statements) expect(statement.Resource).toEqual(tableKeyArn());
      expect(new Set(statements.flatMap((st) => asList(st.Action)))).toEqual(
        new Set(writes ? TABLE_KEY_WRITE_ACTIONS : reads ? TABLE_KEY_READ_ACTIONS : []),
      );
    },
  );

  it('gives no function without a JWT route the rate grant', () => {
    for (const fn of functions.filter((f) => !behindJwt(f)))
      expect(statementsOf(fn.name).filter(isRateStatement), fn.name).toEqual([]);
  });

  it('lets health, a public route, only describe the table: it reads no item', () => {
    expect(withAction(statementsOf('health'), 'dynamodb:')).toEqual([
      { Effect: 'Allow', Action: 'dynamodb:DescribeTable', Resource: tableArn() },
    ]);
    expect(functions.filter((fn) => fn.access.table === 'describe').map((fn) => fn.name)).toEqual(['health']);
  });

  it.each(
    functions
      .filter((fn) => fn.access.table === 'read' || fn.access.table === 'readwrite')
      .map((fn) => [fn.name] as const),
  )('%s reaches only the table and its named indexes', (name) => {
    const statements = withAction(statementsOf(name), 'dynamodb:').filter(
      (s) =>
        !isStreamStatement(s) && !isRateStatement(s) && !asList(s.Action).includes('dynamodb:PartiQLSelect'),
    );
    const indexArns = TABLE.indexes.map((index) => ({
      'Fn::Join': ['', [tableArn(), `/index/${index.name}`]],
    }));

    expect(statements).toHaveLength(1);
    // In any order: CDK sorts a statement's resources.
    const resources = asList(statements[0]!.Resource);
    expect(resources).toHaveLength(indexArns.length + 1);
    expect(resources).toEqual(expect.arrayContaining([tableArn(), ...indexArns]));
  });

  it.each(functions.filter((fn) => fn.access.publishEvents).map((fn) => [fn.name] as const))(
    '%s may put events on the bus only, and only as the service (source for-review)',
    (name) => {
      const statements = withAction(statementsOf(name), 'events:');
      expect(statements).toEqual([
        {
          Effect: 'Allow',
          Action: 'events:PutEvents',
          Resource: { 'Fn::GetAtt': [statefulId('AWS::Events::EventBus'), 'Arn'] },
          Condition: { StringEquals: { 'events:source': OWN_EVENT_SOURCE } },
        },
      ]);
    },
  );

  it.each(functions.filter((fn) => fn.access.sendEmail).map((fn) => [fn.name] as const))(
    '%s may send through the configured SES identities and configuration set only',
    (name) => {
      const statements = withAction(statementsOf(name), 'ses:');
      expect(statements).toHaveLength(1);
      const resources = asList(statements[0]!.Resource).map((arn) => JSON.stringify(arn));
      const configurationSetId = Object.keys(
        s.statelessTemplate.findResources('AWS::SES::ConfigurationSet'),
      )[0];

      expect(resources).toHaveLength(3);
      expect(resources.filter((arn) => arn.includes(':ses:'))).toHaveLength(3);
      expect(resources.some((arn) => arn.endsWith(':identity/acme.com"]]}'))).toBe(true);
      expect(resources.some((arn) => arn.endsWith(':identity/notify@acme.org"]]}'))).toBe(true);
      expect(
        resources.some((arn) => arn.includes(`:configuration-set/",{"Ref":"${configurationSetId}"}`)),
      ).toBe(true);
    },
  );

  it.each(functions.filter((fn) => fn.access.webhookSecret).map((fn) => [fn.name] as const))(
    '%s may read the webhook secret only',
    (name) => {
      expect(withAction(statementsOf(name), 'secretsmanager:')).toEqual([
        expect.objectContaining({
          Action: 'secretsmanager:GetSecretValue',
          Resource: { Ref: statefulNamed('AWS::SecretsManager::Secret', 'WebhookSecret') },
        }),
      ]);
    },
  );

  it('grants the cursor keys to exactly the functions that answer a list', () => {
    expect(functions.filter((fn) => fn.access.cursorKeys).map((fn) => fn.name)).toEqual([
      'list-review-items',
      'get-review-summary',
      'list-record-review-items',
      'list-automations',
      'mcp',
    ]);
  });

  it.each(functions.filter((fn) => fn.access.cursorKeys).map((fn) => [fn.name] as const))(
    '%s may read the cursor keys secret only',
    (name) => {
      expect(withAction(statementsOf(name), 'secretsmanager:')).toEqual([
        expect.objectContaining({
          Action: 'secretsmanager:GetSecretValue',
          Resource: { Ref: statefulNamed('AWS::SecretsManager::Secret', 'CursorKeys') },
        }),
      ]);
    },
  );

  it.each(
    functions.filter((fn) => fn.triggers.some((t) => t.kind === 'event')).map((fn) => [fn.name] as const),
  )(
    '%s may send messages to its own on-failure queue only (where it dead-letters invalid events)',
    (name) => {
      const fn = s.stateless.functions.get(name);
      const queueArn = { 'Fn::GetAtt': [logicalId(fn!.failureQueue!.queue), 'Arn'] };
      const statements = withAction(statementsOf(name), 'sqs:');

      expect(statements).toEqual([
        expect.objectContaining({
          Action: expect.arrayContaining(['sqs:SendMessage']),
          Resource: queueArn,
        }),
      ]);
    },
  );

  it('uses no AWS managed policies (log writes are granted on each function’s own log group)', () => {
    for (const role of Object.values(s.statelessTemplate.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});
