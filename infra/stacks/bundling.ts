/**
 * How every Lambda function is bundled. `scripts/bundle-report.ts` builds with the very same settings, so
 * the sizes it reports are the sizes that ship.
 */
import { fileURLToPath } from 'node:url';
import { type BundlingOptions, LogLevel, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';

/** Repository root (this file is infra/stacks/bundling.ts). */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** esbuild target matching `Runtime.NODEJS_22_X`. */
export const NODE_TARGET = 'node22';

/** ESM output still meets CommonJS dependencies that call `require`; give them one. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/** Prefer packages' ESM builds (the AWS SDK ships both): smaller bundles, better tree shaking. */
export const MAIN_FIELDS = ['module', 'main'];

export const BUNDLING: BundlingOptions = {
  format: OutputFormat.ESM,
  target: NODE_TARGET,
  banner: ESM_REQUIRE_BANNER,
  mainFields: MAIN_FIELDS,
  minify: true,
  sourceMap: true,
  // Stack traces need the mappings, not the sources: without their text the maps are a third of the size, and
  // `--enable-source-maps` reads and parses the map at every cold start (docs/performance.md).
  sourcesContent: false,
  // Ship the pinned AWS SDK version from package-lock.json instead of whatever the runtime carries.
  bundleAwsSDK: true,
  logLevel: LogLevel.WARNING,
};
