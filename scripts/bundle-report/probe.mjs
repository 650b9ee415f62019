// One cold start, in a fresh node process started by scripts/bundle-report.ts the way Lambda starts one (plain
// node, NODE_OPTIONS as deployed): import the bundle, invoke its handler once with the event read from stdin,
// and write what it cost to file descriptor 3 as JSON. Plain JavaScript, so nothing but node runs here.
//
//   node probe.mjs <bundle.mjs> < event.json
//
// Times: wall clock (performance.now) and CPU time of the whole process (process.cpuUsage: user + system,
// every thread), each for the import and for the first invocation.
import { readFileSync, writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const bundle = process.argv[2];
const event = JSON.parse(readFileSync(0, 'utf8'));
const probeStarted = Date.now();
const context = {
  functionName: 'bundle-report',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bundle-report',
  memoryLimitInMB: '512',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  logGroupName: '/aws/lambda/bundle-report',
  logStreamName: '2026/01/01/[$LATEST]bundle-report',
  callbackWaitsForEmptyEventLoop: true,
  // Counts down as Lambda's does (a job that loops for its invocation, execute-held-items, stops after one pass).
  getRemainingTimeInMillis: () => Math.max(0, 6_000 - (Date.now() - probeStarted)),
  done() {},
  fail() {},
  succeed() {},
};

const cpuMs = (usage) => (usage.user + usage.system) / 1000;

const cpu0 = process.cpuUsage();
const t0 = performance.now();
const { handler } = await import(pathToFileURL(bundle).href);
const t1 = performance.now();
const cpu1 = process.cpuUsage();

let outcome;
try {
  const result = await handler(event, context);
  outcome =
    result && typeof result === 'object' && 'statusCode' in result
      ? String(result.statusCode)
      : result && typeof result === 'object' && Array.isArray(result.batchItemFailures)
        ? `${result.batchItemFailures.length === 0 ? 'ok' : 'batch failures'}`
        : 'ok';
} catch (error) {
  outcome = `threw ${error?.name ?? typeof error}`;
}
const t2 = performance.now();
const cpu2 = process.cpuUsage();

writeSync(
  3,
  JSON.stringify({
    importMs: t1 - t0,
    invokeMs: t2 - t1,
    importCpuMs: cpuMs(cpu1) - cpuMs(cpu0),
    invokeCpuMs: cpuMs(cpu2) - cpuMs(cpu1),
    outcome,
  }),
);
process.exit(0);
