/**
 * Builds the CDK app exactly as `cdk synth` does (same `buildApp`, same `cdk.json` context and feature
 * flags), with per-test context on top, and hands back the templates plus helpers to follow references.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import type { FunctionSpec } from '../../infra/manifest.js';
import { buildApp, type ForReviewApp } from '../../infra/stacks/app.js';
import { PROJECT_ROOT } from '../../infra/stacks/bundling.js';

export interface SynthOptions {
  /** Extra context, as `-c key=value` would give it. */
  context?: Record<string, unknown>;
  /** Bundle the functions with esbuild (slower); otherwise CDK skips bundling. */
  bundle?: boolean;
  /** The functions of the stateless stack instead of the manifest's. */
  functions?: readonly FunctionSpec[];
}

export interface Synthesized extends ForReviewApp {
  statefulTemplate: Template;
  statelessTemplate: Template;
  /**
   * Replaces every cross-stack reference (`Fn::GetStackOutput`) in a stateless template value by the value
   * the stateful stack outputs, e.g. `{ Ref: 'TableCD117FA1' }`, at any depth.
   */
  deref(value: unknown): unknown;
}

export const cdkJsonContext = (): Record<string, unknown> =>
  JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')).context;

export function synth(options: SynthOptions = {}): Synthesized {
  const built = buildApp(
    {
      context: {
        ...cdkJsonContext(),
        ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
        ...options.context,
      },
    },
    options.functions ? { functions: options.functions } : {},
  );
  const statefulTemplate = Template.fromStack(built.stateful);
  const statelessTemplate = Template.fromStack(built.stateless);
  const outputs = statefulTemplate.toJSON().Outputs as Record<string, { Value: unknown }>;

  return {
    ...built,
    statefulTemplate,
    statelessTemplate,
    deref(value) {
      return derefDeep(value, (name) => outputs[name]?.Value, built.stateful.stackName);
    },
  };
}

function derefDeep(value: unknown, output: (name: string) => unknown, producer: string): unknown {
  if (Array.isArray(value)) return value.map((item) => derefDeep(item, output, producer));
  if (typeof value !== 'object' || value === null) return value;
  const reference = (value as { 'Fn::GetStackOutput'?: { StackName: string; OutputName: string } })[
    'Fn::GetStackOutput'
  ];
  if (reference) {
    if (reference.StackName !== producer) throw new Error(`Unexpected reference to ${reference.StackName}`);
    return output(reference.OutputName);
  }
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, derefDeep(item, output, producer)]),
  );
}

/** Logical ID of a construct's CloudFormation resource (the construct itself or its default child). */
export function logicalId(construct: IConstruct): string {
  const element = CfnElement.isCfnElement(construct) ? construct : construct.node.defaultChild;
  if (!CfnElement.isCfnElement(element))
    throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return Stack.of(element).getLogicalId(element);
}

/** Every statement of every IAM policy (and role inline policy) in a template. */
export interface PolicyStatementJson {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
  Sid?: string;
  Condition?: unknown;
}

export function policyStatements(template: Template): { policy: string; statement: PolicyStatementJson }[] {
  const found: { policy: string; statement: PolicyStatementJson }[] = [];
  for (const [id, resource] of Object.entries(template.findResources('AWS::IAM::Policy'))) {
    const statements = (resource as { Properties: { PolicyDocument: { Statement: PolicyStatementJson[] } } })
      .Properties.PolicyDocument.Statement;
    for (const statement of statements) found.push({ policy: id, statement });
  }
  for (const [id, resource] of Object.entries(template.findResources('AWS::IAM::Role'))) {
    const policies =
      (resource as { Properties: { Policies?: { PolicyDocument: { Statement: PolicyStatementJson[] } }[] } })
        .Properties.Policies ?? [];
    for (const policy of policies)
      for (const statement of policy.PolicyDocument.Statement) found.push({ policy: id, statement });
  }
  return found;
}

export const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
