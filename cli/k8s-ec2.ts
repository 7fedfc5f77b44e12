import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { ARTIFACT_NAMES, connect, type ApiClient, type FetchLike } from './api-client';
import { followBuild, isFinal, teardownOver } from './follow';
import { resultLines, summaryLines, tableLines, teardownResultLines } from './format';
import { EXIT_INTERRUPTED, reportError, UsageError } from './errors';
import { askOnTerminal, type Input } from './confirm';
import { orphansLines, verifyLines } from './format-operations';
import { planLines } from './format-plan';
import { sweep } from './sweep';
import { withInterrupt } from './interrupt';
import { runLocal, type StartLocalStack } from './local';
import { ProgressRenderer, type Writer } from './progress';
import { readSpecFile } from './spec-file';

export { ApiClient, ApiError, connect, isLoopbackUrl, MissingCredentials, regionFromHost } from './api-client';
export type {
  ApiClientOptions,
  ArtifactName,
  BuildAccepted,
  BuildList,
  BuildView,
  ConnectOptions,
  FetchLike,
  RequestSigner,
  StepView,
} from './api-client';
export { followBuild, FINAL_STATUSES, isFinal, teardownOver } from './follow';
export type { FollowOptions } from './follow';
export { formatDuration, ProgressRenderer, stepLine } from './progress';
export type { Writer } from './progress';
export { EXIT_INTERRUPTED, EXIT_USAGE } from './errors';

/** `k8s-ec2`: start builds of the cluster foundation, follow them, fetch their artifacts, tear them down. */

export const DEFAULT_API = 'http://127.0.0.1:8787';
const DEFAULT_LOCAL_PORT = 8787;

export interface CliIo {
  stdout: Writer;
  stderr: Writer;
}

/** What tests (and the orchestrator) replace; every field defaults to the real thing. */
export interface CliDeps {
  env?: NodeJS.ProcessEnv;
  fetch?: FetchLike;
  /** Credentials for SigV4 instead of the default provider chain. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Poll interval for --follow (default 1 s, 250 ms on loopback). */
  pollIntervalMs?: number;
  /** Ends `local` and stops a --follow (default: SIGINT/SIGTERM). */
  interrupt?: AbortSignal;
  startLocalStack?: StartLocalStack;
  now?: () => number;
  /** Answers `sweep`'s question instead of the user at the terminal (which reads `stdin`). */
  confirm?: (question: string) => Promise<boolean>;
  /** Where the terminal's answers come from (default process.stdin); not a TTY and no `confirm`: no one to ask. */
  stdin?: Input;
}

interface GlobalOptions {
  api: string;
  region?: string;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('a port is an integer from 0 to 65535.');
  return port;
}

function parseLimit(value: string): number {
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new InvalidArgumentError('the limit is a whole number from 1 to 100.');
  return limit;
}

function parseTimeScale(value: string): number {
  const scale = Number(value);
  if (!Number.isFinite(scale) || scale <= 0)
    throw new InvalidArgumentError('the time scale is a positive number (60 = a simulated minute per second).');
  return scale;
}

/**
 * Runs the CLI on `argv` (the arguments after the program name) and resolves with the exit code:
 * 0 success, 1 failure (API error, build not SUCCEEDED), 2 usage error, 130 interrupted.
 */
