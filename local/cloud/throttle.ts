import { CloudError, type QueryParams } from './contract';

/**
 * AWS's token buckets. Each request takes one token from its bucket (EC2: also one per instance from the
 * resource bucket of RunInstances, TerminateInstances…); an empty bucket answers RequestLimitExceeded (EC2,
 * HTTP 503) or Throttling (ELBv2, HTTP 400).
 *
 * Buckets refill in SIMULATED seconds, on the cloud's clock — the clock its latencies run on, the local
 * Step Functions' waits and retries are scaled to, and the SDK clients' retry delays are scaled to
 * (docs/design.md "13.1 One simulated clock"). A time-scaled run then models AWS's real rates: at ×60, a
 * RunInstances bucket refills 2 tokens per simulated second, i.e. 120 per real second, exactly as fast as
 * everything else in that run moves. (Before, buckets refilled in real seconds and a run at ×60 modelled an
 * AWS with 1/60 of its rate limits.)
 */
class TokenBucket {
  private tokens: number;
  private last: number;
  /** Tokens handed out and requests refused since the bucket was made (the bench's throttle-aware bound). */
  taken = 0;
  refused = 0;
  /** Tokens taken by requests that then succeeded: what a build needed, without the calls that failed for other reasons. */
  succeeded = 0;

  constructor(
    readonly spec: BucketSpec,
    private readonly now: () => number,
  ) {
    this.tokens = spec.capacity;
    this.last = now();
  }

  take(count = 1): boolean {
    const now = this.now();
    this.tokens = Math.min(this.spec.capacity, this.tokens + (Math.max(0, now - this.last) / 1000) * this.spec.refillPerSecond);
    this.last = now;
    if (this.tokens < count) {
      this.refused++;
      return false;
    }
    this.tokens -= count;
    this.taken += count;
    return true;
  }
}

export interface BucketSpec {
  capacity: number;
  refillPerSecond: number;
}

/** One bucket's use: its size and rate, the tokens it gave and the requests it refused. */
export interface BucketUsage extends BucketSpec {
  /** `ec2:CreateSubnet`, `ec2:resources:RunInstances`, `elbv2:describe`, `elbv2:account`… */
  bucket: string;
  taken: number;
  refused: number;
  /**
   * Tokens of requests that went on to succeed. A request AWS refuses for another reason (a subnet ELB does not
   * see yet, DependencyViolation) still took its token; these are the ones a build could not have done without.
   */
  succeeded: number;
}

const isDescribe = (action: string) => /^(Describe|Get|List|Search)/.test(action);

/**
 * EC2's request token buckets: one per API action ("each API is evaluated individually, and you are throttled
 * on the number of requests you make on a per-API basis"), sized by the action's category, with the
 * uncategorized actions that have their own numbers. Every number below is from the tables at
 * https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html ("Request token bucket sizes and
 * refill rates"); only the actions an EC2 client of ours or its tests can send are listed among the exceptions.
 */
const EC2_NON_MUTATING: BucketSpec = { capacity: 100, refillPerSecond: 20 };
/** "Unfiltered and unpaginated non-mutating actions": these, sent with neither a filter nor pagination. */
const EC2_UNFILTERED: BucketSpec = { capacity: 50, refillPerSecond: 10 };
const EC2_UNFILTERED_ACTIONS = new Set([
  'DescribeInstances',
  'DescribeInstanceStatus',
  'DescribeNetworkInterfaces',
  'DescribeSecurityGroups',
  'DescribeSnapshots',
  'DescribeSpotInstanceRequests',
  'DescribeVolumes',
]);
const EC2_MUTATING: BucketSpec = { capacity: 50, refillPerSecond: 5 };
/** "Resource-intensive actions" (the ones an EC2 of ours serves): throttled apart from other mutating ones. */
const EC2_RESOURCE_INTENSIVE: BucketSpec = { capacity: 50, refillPerSecond: 5 };
const EC2_RESOURCE_INTENSIVE_ACTIONS = new Set(['AuthorizeSecurityGroupIngress', 'RevokeSecurityGroupIngress', 'CreateKeyPair']);
const EC2_UNCATEGORIZED: Record<string, BucketSpec> = {
  RunInstances: { capacity: 5, refillPerSecond: 2 },
  StartInstances: { capacity: 5, refillPerSecond: 2 },
  TerminateInstances: { capacity: 100, refillPerSecond: 5 },
  CreateTags: { capacity: 100, refillPerSecond: 10 },
  DeleteTags: { capacity: 100, refillPerSecond: 10 },
  CreateNetworkInterface: { capacity: 100, refillPerSecond: 5 },
  DeleteNetworkInterface: { capacity: 100, refillPerSecond: 5 },
  ModifyInstanceMetadataOptions: { capacity: 100, refillPerSecond: 5 },
  CreateVolume: { capacity: 100, refillPerSecond: 5 },
  DeleteVolume: { capacity: 100, refillPerSecond: 5 },
};

/**
 * EC2's resource token buckets, beside the request ones: a request takes one token from its action's request
 * bucket and as many from the resource bucket as instances it affects ("four requests for 250 instances" take
 * 1000), so that a launch of N instances in one call is one request but N resources. Same page, "Resource token
 * bucket sizes and refill rates".
 */
const EC2_RESOURCE_BUCKETS: Record<string, BucketSpec> = {
  RunInstances: { capacity: 1000, refillPerSecond: 2 },
  TerminateInstances: { capacity: 1000, refillPerSecond: 20 },
  StartInstances: { capacity: 1000, refillPerSecond: 2 },
  StopInstances: { capacity: 1000, refillPerSecond: 20 },
};

