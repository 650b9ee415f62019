/**
 * What the deployed bundles carry, read from esbuild's metafile with the stack's own bundling settings
 * (scripts/bundle-report/deployed.ts): dead weight found once stays out.
 */
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { entryOf, functions } from '../../infra/manifest.js';
import { PROJECT_ROOT } from '../../infra/stacks/bundling.js';
import { esbuildOptionsOf } from '../../scripts/bundle-report/deployed.js';

const VALIDATION_LIBRARIES = ['zod', 'zod-to-json-schema', 'ajv', 'ajv-formats', '@cfworker/json-schema'];

/** The packages (and their bundled bytes) in a function's deployed bundle. */
async function packagesOf(name: string): Promise<Map<string, number>> {
  const fn = functions.find((f) => f.name === name);
  if (!fn) throw new Error(`No function ${name} in the manifest`);
  const { options, extension } = esbuildOptionsOf();
  const result = await build({
    ...options,
    entryPoints: [join(PROJECT_ROOT, entryOf(fn))],
    outfile: join(PROJECT_ROOT, '.bundle-contents', `${name}${extension}`),
    write: false,
    metafile: true,
  });
  const packages = new Map<string, number>();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
      const pkg = path.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//)?.[1];
      if (pkg && bytesInOutput > 0) packages.set(pkg, (packages.get(pkg) ?? 0) + bytesInOutput);
    }
  }
  return packages;
}

describe('deployed bundles', () => {
  it('health bundles no validation library (it validates nothing)', async () => {
    const packages = await packagesOf('health');
    expect([...packages.keys()].filter((pkg) => VALIDATION_LIBRARIES.includes(pkg))).toEqual([]);
    // The probe is real: the same build does carry the SDK client health calls.
    expect(packages.get('@aws-sdk/client-dynamodb')).toBeGreaterThan(0);
  });

  it('no function carries the event catalog or the schemas of the events out (only scripts, the local runtime, CDK and tests use them)', async () => {
    const { options } = esbuildOptionsOf();
    const result = await build({
      ...options,
      entryPoints: functions.map((fn) => join(PROJECT_ROOT, entryOf(fn))),
      outdir: join(PROJECT_ROOT, '.bundle-contents'),
      write: false,
      metafile: true,
    });
    const inputs = (name: string) =>
      Object.entries(result.metafile.outputs)
        .filter(([, output]) => output.entryPoint?.endsWith(`functions/${name}.ts`))
        .flatMap(([, output]) => Object.keys(output.inputs));
    // The probe sees the project's own modules: the outbox publisher carries the out events' module.
    expect(inputs('publish-outbox')).toContain('shared/events/out-events.ts');
    for (const fn of functions)
      expect(
        inputs(fn.name).filter((path) => /shared\/events\/(catalog|out-schemas)\.ts$/.test(path)),
        fn.name,
      ).toEqual([]);
  });

  it('a function that validates does carry zod (the probe above can see it)', async () => {
    expect((await packagesOf('get-review-item')).get('zod')).toBeGreaterThan(0);
  });
});
