import { clientsFor, type AwsClients, type StaticCredentials } from '../core/clients';

/**
 * Attempts per read of the operations routes and the orphan report. A drift check or an inventory reads a few dozen
 * Describes at once, from buckets the account shares with every other workload (EC2 and ELB throttle per account and
 * region); AWS's advice for throttling is to back off and retry
 * (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html). The SDK's standard 3 attempts give up
 * within about a second; 6 back off (500 ms × 2^n, full jitter) for several, so a busy account answers a little later
 * instead of a 503. These routes only read: a repeated request changes nothing.
 */
export const READ_ATTEMPTS = 6;

/** Clients with READ_ATTEMPTS for a region (reused like every function's: core/clients.ts clientsFor), under `credentials` or the default chain. */
export function readClientsFor(env: Record<string, string | undefined>, credentials?: StaticCredentials): (region: string) => AwsClients {
  return (region) => clientsFor(region, env, credentials, { maxAttempts: READ_ATTEMPTS });
}
