/**
 * The bundle report measures what the stack deploys: its runtime flag is the one every function gets, and its
 * esbuild options are what the stack's BUNDLING turns into (scripts/bundle-report/deployed.ts).
 */
import { SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { beforeAll, describe, expect, it } from 'vitest';
import { functions } from '../../infra/manifest.js';
import { BUNDLING, ESM_REQUIRE_BANNER, MAIN_FIELDS, NODE_TARGET } from '../../infra/stacks/bundling.js';
import { esbuildOptionsOf, RUNTIME_NODE_OPTIONS } from '../../scripts/bundle-report/deployed.js';
import { type Synthesized, synth } from './synth.js';

let s: Synthesized;

beforeAll(() => {
  s = synth({
    context: {
      jwtIssuer: 'https://auth.acme.com/',
      jwtAudience: 'for-review-api',
      sesIdentities: 'acme.com',
    },
  });
}, 120_000);

describe('the bundle report measures the deployed configuration', () => {
  it('runs bundles with the NODE_OPTIONS every deployed function has', () => {
    const lambdas = Object.values(s.statelessTemplate.findResources('AWS::Lambda::Function')).filter(
      (resource) => resource.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME !== undefined,
    );

    expect(lambdas).toHaveLength(functions.length);
    for (const lambda of lambdas)
      expect(lambda.Properties.Environment.Variables.NODE_OPTIONS).toBe(RUNTIME_NODE_OPTIONS);
  });

  it("bundles with the esbuild options of the stack's BUNDLING", () => {
    const { options, extension } = esbuildOptionsOf(BUNDLING);

    expect(extension).toBe('.mjs');
    expect(options).toMatchObject({
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: NODE_TARGET,
      minify: true,
      sourcemap: 'linked',
      sourcesContent: false,
      mainFields: MAIN_FIELDS,
      banner: { js: ESM_REQUIRE_BANNER },
    });
    expect(options.external).toBeUndefined();
  });

  it('refuses a bundling option it does not know how the CDK passes on, rather than ignore it', () => {
    expect(() => esbuildOptionsOf({ ...BUNDLING, nodeModules: ['sharp'] })).toThrow(/nodeModules/);
    expect(() => esbuildOptionsOf({ ...BUNDLING, bundleAwsSDK: false })).toThrow(/bundleAwsSDK/);
  });

  it('follows the source map mode', () => {
    expect(esbuildOptionsOf({ ...BUNDLING, sourceMap: false }).options.sourcemap).toBe(false);
    expect(esbuildOptionsOf({ ...BUNDLING, sourceMapMode: SourceMapMode.INLINE }).options.sourcemap).toBe(
      'inline',
    );
  });
});
