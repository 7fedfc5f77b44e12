import { clientsFor, type AwsClients, type ClientRetryOptions, type StaticCredentials } from '../core/clients';

/**
 * The clients the operations routes and the orphan report read with, for a region (reused like every function's:
 * core/clients.ts clientsFor), under `credentials` or the default chain.
 *
 * A drift check or an inventory reads a few dozen Describes at once, from buckets the account shares with every other
 * workload (EC2 and ELB throttle per account and region); AWS's advice for throttling is to back off and retry
 * (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html). Every client resends a throttled read
 * with full-jitter backoff until the deadline of the invocation it runs in: both functions run each request (each
 * run) within one scope (core/retry-scope.ts `invocationScope`; functions/handlers/operations.ts
 * OPERATIONS_DEADLINE, orphan-report.ts ORPHAN_REPORT_DEADLINE), the Lambda's remaining time less a margin, so a
 * busy account answers a little later, and one throttled past it answers 503 before the function's timeout rather
 * than a 502/504. These routes only read: a repeated request changes nothing.
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
