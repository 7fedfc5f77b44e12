import { execFileSync } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';

/**
 * Bundles each Lambda handler the way infra/ does (esbuild, minified, `mainFields: module,main`, Node 22
 * target, SDK bundled) and measures its size and cold `require` time in a fresh Node process.
 */
export interface BundleFigure {
  bytes: number;
  requireMs: number;
}

const REQUIRE_RUNS = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export function measureBundles(handlers: string[]): Record<string, BundleFigure> {
  const outdir = mkdtempSync(join(tmpdir(), 'k8s-ec2-bundles-'));
  const figures: Record<string, BundleFigure> = {};
  for (const name of handlers) {
    const outfile = join(outdir, `${name}.js`);
    buildSync({
      entryPoints: [join('functions/handlers', `${name}.ts`)],
      outfile,
      bundle: true,
      minify: true,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      mainFields: ['module', 'main'],
      keepNames: true, // as infra/ bundles them: Step Functions matches errors by class name
      logLevel: 'error',
    });
    const script = `const t=process.hrtime.bigint();require(${JSON.stringify(outfile)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
    const runs = Array.from({ length: REQUIRE_RUNS }, () =>
      Number(execFileSync(process.execPath, ['-e', script], { env: { ...process.env, AWS_REGION: 'ap-northeast-2' } }).toString()),
    );
    figures[name] = { bytes: statSync(outfile).size, requireMs: Math.round(median(runs) * 10) / 10 };
  }
  return figures;
}
