/**
 * The CDK app (`cdk.json`: `npx tsx infra/app.ts`). Context values and their defaults: docs/deploy.md.
 */
import { buildApp } from './stacks/app.js';

buildApp().app.synth();
