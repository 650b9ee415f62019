/**
 * npm run soak [-- --seed N --operations N --crash-rate R --min-crashes N]: the crash soak (docs/crash-soak.md) on a
 * DynamoDB Local and a local SES of its own. Prints the figures and every crash point × operation with how often it
 * was passed and fired; exits 1 on any invariant violation, on fewer crashes than --min-crashes, or when a point an
 * operation passed never fired in it.
 */
import { parseArgs } from 'node:util';
import { startDynamoDbLocal } from '../../infra/local/dynamodb-local.js';
import { startSesLocal } from '../../infra/local/ses-local.js';

async function main(): Promise<number> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  const { values } = parseArgs({
    options: {
      seed: { type: 'string', default: String(Math.floor(Math.random() * 2 ** 31)) },
      operations: { type: 'string', default: '3000' },
      'crash-rate': { type: 'string', default: '0.45' },
      'min-crashes': { type: 'string', default: '500' },
      verbose: { type: 'boolean', default: false },
    },
  });
  const seed = Number(values.seed);
  const operations = Number(values.operations);
  const crashRate = Number(values['crash-rate']);
  const minCrashes = Number(values['min-crashes']);
  if (![seed, operations, minCrashes].every(Number.isInteger) || !(crashRate >= 0 && crashRate <= 1))
    throw new Error('--seed, --operations, --min-crashes: whole numbers; --crash-rate: between 0 and 1');

  // After the environment is set: the logger reads its level when it is loaded.
  const { runSoak } = await import('./soak.js');
  const [dynamodb, ses] = await Promise.all([startDynamoDbLocal(), startSesLocal()]);
  try {
    console.log(`crash soak: seed ${seed}, ${operations} operations, crash rate ${crashRate}`);
    const report = await runSoak({
      dynamodbEndpoint: dynamodb.endpoint,
      sesEndpoint: ses.endpoint,
      seed,
      operations,
      crashRate,
      ...(values.verbose ? { log: (line: string) => console.log(line) } : {}),
      progress: (done, crashes) => console.log(`${done} operations, ${crashes} crashes`),
    });
    console.log('\noperation × crash point: passes / fired');
    for (const [pair, { passes, fired }] of [...report.coverage].sort(([a], [b]) => a.localeCompare(b)))
      console.log(`  ${pair.padEnd(48)} ${String(passes).padStart(7)} ${String(fired).padStart(5)}`);
    console.log(
      `\n${report.operations} operations, ${report.crashes} crashes, ${report.coverage.size} operation × point pairs` +
        ` (${report.unfired.length} never fired), ${report.items} items, ${report.emails} emails sent,` +
        ` ${report.events} events committed, ${(report.ms / 1000).toFixed(0)} s`,
    );
    for (const violation of report.violations) console.log(`VIOLATION ${violation}`);
    for (const pair of report.unfired) console.log(`never fired: ${pair}`);
    const ok = report.violations.length === 0 && report.crashes >= minCrashes && report.unfired.length === 0;
    console.log(ok ? 'PASS' : 'FAIL');
    return ok ? 0 : 1;
  } finally {
    await Promise.allSettled([dynamodb.stop(), ses.stop()]);
  }
}

process.exitCode = await main();
