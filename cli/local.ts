import { messageText, type SlackMessage } from '../local/api/slack-sink';
import type { LocalStackOptions } from '../local/stack';
import { EXIT_FAILURE } from './errors';
import { aborted, withInterrupt } from './interrupt';

/** `k8s-ec2 local`: the embedded stack in the foreground, with its Slack messages printed as they arrive. */

/** The running stack: its API URL, and the embedded cloud's endpoint when it runs one (not with external endpoints). */
export interface RunningLocalStack {
  url: string;
  cloud?: { url: string };
  close(): Promise<void>;
}

export type StartLocalStack = (options: LocalStackOptions) => Promise<RunningLocalStack>;

export interface LocalCommandOptions {
  port: number;
  timeScale: number;
  out: (line?: string) => void;
  err: (line: string) => void;
  start?: StartLocalStack;
  interrupt?: AbortSignal;
}

/**
 * The message's `text` (Slack's own one-line notification fallback); the blocks repeat it field by field,
 * which reads well in Slack and not in a terminal. Only a message without `text` is flattened.
 */
export function slackLine(message: SlackMessage): string {
  const time = message.receivedAt.slice(11, 19);
  const text = message.payload.text?.trim() || messageText(message);
  return `[slack ${time}] ${text.split('\n').join('\n                 ')}`;
}

export async function runLocal(options: LocalCommandOptions): Promise<number> {
  const { out, err } = options;
  // Loaded only here: the embedded cloud is heavy and no other command needs it.
  const start = options.start ?? (await loadLocalStack(err));
  if (!start) return EXIT_FAILURE;
  let stack: RunningLocalStack;
  try {
    stack = await start({ port: options.port, timeScale: options.timeScale, onSlackMessage: (m) => out(slackLine(m)) });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    err(`✗ port ${options.port} on 127.0.0.1 is already in use (another k8s-ec2 local?): choose one with --port`);
    return EXIT_FAILURE;
  }
  // Printed once Ctrl+C is handled, so that it stops the stack as soon as the reader is told it will.
  await withInterrupt(options.interrupt, (signal) => {
    [
      `k8s-ec2 local stack listening on ${stack.url}  (time scale ×${options.timeScale}: one real second = ${options.timeScale} simulated seconds)`,
      '',
      'In another terminal:',
      `  export K8S_EC2_API=${stack.url}`,
      '  k8s-ec2 build --spec examples/seoul.json --follow',
      '  k8s-ec2 list',
      `  curl -s ${stack.url}/builds`,
      ...(stack.cloud ? cloudLines(stack.cloud.url) : []),
      '',
      'Slack messages are printed here as they arrive. Press Ctrl+C to stop.',
    ].forEach((line) => out(line));
    return aborted(signal);
  });
  out('stopping…');
  await stack.close();
  out('local stack stopped');
  return 0;
}

/**
 * How to reach the embedded cloud's AWS APIs with the AWS CLI: AWS_ENDPOINT_URL sends every service there
 * (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html); any credentials act as the
 * account's administrator, but the CLI wants some, and a region.
 */
function cloudLines(cloudUrl: string): string[] {
  return [
    '',
    'The embedded cloud (EC2, ELBv2, Service Quotas, IAM) for the AWS CLI:',
    `  export AWS_ENDPOINT_URL=${cloudUrl}`,
    '  export AWS_REGION=ap-northeast-2 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local',
    '  aws ec2 describe-transit-gateways',
  ];
}

/**
 * The embedded stack needs two development dependencies: aws-local-stepfunctions (its Step Functions) and
 * @cloud-copilot/iam-simulate (its IAM), which is AGPL-3.0: kept out of `npm ci --omit=dev` installs, so a
 * production install of the CLI carries no AGPL code. Without them `local` says so instead of a stack trace.
 */
async function loadLocalStack(err: (line: string) => void): Promise<StartLocalStack | undefined> {
  try {
    return (await import('../local/stack')).startLocalStack;
  } catch (error) {
    const missing = /Cannot find (?:module|package) '((?:@[^/']+\/)?[^/']+)/.exec((error as Error).message)?.[1];
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND' && !missing) throw error;
    err(
      `✗ k8s-ec2 local runs the embedded cloud, which needs the development dependencies (${missing ?? 'a package'} is not installed): ` +
        'install with `npm ci` (not --omit=dev)',
    );
    return undefined;
  }
}
