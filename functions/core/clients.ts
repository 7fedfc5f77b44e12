import { EC2Client, type EC2ClientConfig } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { IAMClient } from '@aws-sdk/client-iam';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';

/** The AWS clients a step uses. Always built by `createClients`; tests replace them with aws-sdk-client-mock. */
export interface AwsClients {
  ec2: EC2Client;
  /**
   * EC2 for the creates that take no ClientToken (CreateVpc, CreateInternetGateway, AllocateAddress) and for
   * nothing else: the SDK never resends a request EC2 may have carried out. See `createClients` for why.
   */
  ec2Once: EC2Client;
  elbv2: ElasticLoadBalancingV2Client;
  quotas: ServiceQuotasClient;
  /** IAM is global: on AWS the SDK sends every region's calls to iam.amazonaws.com, signed for us-east-1. */
  iam: IAMClient;
}

type Env = Record<string, string | undefined>;

/** Static credentials for a client (the local runtime's per-step role); absent, the SDK's default chain. */
export interface StaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * The endpoint for one service from the standard SDK variables (service-specific first, then the global
 * one). This is the only switch between real AWS, the embedded cloud, LocalStack or moto.
 */
export function endpointFor(serviceVariable: string, env: Env = process.env): string | undefined {
  return env[`AWS_ENDPOINT_URL_${serviceVariable}`] || env.AWS_ENDPOINT_URL || undefined;
}

/**
 * One place that builds clients, from the region and the endpoint variables (read at call time).
 *
 * Why a second EC2 client: the SDK's standard retry resends a request after a 5xx, a timeout or a dropped
 * connection, and EC2 may have done the work before that answer was lost. For a create with a ClientToken
 * (RunInstances, CreateRouteTable) the resend returns the same resource, and CreateSubnet /
 * CreateSecurityGroup resend into a natural-key conflict that we read as "exists". CreateVpc,
 * CreateInternetGateway and AllocateAddress have neither: a resend makes a second VPC, gateway or address
 * that nothing records. So `ec2Once` resends only throttled requests (EC2 refused them before doing
 * anything); any other failure surfaces at once as AwsUnavailable (or its class), the state machine
 * retries the step, and its next run finds the resource by tag (or by the carried id) before it creates.
 * Throttles keep the SDK's quick backoff because a step-level retry per throttle would be slow and, under
 * a burst, could run out of attempts. Every other call keeps the SDK's standard retries.
 */
export function createClients(
  region: string,
  env: Env = process.env,
  credentials?: StaticCredentials,
  { maxAttempts }: { maxAttempts?: number } = {},
): AwsClients {
  const ec2Endpoint = endpointFor('EC2', env);
  const common = { region, ...(credentials && { credentials }), ...(maxAttempts && { maxAttempts }) };
  return {
    ec2: new EC2Client({ ...common, endpoint: ec2Endpoint }),
    ec2Once: new EC2Client({ ...common, endpoint: ec2Endpoint, maxAttempts: THROTTLED_ATTEMPTS, retryStrategy: resendThrottledOnly() }),
    elbv2: new ElasticLoadBalancingV2Client({ ...common, endpoint: endpointFor('ELASTIC_LOAD_BALANCING_V2', env) }),
    quotas: new ServiceQuotasClient({ ...common, endpoint: endpointFor('SERVICE_QUOTAS', env) }),
    iam: new IAMClient({ ...common, endpoint: endpointFor('IAM', env) }),
  };
}

/** The SDK's retry strategy interface, taken from the client config so that no @smithy package is imported. */
type RetryStrategyV2 = Extract<NonNullable<EC2ClientConfig['retryStrategy']>, { acquireInitialRetryToken: unknown }>;
type RetryToken = Awaited<ReturnType<RetryStrategyV2['acquireInitialRetryToken']>>;

/** Attempts of a throttled request by `ec2Once`, as the SDK's standard mode (3). */
export const THROTTLED_ATTEMPTS = 3;

/**
 * A retry strategy that resends only what the SDK classifies as throttling (RequestLimitExceeded, 429…):
 * requests refused before any work. Its backoff is the SDK's for throttling: full jitter over
 * 500 ms × 2^retry, capped at 20 s. Everything else is rejected at once, so the SDK throws the error.
 */
export function resendThrottledOnly(maxAttempts = THROTTLED_ATTEMPTS, random: () => number = Math.random): RetryStrategyV2 {
  const token = (retries: number, delayMs: number): RetryToken => ({ getRetryCount: () => retries, getRetryDelay: () => delayMs });
  return {
    acquireInitialRetryToken: () => Promise.resolve(token(0, 0)),
    refreshRetryTokenForRetry: (previous, info) => {
      const retries = previous.getRetryCount() + 1;
      if (info.errorType !== 'THROTTLING' || retries >= maxAttempts) return Promise.reject(info.error ?? new Error('not resent'));
      return Promise.resolve(token(retries, Math.floor(random() * Math.min(20_000, 500 * 2 ** retries))));
    },
    recordSuccess: () => undefined,
  };
}

const cache = new Map<string, AwsClients>();

/**
 * Clients reused across warm Lambda invocations, keyed by region, endpoints and access key (the local
 * runtime runs every step in one process, each under its own role's credentials).
 */
export function clientsFor(
  region: string,
  env: Env = process.env,
  credentials?: StaticCredentials,
  options: { maxAttempts?: number } = {},
): AwsClients {
  const key = [
    region,
    endpointFor('EC2', env),
    endpointFor('ELASTIC_LOAD_BALANCING_V2', env),
    endpointFor('SERVICE_QUOTAS', env),
    endpointFor('IAM', env),
    credentials?.accessKeyId,
    options.maxAttempts,
  ].join('|');
  let clients = cache.get(key);
  if (!clients) {
    clients = createClients(region, env, credentials, options);
    cache.set(key, clients);
  }
  return clients;
}
