import { Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { functions } from '../../infra/manifest.js';
import { buildApp } from '../../infra/stacks/app.js';
import { cdkJsonContext, type Synthesized, synth } from './synth.js';

/**
 * cdk-nag 3 runs as a CDK validation plugin (registered by buildApp): its findings are not annotations,
 * they fail synthesis. `validateScope` returns the same report directly.
 */
let s: Synthesized;
beforeAll(() => {
  s = synth();
}, 180_000);

/** Every acknowledgement in the tree: rule id → construct paths. */
function acknowledgements(root: IConstruct): Map<string, { path: string; reason: string }[]> {
  const found = new Map<string, { path: string; reason: string }[]>();
  for (const construct of root.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        const rule = id.replace(/^annotation::/i, '');
        found.set(rule, [...(found.get(rule) ?? []), { path: construct.node.path, reason }]);
      }
    }
  }
  return found;
}

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged finding, error or warning', () => {
    const report = new AwsSolutionsChecks().validateScope(s.app);

    expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources[0]?.constructPath}`)).toEqual(
      [],
    );
    expect(report.success).toBe(true);
  });

  it('leaves no CDK error or warning annotation on either stack', () => {
    for (const stack of [s.stateful, s.stateless]) {
      expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
      expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
    }
  });

  it('acknowledges only the reviewed rules, each where it applies and with a reason', () => {
    const acks = acknowledgements(s.app);
    const count = (rule: string) => acks.get(rule)?.length ?? 0;

    expect([...acks.keys()].sort()).toEqual([
      'AwsSolutions-APIG4',
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-L1',
      'AwsSolutions-SMG4',
      'AwsSolutions-SQS3',
    ]);
    expect(count('AwsSolutions-L1')).toBe(functions.length);
    // The X-Ray statement of active tracing, on each function role's default policy (iam.test.ts proves it is
    // the only wildcard there).
    expect(count('AwsSolutions-IAM5[Resource::*]')).toBe(functions.length);
    expect(
      acks.get('AwsSolutions-IAM5[Resource::*]')?.every((a) => a.path.endsWith('/Role/DefaultPolicy')),
    ).toBe(true);
    expect(
      acks
        .get('AwsSolutions-APIG4')
        ?.map((a) => a.path.replace(/.*\/HttpApi\//, ''))
        .sort(),
    ).toEqual(['DefaultRoute', 'GET--health', 'GET--openapi.json', 'POST--webhooks--email']);
    // The webhook signing secret and the cursor keys: both rotated by hand (docs/deploy.md says how).
    expect(count('AwsSolutions-SMG4')).toBe(2);
    // The dead-letter queues themselves, all in the stateful stack.
    expect(count('AwsSolutions-SQS3')).toBeGreaterThan(0);
    expect(
      acks.get('AwsSolutions-SQS3')?.every((a) => /-Stateful\/DeadLetterQueues\/[^/]+$/.test(a.path)),
    ).toBe(true);
    for (const list of acks.values())
      for (const { reason } of list) expect(reason.length).toBeGreaterThan(60);
  });

  it('fails synthesis on a finding nobody acknowledged', () => {
    const probe = buildApp({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
    new Queue(probe.stateless, 'UnencryptedProbe', { encryption: QueueEncryption.UNENCRYPTED });

    expect(() => probe.app.synth()).toThrow();
  });
});