/** Filtered or paginated: the standard non-mutating bucket; neither: the smaller one, for the actions listed. */
function unfiltered(params: QueryParams): boolean {
  return !Object.keys(params).some((key) => key.startsWith('Filter.') || key === 'MaxResults' || key === 'NextToken');
}

function ec2RequestBucket(action: string, params: QueryParams): [string, BucketSpec] {
  const own = EC2_UNCATEGORIZED[action];
  if (own) return [action, own];
  if (EC2_RESOURCE_INTENSIVE_ACTIONS.has(action)) return [action, EC2_RESOURCE_INTENSIVE];
  if (!isDescribe(action)) return [action, EC2_MUTATING];
  return EC2_UNFILTERED_ACTIONS.has(action) && unfiltered(params) ? [`${action}:unfiltered`, EC2_UNFILTERED] : [action, EC2_NON_MUTATING];
}

/** Instances a request affects: RunInstances asks for MaxCount, the others name each instance (`InstanceId.N`). */
function resourceCost(action: string, params: QueryParams): number {
  if (action === 'RunInstances') return Number(params.MaxCount ?? 1);
  return Object.keys(params).filter((key) => /^InstanceId\.\d+$/.test(key)).length;
}

/**
 * ELBv2's buckets by category, plus one account-level bucket every ELB request draws from (40, 10/s):
 * resource-intensive (CreateLoadBalancer, SetSubnets) 10 / 0.2 per second, registration (Register/
 * DeregisterTargets) 20 / 4, non-mutating (Describe*) 40 / 10, mutating (the rest) 20 / 3.
 * @see https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/elb-api-throttling.html
 */
function elbv2Bucket(action: string): [string, BucketSpec] {
  if (action === 'CreateLoadBalancer' || action === 'SetSubnets') return ['resource-intensive', { capacity: 10, refillPerSecond: 0.2 }];
  if (action === 'RegisterTargets' || action === 'DeregisterTargets') return ['targets', { capacity: 20, refillPerSecond: 4 }];
  if (isDescribe(action)) return ['describe', { capacity: 40, refillPerSecond: 10 }];
  return ['mutating', { capacity: 20, refillPerSecond: 3 }];
}

const ELBV2_ACCOUNT: BucketSpec = { capacity: 40, refillPerSecond: 10 };

export class Throttle {
  private buckets = new Map<string, TokenBucket>();
  private throttledRequests = 0;

  /** `now`: the cloud's simulated clock, in ms. */
  constructor(
    private readonly enabled: boolean,
    private readonly now: () => number,
  ) {}

  /**
   * Throws the service's throttling error when the request's bucket (for EC2 also its resource bucket, for
   * ELBv2 the account bucket) is short. `params` (the request's awsQuery parameters) pick EC2's unfiltered
   * bucket and the resource cost; without them a request counts as filtered and costs no resource tokens.
   * Returns what to call once the request has succeeded (`succeeded` in the usage).
   */
  admit(service: 'ec2' | 'elbv2', action: string, params: QueryParams = {}): () => void {
    if (!this.enabled) return () => undefined;
    if (service === 'ec2') {
      const [name, spec] = ec2RequestBucket(action, params);
      const resources = EC2_RESOURCE_BUCKETS[action];
      const request = this.bucket(`ec2:${name}`, spec);
      const resourceBucket = resources && this.bucket(`ec2:resources:${action}`, resources);
      const cost = resourceCost(action, params);
      const admitted = request.take() && (!resourceBucket || resourceBucket.take(cost));
      if (!admitted) this.refuse(new CloudError('RequestLimitExceeded', 'Request limit exceeded.', 503));
      return () => {
        request.succeeded++;
        if (resourceBucket) resourceBucket.succeeded += cost;
      };
    }
    const [name, spec] = elbv2Bucket(action);
    const own = this.bucket(`elbv2:${name}`, spec);
    const account = this.bucket('elbv2:account', ELBV2_ACCOUNT);
    // Both the action's bucket and the account-wide one must have a token; checking the action first keeps
    // a burst of one action from draining the shared bucket once its own is empty.
    if (!own.take() || !account.take()) this.refuse(new CloudError('Throttling', 'Rate exceeded', 400));
    return () => {
      own.succeeded++;
      account.succeeded++;
    };
  }

  /** Requests refused since the last reset. */
  get throttled(): number {
    return this.throttledRequests;
  }

  /** Every bucket a request has drawn from since the last reset, with what it gave and refused. */
  usage(): BucketUsage[] {
    return [...this.buckets].map(([bucket, b]) => ({ bucket, ...b.spec, taken: b.taken, refused: b.refused, succeeded: b.succeeded }));
  }

  /** Zero the counters (`throttled`, each bucket's taken/refused) and keep the buckets' tokens as they are. */
  resetCounts(): void {
    for (const b of this.buckets.values()) b.taken = b.refused = b.succeeded = 0;
    this.throttledRequests = 0;
  }

  reset(): void {
    this.buckets.clear();
    this.throttledRequests = 0;
  }

  private refuse(error: CloudError): never {
    this.throttledRequests++;
    throw error;
  }

  private bucket(key: string, spec: BucketSpec): TokenBucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(spec, this.now);
      this.buckets.set(key, bucket);
    }
    return bucket;
  }
}
