import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../cli/k8s-ec2';
import { startCloud, type EmbeddedCloud } from '../../local/cloud';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { capture } from '../cli/capture';

/**
 * Issue 10's orphan scenario as a user meets it: a build runs on the embedded cloud, the local stack that ran it
 * (its Step Functions, its execution history) is killed with SIGKILL mid-build and started afresh. The
 * resources it made are still there, tagged; `k8s-ec2 orphans` finds them by tag alone, and
 * `k8s-ec2 sweep --all --yes` removes every one through the teardown workflow.
 *
 * The cloud runs in this process and outlives both stacks; the first stack is a real `k8s-ec2 local` process
 * pointed at it by the standard endpoint variables, so the kill takes its state machines and history with it.
 */
const ROOT = join(__dirname, '..', '..');
const TIME_SCALE = 100;
const NAME = 'e2e-orphan';
const saved = { ...process.env };
let cloud: EmbeddedCloud;
let child: ChildProcess | undefined;
let stack: LocalStack | undefined;

beforeAll(async () => {
  cloud = await startCloud({ port: 0, timeScale: TIME_SCALE });
});

afterAll(async () => {
  child?.kill('SIGKILL');
  await stack?.close();
  await cloud.close();
  process.env = saved;
});

/** The endpoint variables that send every client of a local stack to our cloud. */
function cloudEndpoints(): Record<string, string> {
  return Object.fromEntries(
    ['EC2', 'ELASTIC_LOAD_BALANCING_V2', 'SERVICE_QUOTAS', 'IAM', 'PRICING'].map((service) => [`AWS_ENDPOINT_URL_${service}`, cloud.url]),
  );
}

/** Starts `k8s-ec2 local` as its own process and resolves with its API URL once it listens. */
function startStackProcess(): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...cloudEndpoints() };
  for (const name of ['NODE_OPTIONS', 'TSX_TSCONFIG_PATH', 'K8S_EC2_API']) delete env[name];
  const proc = spawn(process.execPath, [join(ROOT, 'cli', 'bin.js'), 'local', '--port', '0', '--time-scale', String(TIME_SCALE)], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = proc;
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    proc.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
      if (url) resolve(url);
    });
    proc.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    proc.on('exit', (code) => reject(new Error(`k8s-ec2 local exited (${code}) before listening: ${stdout}${stderr}`)));
  });
}

/** Polls (real time, bounded) until `done` holds: the build runs in another process, on the cloud's scaled clock. */
async function until(what: string, done: () => boolean, limitMs = 60_000): Promise<void> {
  const started = Date.now();
  while (!done()) {
    if (Date.now() - started > limitMs) throw new Error(`still waiting for ${what} after ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function cli(url: string, ...argv: string[]) {
  const out = capture();
  const code = await run(argv, out.io, { env: { K8S_EC2_API: url }, pollIntervalMs: 50 });
  return { code, stdout: out.stdout, stderr: out.stderr };
}

it('a build whose stack was killed mid-build is listed by `orphans` and removed by `sweep --all --yes`', async () => {
  const firstUrl = await startStackProcess();
  const body = JSON.stringify({ ...(JSON.parse(readFileSync('examples/seoul.json', 'utf8')) as object), name: NAME });
  const accepted = await fetch(`${firstUrl}/builds`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  expect(accepted.status).toBe(202);
  const { buildId } = (await accepted.json()) as { buildId: string };

  // Mid-build: the nodes are launched, the build has not finished.
  await until('the nodes', () => cloud.resources(buildId).filter((r) => r.type === 'instance').length >= 6);
  child?.kill('SIGKILL');
  await new Promise((resolve) => child?.once('exit', resolve));
  child = undefined;
  const left = cloud.resources(buildId);
  expect(left.length).toBeGreaterThan(10);

  Object.assign(process.env, cloudEndpoints());
  stack = await startLocalStack({ timeScale: TIME_SCALE });
  expect(stack.cloud).toBeUndefined();

  const orphans = await cli(stack.url, 'orphans');
  expect(orphans.stderr).toBe('');
  expect(orphans.code).toBe(0);
  expect(orphans.stdout).toContain(buildId);
  expect(orphans.stdout).toContain('no execution found');

  const swept = await cli(stack.url, 'sweep', '--all', '--yes', '--follow');
  expect(swept.stderr).toBe('');
  expect(swept.code).toBe(0);
  expect(cloud.resources(buildId)).toEqual([]);

  const after = await cli(stack.url, 'orphans');
  expect(after.stdout).toContain('nothing orphaned');
}, 180_000);
