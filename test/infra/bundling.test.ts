import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { HandlerFunction, STEP_TIMEOUT } from '../../infra/functions';

/**
 * Real esbuild bundling (no Docker) of one handler with the exact settings every function uses. The
 * template tests skip bundling for speed; `cdk synth` bundles all of them.
 */
describe('handler bundling', () => {
  let bundle: string;
  let outdir: string;

  beforeAll(() => {
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-ec2-bundle-'));
    const app = new App({ outdir, builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'Bundle');
    new HandlerFunction(stack, 'Preflight', {
      handler: 'preflight',
      description: 'bundling test',
      timeout: STEP_TIMEOUT,
      logRetention: RetentionDays.ONE_DAY,
    });
    const assembly = app.synth();
    const assetDir = fs
      .readdirSync(assembly.directory)
      .find((d) => d.startsWith('asset.') && fs.existsSync(path.join(assembly.directory, d, 'index.js')));
    bundle = path.join(assembly.directory, assetDir!, 'index.js');
  }, 60_000);

  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  it('writes one minified CommonJS file with the AWS SDK inside (nothing left external)', () => {
    const code = fs.readFileSync(bundle, 'utf8');
    expect(code.length).toBeGreaterThan(100_000);
    expect(code).toContain('DescribeAvailabilityZones');
    // The one SDK require left is the optional CRT signer (SigV4a only), which the SDK loads in a try/catch.
    const external = [...new Set(code.match(/require\("@aws-sdk\/[^"]+"\)/g) ?? [])];
    expect(external.filter((r) => r !== 'require("@aws-sdk/signature-v4-crt")')).toEqual([]);
    // Unminified esbuild output marks each input with a `// node_modules/…` comment.
    expect(code).not.toContain('// node_modules/');
    expect(code.length).toBeLessThan(2_500_000);
  });

  it('keeps error class names, which Step Functions Retry/Catch match on', async () => {
    const { handler } = (await import(bundle)) as { handler: (event: unknown) => Promise<unknown> };
    // No build id: the step wrapper rejects the input (a workflow contract error) before touching AWS.
    await expect(handler({ spec: {} })).rejects.toMatchObject({ name: 'WorkflowContractError' });
  });
});