export async function run(argv: string[], io: CliIo, deps: CliDeps = {}): Promise<number> {
  const env = deps.env ?? process.env;
  const out = (line = '') => io.stdout.write(`${line}\n`);
  const err = (line: string) => io.stderr.write(`${line}\n`);
  let exitCode = 0;

  const program = new Command('k8s-ec2')
    .description('Build, follow and tear down the EC2 foundation of a self-managed Kubernetes cluster.')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(add --help for usage)')
    .option(
      '--api <url>',
      'API base URL; loopback = the local stack (unsigned), anything else is SigV4-signed',
      env.K8S_EC2_API ?? DEFAULT_API,
    )
    .option('--region <region>', 'signing region when the API host does not name one (default: from the host, then AWS_REGION)');

  const client = (command: Command): ApiClient => {
    const { api, region } = command.optsWithGlobals<GlobalOptions>();
    try {
      return connect(api, { region, credentials: deps.credentials, fetch: deps.fetch, env });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  };
  const pollInterval = (api: ApiClient) => deps.pollIntervalMs ?? (api.isLocal ? 250 : 1000);

  /** Follows with live progress and closes with the result; Ctrl+C stops watching, not the build. */
  const follow = async (api: ApiClient, buildId: string, what: 'build' | 'teardown', executionArn?: string): Promise<number> => {
    const teardown = what === 'teardown';
    const [until, close, success] = teardown
      ? [teardownOver(executionArn), teardownResultLines, 'DESTROYED']
      : [isFinal, resultLines, 'SUCCEEDED'];
    const renderer = new ProgressRenderer(io.stdout, { now: deps.now, steps: !teardown });
    const view = await withInterrupt(deps.interrupt, (signal) =>
      followBuild(api, buildId, { onUpdate: (v) => renderer.update(v), intervalMs: pollInterval(api), until, signal }),
    );
    if (!view) {
      out(`stopped following; build ${buildId} goes on. Check it with: k8s-ec2 status ${buildId}`);
      return EXIT_INTERRUPTED;
    }
    close(view).forEach((line) => out(line));
    return view.status === success ? 0 : 1;
  };

  program
    .command('local')
    .description('run the whole product on this machine (embedded cloud, Step Functions, API, Slack sink) until Ctrl+C')
    .addOption(new Option('--port <n>', 'port on 127.0.0.1').argParser(parsePort).default(DEFAULT_LOCAL_PORT))
    .addOption(new Option('--time-scale <x>', 'simulated seconds per real second').argParser(parseTimeScale).default(60))
    .action(async (options: { port: number; timeScale: number }) => {
      exitCode = await runLocal({ ...options, out, err, start: deps.startLocalStack, interrupt: deps.interrupt });
    });

  program
    .command('build')
    .description('start a build from a spec file (JSON); with --follow, show its progress until it ends')
    .requiredOption('--spec <file>', 'the build spec (see examples/seoul.json)')
    .option('--follow', 'show live progress; exit 0 only if the build SUCCEEDED')
    .option('--idempotency-key <key>', 'repeating the request with the same key returns the same build')
    .action(async (options: { spec: string; follow?: boolean; idempotencyKey?: string }, command: Command) => {
      const spec = await readSpecFile(options.spec);
      if (!spec.ok) {
        spec.errors.forEach((line) => err(`✗ ${options.spec}: ${line}`));
        exitCode = 1;
        return;
      }
      const api = client(command);
      const accepted = await api.createBuild(spec.body, { idempotencyKey: options.idempotencyKey });
      out(`Build ${accepted.buildId}: ${accepted.status}`);
      if (accepted.links?.console) out(`  console: ${accepted.links.console}`);
      if (!options.follow) {
        out(`  follow it: k8s-ec2 status ${accepted.buildId}   (or build --follow)`);
        return;
      }
      exitCode = await follow(api, accepted.buildId, 'build');
    });

  program
    .command('plan')
    .description('show what a build of a spec file would create, its preflight and its cost, without creating anything')
    .requiredOption('--spec <file>', 'the build spec (see examples/seoul.json)')
    .option('--json', 'print the API answer as JSON')
    .option('--idempotency-key <key>', 'show the build id that a build with this key would get')
    .action(async (options: { spec: string; json?: boolean; idempotencyKey?: string }, command: Command) => {
      const spec = await readSpecFile(options.spec);
      if (!spec.ok) {
        spec.errors.forEach((line) => err(`✗ ${options.spec}: ${line}`));
        exitCode = 1;
        return;
      }
      const answer = await client(command).plan(spec.body, { idempotencyKey: options.idempotencyKey });
      (options.json ? [JSON.stringify(answer, null, 2)] : planLines(answer)).forEach((line) => out(line));
      exitCode = answer.preflight.passed ? 0 : 1;
    });

  program
    .command('status')
    .description("show a build's status, steps and outputs")
    .argument('<id>', 'build id')
    .option('--json', 'print the API answer as JSON')
    .action(async (id: string, options: { json?: boolean }, command: Command) => {
      const view = await client(command).getBuild(id);
      if (options.json) out(JSON.stringify(view, null, 2));
      else summaryLines(view, (deps.now ?? Date.now)()).forEach((line) => out(line));
    });

  program
    .command('verify')
    .description('compare what a build made with what is there now (drift); exit 1 when anything differs')
    .argument('<id>', 'build id')
    .option('--json', 'print the API answer as JSON')
    .action(async (id: string, options: { json?: boolean }, command: Command) => {
      const answer = await client(command).verify(id);
      (options.json ? [JSON.stringify(answer, null, 2)] : verifyLines(answer)).forEach((line) => out(line));
      exitCode = answer.drift.length ? 1 : 0;
    });

  program
    .command('list')
    .description('list builds')
    .option('--json', 'print the API answer as JSON')
    .option('--next-token <token>', 'the next page, as given at the end of the previous one')
    .addOption(new Option('--limit <n>', 'builds per page (1–100; default 25)').argParser(parseLimit))
    .action(async (options: { json?: boolean; nextToken?: string; limit?: number }, command: Command) => {
      const page = await client(command).listBuilds({ nextToken: options.nextToken, limit: options.limit });
      if (options.json) return void out(JSON.stringify(page, null, 2));
      if (!page.builds.length) return void out('no builds');
      tableLines(page.builds).forEach((line) => out(line));
      if (page.nextToken) out(`more: k8s-ec2 list --next-token '${page.nextToken}'`);
    });

  program
    .command('destroy')
    .description('tear a build down (everything tagged with its build id); with --follow, until DESTROYED')
    .argument('<id>', 'build id')
    .option('--follow', 'show live progress; exit 0 only once DESTROYED')
    .action(async (id: string, options: { follow?: boolean }, command: Command) => {
      const api = client(command);
      const accepted = await api.destroyBuild(id);
      out(`Build ${accepted.buildId ?? id}: ${accepted.status}`);
      if (!options.follow) return void out(`  follow it: k8s-ec2 status ${id}   (or destroy --follow)`);
      exitCode = await follow(api, id, 'teardown', accepted.executionArn);
    });

  program
    .command('orphans')
    .description('list resources tagged as ours that no build accounts for any more')
    .option('--json', 'print the API answer as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const answer = await client(command).orphans();
      (options.json ? [JSON.stringify(answer, null, 2)] : orphansLines(answer)).forEach((line) => out(line));
    });

  program
    .command('sweep')
    .description('delete the orphaned resources of a build id (or of all), after asking; with --follow, until they are gone')
    .argument('[id]', 'build id, as k8s-ec2 orphans lists it')
    .option('--all', 'every orphaned build id')
    .option('--yes', 'delete without asking (needed when stdin is not a terminal)')
    .option('--follow', 'wait until each sweep ends; exit 0 only if nothing is left')
    .action(async (id: string | undefined, options: { all?: boolean; yes?: boolean; follow?: boolean }, command: Command) => {
      const api = client(command);
      const stdin = deps.stdin ?? process.stdin;
      const confirm =
        deps.confirm ?? (stdin.isTTY ? (question: string) => askOnTerminal(stdin, (text) => io.stdout.write(text), question) : undefined);
      const followTeardown = (buildId: string, executionArn: string) => follow(api, buildId, 'teardown', executionArn);
      exitCode = await sweep(
        { api, out, err, confirm, followTeardown, pollIntervalMs: pollInterval(api), interrupt: deps.interrupt },
        id,
        options,
      );
    });

  program
    .command('artifacts')
    .description(`write a build's ${ARTIFACT_NAMES.join(', ')} into a directory`)
    .argument('<id>', 'build id')
    .requiredOption('--out <dir>', 'directory to write to (created if missing)')
    .action(async (id: string, options: { out: string }, command: Command) => {
      const api = client(command);
      const texts = await Promise.all(ARTIFACT_NAMES.map((name) => api.getArtifact(id, name)));
      await mkdir(options.out, { recursive: true });
      for (const [i, name] of ARTIFACT_NAMES.entries()) {
        const path = join(options.out, name);
        await writeFile(path, texts[i]);
        out(path);
      }
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportError(error, err);
  }
}

export async function main(argv = process.argv.slice(2)): Promise<void> {
  // `k8s-ec2 list | head`: the reader went away, which is not an error of ours.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  process.exitCode = await run(argv, { stdout: process.stdout, stderr: process.stderr });
}

if (require.main === module) void main();
