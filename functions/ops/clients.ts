import { clientsFor, type AwsClients, type ClientRetryOptions, type StaticCredentials } from '../core/clients';

/**
 * The clients the operations routes and the orphan report read with, for a region (reused like every function's:
 * core/clients.ts clientsFor), under `credentials` or the default chain.
 *
 * A drift check or an inventory reads a few dozen Describes at once, from buckets the account shares with every other
 * workload (EC2 and ELB throttle per account and region); AWS's advice for throttling is to back off and retry
 * (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html). Every client resends a throttled read
 * with full-jitter backoff for core/retry-strategy.ts THROTTLE_BUDGET_WITHOUT_SCOPE_MS (20 s) from its first attempt
 * (these functions run outside a step's invocation scope), inside API Gateway's 29 s timeout, so a busy account
 * answers a little later instead of a 503. These routes only read: a repeated request changes nothing.
 *
 * `retry`: the local runtime's simulated clock and time scale, so that the budget and the backoffs run on simulated time.
 */
export function readClientsFor(
  env: Record<string, string | undefined>,
  credentials?: StaticCredentials,
  retry?: ClientRetryOptions,
): (region: string) => AwsClients {
  return (region) => clientsFor(region, env, credentials, { retry });
}
