/**
 * What is deployed, as the bundle report reproduces it: the esbuild options the CDK's NodejsFunction derives
 * from `BUNDLING` (infra/stacks/bundling.ts), and the runtime flags the stack sets on every function
 * (infra/stacks/manifest-function.ts; test/infra/bundle-report.test.ts holds the two together).
 */
import type { BuildOptions } from 'esbuild';
import { BUNDLING } from '../../infra/stacks/bundling.js';

/** `NODE_OPTIONS` of every deployed function: stack traces through the source maps, paid for at import. */
export const RUNTIME_NODE_OPTIONS = '--enable-source-maps';

/** The `BundlingOptions` keys this mapping understands; any other key fails the report instead of being ignored. */
const KNOWN_KEYS = new Set([
  'format',
  'target',
  'banner',
  'footer',
  'mainFields',
  'minify',
  'sourceMap',
  'sourceMapMode',
  'sourcesContent',
  'bundleAwsSDK',
  'keepNames',
  'define',
  'loader',
  'logLevel',
]);

type Bundling = typeof BUNDLING;

/**
 * The esbuild build options for one entry, as aws-cdk-lib's bundling turns `bundling` into esbuild arguments
 * (`--platform=node --bundle --format --target --minify --sourcemap[=mode] --main-fields --banner:js ...`).
 */
export function esbuildOptionsOf(bundling: Bundling = BUNDLING): {
  options: BuildOptions;
  extension: string;
} {
  const unknown = Object.keys(bundling).filter((key) => !KNOWN_KEYS.has(key));
  if (unknown.length > 0)
    throw new Error(
      `scripts/bundle-report/deployed.ts does not know the bundling option(s) ${unknown.join(', ')}: teach it ` +
        'how the CDK passes them to esbuild, or the report would measure something else than what ships',
    );
  if (bundling.bundleAwsSDK !== true)
    throw new Error(
      'The report measures bundles that carry the AWS SDK (bundleAwsSDK: true): with the SDK left to the ' +
        'runtime, the SDK-only baseline would no longer be what spec 8 compares with',
    );
  const sourceMapEnabled = Boolean(bundling.sourceMapMode ?? bundling.sourceMap);
  const mode = bundling.sourceMapMode ?? 'default';
  const options: BuildOptions = {
    bundle: true,
    platform: 'node',
    format: bundling.format === 'esm' ? 'esm' : 'cjs',
    ...(bundling.target ? { target: bundling.target } : {}),
    minify: bundling.minify ?? false,
    // esbuild's `--sourcemap` with an outfile is 'linked': a .map file beside the bundle and a comment naming it.
    sourcemap: sourceMapEnabled ? (mode === 'default' ? 'linked' : mode) : false,
    sourcesContent: bundling.sourcesContent ?? true,
    ...(bundling.mainFields ? { mainFields: bundling.mainFields } : {}),
    ...(bundling.banner ? { banner: { js: bundling.banner } } : {}),
    ...(bundling.footer ? { footer: { js: bundling.footer } } : {}),
    ...(bundling.keepNames ? { keepNames: true } : {}),
    ...(bundling.define ? { define: bundling.define } : {}),
    ...(bundling.loader ? { loader: bundling.loader as BuildOptions['loader'] } : {}),
    // The report prints its own table; esbuild only speaks up on errors.
    logLevel: 'error',
  };
  // The CDK names the bundle index.mjs for ESM, index.js for CommonJS.
  return { options, extension: bundling.format === 'esm' ? '.mjs' : '.js' };
}
