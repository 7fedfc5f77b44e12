import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The `k8s-ec2` executable as installed by `npm ci --omit=dev`: a plain `node cli/bin.js` (no tsx flag, no
 * NODE_OPTIONS) under omit-dev.mjs, which makes every package that package-lock.json installs only for the
 * devDependencies fail to resolve. A dev dependency needed at run time fails these tests.
 */
const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'cli', 'bin.js');
const WITHOUT_DEV_DEPENDENCIES = ['--import', join(__dirname, 'omit-dev.mjs')];

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs node with `args` from `cwd`, calling `onStdout` with all the output so far as it grows. */
function node(args: string[], cwd: string, onStdout?: (stdout: string, child: { kill(signal: NodeJS.Signals): void }) => void) {
  const env = { ...process.env };
  for (const name of ['NODE_OPTIONS', 'TSX_TSCONFIG_PATH', 'K8S_EC2_API']) delete env[name];
  return new Promise<Exit>((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      onStdout?.(stdout, child);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('k8s-ec2 without the dev dependencies (npm ci --omit=dev)', () => {
  it('omit-dev.mjs really hides a dev dependency, from require() and import()', async () => {
    for (const load of ["require('typescript')", "import('typescript').catch((e) => { console.error(e.message); process.exit(1); })"]) {
      const result = await node([...WITHOUT_DEV_DEPENDENCIES, '-e', load], ROOT);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(
        "Cannot find module 'typescript': node_modules/typescript is installed only with the dev dependencies",
      );
    }
  });

  it('k8s-ec2 --help prints the usage and exits 0, from any directory', async () => {
    const result = await node([...WITHOUT_DEV_DEPENDENCIES, BIN, '--help'], tmpdir());

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: k8s-ec2 \[options\] \[command\]/);
    for (const command of ['local', 'build', 'status', 'list', 'destroy', 'artifacts']) expect(result.stdout).toContain(`\n  ${command} `);
  });

  it('k8s-ec2 local says it needs the development install (its emulators, one AGPL, are dev dependencies), exit 1', async () => {
    const result = await node([...WITHOUT_DEV_DEPENDENCIES, BIN, 'local', '--port', '0'], tmpdir());

    expect(result.stderr).toMatch(
      /^✗ k8s-ec2 local runs the embedded cloud, which needs the development dependencies \(.+ is not installed\): install with `npm ci`/,
    );
    expect(result.code).toBe(1);
  });

  it('k8s-ec2 local starts the embedded stack and stops on Ctrl+C in a development install', async () => {
    let interrupted = false;
    const result = await node([BIN, 'local', '--port', '0'], tmpdir(), (stdout, child) => {
      // Once: a second Ctrl+C ends the process without waiting for the stack to close.
      if (interrupted || !stdout.includes('Press Ctrl+C to stop.')) return;
      interrupted = true;
      child.kill('SIGINT');
    });

    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/k8s-ec2 local stack listening on http:\/\/127\.0\.0\.1:\d+/);
    expect(result.stdout).toMatch(/local stack stopped\n$/);
    expect(result.code).toBe(0);
  });

  it("loads every handler the embedded stack's Step Functions tasks run (required by name as builds run)", async () => {
    const handlers = readdirSync(join(ROOT, 'functions', 'handlers')).filter((file) => file.endsWith('.ts'));
    const load = `import('tsx').then(() => {
      for (const file of ${JSON.stringify(handlers)}) require('./functions/handlers/' + file);
      console.log('loaded', ${handlers.length});
    })`;

    const result = await node([...WITHOUT_DEV_DEPENDENCIES, '-e', load], ROOT);

    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(`loaded ${handlers.length}\n`);
    expect(result.code).toBe(0);
  });
});
