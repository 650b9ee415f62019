import { defineConfig } from 'vitest/config';

/**
 * One DynamoDB Local and one local SES per run, started by test/support/global-setup.ts and handed to
 * the tests with `inject` (see test/support/endpoints.ts). Each test file runs in its own process.
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'cdk.out/**', '.local/**', 'coverage/**', '.bench/**'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    // One DynamoDB Local per worker (test/support/global-setup.ts TEST_WORKERS).
    maxWorkers: 2,
    // Guards against a hang, not a speed check: a file waits on its DynamoDB Local behind the other file.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    teardownTimeout: 30_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
