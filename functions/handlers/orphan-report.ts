import { Logger } from '@aws-lambda-powertools/logger';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { machinesFrom } from '../api/executions';
import type { AwsClients } from '../core/clients';
import { invocationScope, withinInvocation, type Clock, type DeadlinePolicy, type RemainingTime } from '../core/retry-scope';
import { readClientsFor } from '../ops/clients';
import { createSecretsManagerClient, createSfnClient } from '../core/service-clients';
import {
  postToSlack,
  secretsManagerWebhookResolver,
  SLACK_TIMEOUT_MS,
  type FetchLike,
  type NotifyLogger,
  type PostResult,
} from '../notify/webhook';
import { findOrphans } from '../ops/orphans';
import { orphanReportMessage } from '../ops/orphans-message';

/**
 * The daily orphan report (docs/design.md "12.4 Orphans and the sweep"), run by an EventBridge schedule whose
 * event it ignores: the orphans of the stack's region (AWS_REGION), with the state machines of
 * BUILD_STATE_MACHINE_ARN / TEARDOWN_STATE_MACHINE_ARN, posted to Slack as one message when there are any.
 * It never deletes: removing what may still matter to someone is a person's call (`k8s-ec2 sweep BUILD_ID`).
 * A failure to find them throws (nothing was posted, the schedule's retry is harmless, and Lambda's error
 * metric shows it); a failure to post is logged, never thrown, so a retry cannot post twice.
 */
export interface OrphanReportDeps {
  /** Default: the Lambda role's clients for the region (core/clients.ts). */
  clientsFor?: (region: string) => AwsClients;
  /** Default: one SFNClient for the region, endpoint from AWS_ENDPOINT_URL_SFN. */
  sfn?: SFNClient;
  /** Default: Secrets Manager GetSecretValue of env SLACK_WEBHOOK_SECRET_ID (the URL, or JSON {url}). */
  resolveWebhookUrl?: () => Promise<string | undefined>;
  /** Default: the global fetch. */
  fetch?: FetchLike;
  logger?: NotifyLogger;
  /** Default: process.env, read on each run. */
  env?: Record<string, string | undefined>;
  /** Default: the clock (orphan ages, and the deadline of the run's AWS calls: ORPHAN_REPORT_DEADLINE). */
  now?: () => number;
}

/**
 * How long the report may resend throttled calls (core/retry-scope.ts `invocationScope`): all its reads share one
 * deadline, the Lambda's remaining time less the margin, instead of 20 s each, so a throttled account fails the
 * run (the schedule's retry runs it again) rather than Lambda timing it out. The margin covers the Slack post
 * after the reads (SLACK_TIMEOUT_MS) and 5 s to read the webhook secret, log and return. Without a Lambda context
 * (a test, a script): the function's timeout, infra/functions.ts ORPHAN_REPORT_TIMEOUT (60 s).
 */
export const ORPHAN_REPORT_DEADLINE: DeadlinePolicy = { marginMs: SLACK_TIMEOUT_MS + 5_000, withoutContextMs: 60_000 };

export interface OrphanReportResult {
  region: string;
  orphans: number;
  resources: number;
  posted: boolean;
  reason?: string;
}

export function createOrphanReportHandler(deps: OrphanReportDeps = {}) {
  const logger: NotifyLogger = deps.logger ?? new Logger({ serviceName: 'k8s-ec2-builder', persistentKeys: { function: 'orphan-report' } });
  const env = () => deps.env ?? process.env;
  const clientsFor = deps.clientsFor ?? readClientsFor(env());
  let secrets: SecretsManagerClient | undefined;
  let sfn: SFNClient | undefined = deps.sfn;
  const resolveWebhookUrl =
    deps.resolveWebhookUrl ??
    secretsManagerWebhookResolver(
      env().SLACK_WEBHOOK_SECRET_ID,
      () => (secrets ??= createSecretsManagerClient(env().AWS_REGION ?? 'us-east-1', env())),
      logger,
    );
  const fetchFn: FetchLike = deps.fetch ?? ((url, init) => fetch(url, init));
  const now = deps.now ?? (() => Date.now());
  const clock: Clock = { now };

  // The schedule's event is ignored; the context gives the deadline of the run's AWS calls.
  return (_event?: unknown, context?: RemainingTime): Promise<OrphanReportResult> =>
    withinInvocation(invocationScope(clock, context, logger, ORPHAN_REPORT_DEADLINE), () => report());

  async function report(): Promise<OrphanReportResult> {
    const machines = machinesFrom(env());
    const region = env().AWS_REGION ?? machines.build.region;
    sfn ??= createSfnClient(machines.build.region, env());
    const groups = await findOrphans(clientsFor(region), sfn, machines, now());
    const summary = { region, orphans: groups.length, resources: groups.reduce((n, g) => n + g.resources.length, 0) };
    logger.info('orphans found', { ...summary, buildIds: groups.map((g) => g.buildId) });
    if (!groups.length) return { ...summary, posted: false, reason: 'no-orphans' };
    const url = await resolveWebhookUrl();
    if (!url) {
      logger.info('no webhook configured; not posting', summary);
      return { ...summary, posted: false, reason: 'no-webhook' };
    }
    const posted: PostResult = await postToSlack(url, orphanReportMessage(region, groups), { fetch: fetchFn, logger });
    return { ...summary, posted: posted.posted, ...(posted.reason && { reason: posted.reason }) };
  }
}

export const handler = createOrphanReportHandler();
