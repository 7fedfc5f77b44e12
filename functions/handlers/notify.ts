import { Logger } from '@aws-lambda-powertools/logger';
import type { PricingClient } from '@aws-sdk/client-pricing';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { regionOfArn } from '../core/execution-ids';
import { plan } from '../core/plan';
import { createSecretsManagerClient } from '../core/service-clients';
import { actionNeededMessage, isActionNeeded, type ActionNeededEvent } from '../notify/action-needed';
import { FINAL_STATUSES, slackMessage, summarize, type ExecutionStatusChange, type SlackMessage } from '../notify/message';
import {
  postToSlack,
  secretsManagerWebhookResolver,
  SLACK_TIMEOUT_MS,
  type FetchLike,
  type NotifyLogger,
  type PostResult,
} from '../notify/webhook';
import { estimateCost } from '../ops/estimate';
import { estimateBuildText, estimateTimeoutMs, type EstimateBuild } from '../ops/estimate-build';
import { createPricingClient } from '../ops/pricing-client';

/**
 * EventBridge "Step Functions Execution Status Change" → a Slack message; and, invoked by the build's own
 * workflow, what a running build needs a person to do (notify/action-needed.ts). Only final statuses post
 * (SUCCEEDED, FAILED, TIMED_OUT, ABORTED): a "started" message for every build would bury the results, and
 * the POST /builds caller already knows it started. This function never throws: a notification must
 * never change a build's result, and a throw would make Lambda's async retries post the message again.
 */
export interface NotifyDeps {
  /** Default: Secrets Manager GetSecretValue of env SLACK_WEBHOOK_SECRET_ID (the URL, or JSON {url}). */
  resolveWebhookUrl?: () => Promise<string | undefined>;
  /** Default: the global fetch. */
  fetch?: FetchLike;
  logger?: NotifyLogger;
  /** Default 5000 ms. */
  timeoutMs?: number;
  /**
   * A succeeded build's cost estimate (docs/design.md "12.2 Cost estimate"). Default: the build's plan priced by
   * the Price List Query API (needs pricing:GetProducts). A failure, or no answer in time, only makes the message
   * say the estimate is unavailable.
   */
  estimate?: EstimateBuild;
  /**
   * The most the estimate may take. Default ESTIMATE_TIMEOUT_MS (10 s); less when the invocation has less time
   * left (see `estimateTimeoutMs`).
   */
  estimateTimeoutMs?: number;
}

/** The part of the Lambda context the handler reads: how long the invocation has left. */
export interface NotifyInvocation {
  getRemainingTimeInMillis(): number;
}

/** Kept free after the Slack post's own timeout: composing the message, logging and returning take well under this. */
export const NOTIFY_MARGIN_MS = 1_000;

export function createNotifyHandler(deps: NotifyDeps = {}) {
  const logger: NotifyLogger = deps.logger ?? new Logger({ serviceName: 'k8s-ec2-builder', persistentKeys: { function: 'notify' } });
  let secrets: SecretsManagerClient | undefined;
  const resolveWebhookUrl =
    deps.resolveWebhookUrl ??
    secretsManagerWebhookResolver(
      process.env.SLACK_WEBHOOK_SECRET_ID,
      () =>
        (secrets ??= createSecretsManagerClient(process.env.AWS_REGION ?? regionOfArn(process.env.SLACK_WEBHOOK_SECRET_ID) ?? 'us-east-1')),
      logger,
    );
  const fetchFn: FetchLike = deps.fetch ?? ((url, init) => fetch(url, init));
  let pricing: PricingClient | undefined;
  const estimate: EstimateBuild =
    deps.estimate ?? ((spec, buildId) => estimateCost((pricing ??= createPricingClient()), plan(spec, buildId)));

  /**
   * Posts one message; `draft` and its `message` run inside the guard, so nothing they throw escapes either. The
   * message is composed only when there is a webhook to post it to: a success message asks AWS for prices.
   */
  const post = async (
    draft: () => { keys: Record<string, string>; message: () => SlackMessage | Promise<SlackMessage> },
  ): Promise<PostResult> => {
    try {
      const { keys, message } = draft();
      const url = await resolveWebhookUrl();
      if (!url) {
        logger.info('no webhook configured; not posting', keys);
        return { posted: false, reason: 'no-webhook' };
      }
      const result = await postToSlack(url, await message(), { fetch: fetchFn, logger, timeoutMs: deps.timeoutMs });
      logger.info('notification handled', { ...keys, posted: result.posted });
      return result;
    } catch (error) {
      logger.error('notification failed', { errorName: (error as Error)?.name ?? 'Error' });
      return { posted: false, reason: 'internal-error' };
    }
  };

  return async (event: ExecutionStatusChange | ActionNeededEvent, context?: NotifyInvocation): Promise<PostResult> => {
    // A running build's request to a person, invoked by the build's own workflow.
    if (isActionNeeded(event))
      return post(() => ({ keys: { buildId: event.buildId, kind: event.kind }, message: () => actionNeededMessage(event) }));
    const detail = event?.detail;
    if (!detail?.executionArn || !detail.status) {
      logger.warn('not an execution status change event; ignored', { detailType: event?.['detail-type'] });
      return { posted: false, reason: 'not-an-execution-event' };
    }
    if (!FINAL_STATUSES.has(detail.status)) return { posted: false, reason: 'not-final' };
    return post(() => {
      const summary = summarize(detail);
      const keys = { buildId: summary.buildId, kind: summary.kind, status: summary.status };
      // Only a build that stands has a running cost: a failed build was rolled back, a teardown removed it.
      if (summary.kind !== 'build' || detail.status !== 'SUCCEEDED') return { keys, message: () => slackMessage(summary) };
      const message = async () => {
        // Read when the estimate starts, after the secret read: the Slack post that follows must still fit.
        const reserveMs = (deps.timeoutMs ?? SLACK_TIMEOUT_MS) + NOTIFY_MARGIN_MS;
        const timeoutMs = estimateTimeoutMs(context?.getRemainingTimeInMillis(), reserveMs, deps.estimateTimeoutMs);
        const cost = await estimateBuildText(parseInput(detail.input), summary.buildId, estimate, timeoutMs);
        if ('unavailable' in cost) logger.warn('cost estimate unavailable', { ...keys, reason: cost.unavailable });
        return slackMessage(summary, cost);
      };
      return { keys, message };
    });
  };
}

/** The execution's input as JSON; anything else reads as no input (the estimate then says why it is missing). */
function parseInput(input: string | null | undefined): unknown {
  try {
    return input ? (JSON.parse(input) as unknown) : undefined;
  } catch {
    return undefined;
  }
}

export const handler = createNotifyHandler();
