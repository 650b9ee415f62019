import { App, type AppProps, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { FunctionSpec } from '../manifest.js';
import { type DeployConfig, readDeployConfig } from './deploy-config.js';
import { StatefulStack } from './stateful-stack.js';
import { StatelessStack } from './stateless-stack.js';

export interface ForReviewApp {
  readonly app: App;
  readonly config: DeployConfig;
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
}

/**
 * Builds the whole CDK app: context → config → the stateful and stateless stacks, with cdk-nag's AWS
 * Solutions checks registered as a validation plugin (any unacknowledged finding fails synthesis).
 * `infra/app.ts` runs it; the infra tests build it the same way with their own context.
 */
export interface BuildOptions {
  /** The functions of the stateless stack; the manifest's by default. */
  readonly functions?: readonly FunctionSpec[];
}

export function buildApp(props: AppProps = {}, options: BuildOptions = {}): ForReviewApp {
  const app = new App(props);
  const config = readDeployConfig((key) => app.node.tryGetContext(key));
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  const prefix = `ForReview-${config.stage}`;

  const stateful = new StatefulStack(app, `${prefix}-Stateful`, {
    env,
    config,
    description:
      'For review: DynamoDB table with its stream and key, event bus, dead-letter queues, webhook secret, cursor keys',
    ...(options.functions && { functions: options.functions }),
  });
  const stateless = new StatelessStack(app, `${prefix}-Stateless`, {
    env,
    config,
    table: stateful.table,
    tableStreamArn: stateful.tableStreamArn,
    eventBus: stateful.eventBus,
    webhookSecret: stateful.webhookSecret,
    cursorKeys: stateful.cursorKeys,
    deadLetterQueues: stateful.deadLetterQueues.queues,
    description: 'For review: functions, HTTP API, event rules, schedules, stream mappings, alarms',
    ...(options.functions && { functions: options.functions }),
  });

  Tags.of(app).add('project', 'for-review');
  Tags.of(app).add('stage', config.stage);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, config, stateful, stateless };
}
