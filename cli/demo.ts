import { Command, InvalidArgumentError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { messageText, type SlackMessage } from '../local/api/slack-sink';
import { findLeftovers } from '../local/leftovers';
import { STEP_FUNCTIONS } from '../workflows/steps';
import { run } from './k8s-ec2';
import { aborted, withInterrupt } from './interrupt';

/**
 * `npm start`: the main job on a fresh machine. Starts the embedded stack, plans the spec (resources, preflight,
 * cost), builds it with live progress, prints the outputs and the Slack message, checks it for drift, writes
 * the artifacts to out/<build-id>/, then destroys the build and shows that nothing tagged with it is left (`--keep` keeps it, and the stack, up
 * until Ctrl+C). Every step goes through the same CLI commands a user would type. Exits non-zero if any fails.
 */
interface DemoOptions {
  spec: string;
  timeScale: number;
  keep?: boolean;
}

function parseScale(value: string): number {
  const scale = Number(value);
  if (!Number.isFinite(scale) || scale <= 0) throw new InvalidArgumentError('a positive number');
  return scale;
}

/** The whole Slack message (every block's text), framed, so the hand-off reads as the channel would show it. */
function slackBox(message: SlackMessage): string {
  const lines = [
    ...new Set(
      messageText(message)
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
    ),
  ];
  return [`┌ Slack message (${message.receivedAt})`, ...lines.map((l) => `│ ${l}`), '└'].join('\n');
}

async function demo(options: DemoOptions): Promise<number> {
  const io = { stdout: process.stdout, stderr: process.stderr };
  const say = (line = '') => process.stdout.write(`${line}\n`);
  const { startLocalStack } = await import('../local/stack');
  // On the event clock (docs/design.md "13.6"): the durations it reports (the Slack message's) are simulated ones.
  const stack = await startLocalStack({ timeScale: options.timeScale, time: 'events', onSlackMessage: (m) => say(slackBox(m)) });
  const cli = (...args: string[]) => run([...args, '--api', stack.url], io, { pollIntervalMs: 100 });
  try {
    say(`Embedded AWS (EC2, ELBv2, Step Functions, API, Slack sink) on ${stack.url}, time ×${options.timeScale}`);
    if (stack.cloud)
      say(`IAM enforced: each step runs under its own role (${Object.keys(STEP_FUNCTIONS).length} roles from infra/permissions.ts)\n`);
    else say();
    if ((await cli('plan', '--spec', options.spec)) !== 0) return 1;
    say();
    const built = await cli('build', '--spec', options.spec, '--follow');
    const buildId = stack.sfn.listExecutions(stack.buildStateMachineArn)[0]?.name;
    if (!buildId) return 1;
    await stack.slack.waitFor((m) => JSON.stringify(m.payload).includes(buildId));
    if (built !== 0) return built;
    say();
    if ((await cli('verify', buildId)) !== 0) return 1;
    if ((await cli('artifacts', buildId, '--out', `out/${buildId}`)) !== 0) return 1;
    if (options.keep) {
      say(`\nKept. The stack stays up on ${stack.url} (export K8S_EC2_API=${stack.url}); Ctrl+C to stop.`);
      await withInterrupt(undefined, aborted);
      return 0;
    }
    say();
    if ((await cli('destroy', buildId, '--follow')) !== 0) return 1;
    const spec = JSON.parse(readFileSync(options.spec, 'utf8')) as { name: string; region?: string };
    const left = await findLeftovers(buildId, spec.name, spec.region ?? 'ap-northeast-2', stack.endpoints, stack.operatorCredentials);
    const where = stack.cloud ? 'the embedded cloud' : stack.endpoints.AWS_ENDPOINT_URL_EC2;
    say(
      left.length === 0
        ? `\n✓ Nothing tagged k8s-ec2:build-id=${buildId} is left in ${where} (asked by EC2 DescribeTags and the NLB name).`
        : `\n✗ Still tagged with ${buildId}: ${left.join(', ')}`,
    );
    if (left.length > 0) return 1;
    return await cli('orphans');
  } finally {
    await stack.close();
  }
}

const program = new Command('npm start')
  .description('plan and build examples/seoul.json on the embedded cloud, verify it, hand over its artifacts, then tear it down')
  .option('--spec <file>', 'the build spec', 'examples/seoul.json')
  .addOption(new Option('--time-scale <x>', 'simulated seconds per real second').argParser(parseScale).default(60))
  .option('--keep', 'keep the build (and the local stack) instead of destroying it')
  .action(async (options: DemoOptions) => {
    process.exitCode = await demo(options);
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
