import type { Node } from 'constructs';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

/**
 * Deployment settings, read from CDK context (`cdk.json` holds the defaults; override with
 * `cdk deploy -c key=value`). Nothing here is looked up in an AWS account, so `cdk synth` works offline.
 */
export interface InfraConfig {
  /**
   * Name of a Secrets Manager secret whose value is the Slack incoming-webhook URL.
   * @default - none: the notify function gets no secret, logs each event and skips Slack
   */
  slackWebhookSecretName?: string;
  /** @default 30 — days the Lambda, state machine and API access logs are kept */
  logRetentionDays: RetentionDays;
  /** @default 5 — steady-state requests per second for the whole API stage */
  apiThrottleRateLimit: number;
  /** @default 10 — burst of requests the API stage admits above the rate */
  apiThrottleBurstLimit: number;
  /**
   * Whether state machine logs include each state's input and output.
   * @default false — state input/output carries the build spec, IDs and artifacts; the Step Functions
   * console already shows them to people allowed to see executions, and keeping them out of CloudWatch
   * Logs keeps that data under the (narrower) `states:` permissions instead of everyone with log access.
   */
  includeExecutionData: boolean;
}

export const CONTEXT_KEYS = {
  slackWebhookSecretName: 'slackWebhookSecretName',
  logRetentionDays: 'logRetentionDays',
  apiThrottleRateLimit: 'apiThrottleRateLimit',
  apiThrottleBurstLimit: 'apiThrottleBurstLimit',
  includeExecutionData: 'stateMachineIncludeExecutionData',
} as const;

/** Reads and validates the context; a wrong value fails the synth with a message that says what to fix. */
export function readConfig(node: Node): InfraConfig {
  const raw = (key: string): unknown => node.tryGetContext(key);
  const secret = raw(CONTEXT_KEYS.slackWebhookSecretName);
  if (secret !== undefined && secret !== null && secret !== '' && typeof secret !== 'string') {
    throw new Error(
      `context ${CONTEXT_KEYS.slackWebhookSecretName} must be a secret name, e.g. -c ${CONTEXT_KEYS.slackWebhookSecretName}=k8s-ec2/slack-webhook`,
    );
  }
  const days = positiveNumber(raw(CONTEXT_KEYS.logRetentionDays), 30, CONTEXT_KEYS.logRetentionDays);
  if (!Object.values(RetentionDays).includes(days)) {
    throw new Error(
      `context ${CONTEXT_KEYS.logRetentionDays}=${days} is not a CloudWatch Logs retention; use one of 1, 3, 5, 7, 14, 30, 60, 90, 180, 365…`,
    );
  }
  return {
    slackWebhookSecretName: typeof secret === 'string' && secret !== '' ? secret : undefined,
    logRetentionDays: days,
    apiThrottleRateLimit: positiveNumber(raw(CONTEXT_KEYS.apiThrottleRateLimit), 5, CONTEXT_KEYS.apiThrottleRateLimit),
    apiThrottleBurstLimit: positiveNumber(raw(CONTEXT_KEYS.apiThrottleBurstLimit), 10, CONTEXT_KEYS.apiThrottleBurstLimit),
    includeExecutionData: bool(raw(CONTEXT_KEYS.includeExecutionData), false, CONTEXT_KEYS.includeExecutionData),
  };
}

// `-c key=value` on the command line always arrives as a string, cdk.json values as JSON: accept both.
function positiveNumber(value: unknown, fallback: number, key: string): number {
  if (value === undefined || value === null || value === '') return fallback;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`context ${key} must be a positive number, got ${JSON.stringify(value)}`);
  return n;
}

function bool(value: unknown, fallback: boolean, key: string): boolean {
  if (value === undefined || value === null || value === '') return fallback;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new Error(`context ${key} must be true or false, got ${JSON.stringify(value)}`);
}
