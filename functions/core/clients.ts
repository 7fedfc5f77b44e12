import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { IAMClient } from '@aws-sdk/client-iam';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { nameEachCall } from './retry-scope';
import { retryStrategy, throttleOnlyRetryStrategy, type RetryOptions } from './retry-strategy';

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
 * How the clients resend a failed request (core/retry-strategy.ts). The local runtime passes its simulated
 * clock and its time scale, so that backoffs and the time budget run on simulated time.
 */
export type ClientRetryOptions = Pick<RetryOptions, 'clock' | 'delayScale'>;

export interface ClientOptions {
  retry?: ClientRetryOptions;
}

/**
 * One place that builds clients, from the region and the endpoint variables (read at call time). Every client
 * resends with the product retry strategy (throttles until the invocation's deadline, transient errors up to
 * three attempts) and names each call for the strategy's log lines (`nameEachCall`).
 *
 * Why a second EC2 client: a retry resends a request after a 5xx, a timeout or a dropped
 * connection, and EC2 may have done the work before that answer was lost. For a create with a ClientToken
 * (RunInstances, CreateRouteTable) the resend returns the same resource, and CreateSubnet /
 * CreateSecurityGroup resend into a natural-key conflict that we read as "exists". CreateVpc,
 * CreateInternetGateway and AllocateAddress have neither: a resend makes a second VPC, gateway or address
 * that nothing records. So `ec2Once` resends only throttled requests (EC2 refused them before doing
 * anything); any other failure surfaces at once as AwsUnavailable (or its class), the state machine
 * retries the step, and its next run finds the resource by tag (or by the carried id) before it creates.
 * Throttles are still resent in the SDK, as by every client, because a step-level retry per throttle would be
 * slow and, under a burst, could run out of attempts. Every other call resends transient errors too.
 */
export function createClients(
  region: string,
  env: Env = process.env,
  credentials?: StaticCredentials,
  options: ClientOptions = {},
): AwsClients {
  const ec2Endpoint = endpointFor('EC2', env);
  const common = { region, ...(credentials && { credentials }), retryStrategy: retryStrategy(options.retry) };
  const clock = options.retry?.clock;
  return {
    ec2: nameEachCall(new EC2Client({ ...common, endpoint: ec2Endpoint }), clock),
    ec2Once: nameEachCall(
      new EC2Client({ ...common, endpoint: ec2Endpoint, retryStrategy: throttleOnlyRetryStrategy(options.retry) }),
      clock,
    ),
    elbv2: nameEachCall(new ElasticLoadBalancingV2Client({ ...common, endpoint: endpointFor('ELASTIC_LOAD_BALANCING_V2', env) }), clock),
    quotas: nameEachCall(new ServiceQuotasClient({ ...common, endpoint: endpointFor('SERVICE_QUOTAS', env) }), clock),
    iam: nameEachCall(new IAMClient({ ...common, endpoint: endpointFor('IAM', env) }), clock),
  };
}

const cache = new Map<string, AwsClients>();
const clockIds = new WeakMap<object, number>();
let clocksSeen = 0;

/** One number per clock object: local stacks on different clocks in one process must not share clients (their retries wait on their own clock). */
function clockId(clock: object): number {
  let id = clockIds.get(clock);
  if (id === undefined) clockIds.set(clock, (id = ++clocksSeen));
  return id;
}

/**
 * Clients reused across warm Lambda invocations, keyed by region, endpoints, access key (the local runtime
 * runs every step in one process, each under its own role's credentials) and retry delay scale (a process
 * has one clock: the system's, or the local runtime's simulated one).
 */
export function clientsFor(
  region: string,
  env: Env = process.env,
  credentials?: StaticCredentials,
  options: ClientOptions = {},
): AwsClients {
  const key = [
    region,
    endpointFor('EC2', env),
    endpointFor('ELASTIC_LOAD_BALANCING_V2', env),
    endpointFor('SERVICE_QUOTAS', env),
    endpointFor('IAM', env),
    credentials?.accessKeyId,
    options.retry?.delayScale,
    options.retry?.clock && clockId(options.retry.clock),
  ].join('|');
  let clients = cache.get(key);
  if (!clients) {
    clients = createClients(region, env, credentials, options);
    cache.set(key, clients);
  }
  return clients;
}
