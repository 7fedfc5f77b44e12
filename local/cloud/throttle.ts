import { CloudError } from './contract';

/**
 * AWS's request token buckets. Each request takes one token from its bucket; an empty bucket answers
 * RequestLimitExceeded (EC2, HTTP 503) or Throttling (ELBv2, HTTP 400).
 *
 * Buckets refill in REAL seconds, not simulated ones: they model how fast a client may call the API, and a
 * time-scaled build still makes its calls at real speed. Refilling in simulated time would make throttling
 * disappear at timeScale 1000, which would hide exactly the bursts we want to surface.
 */
class TokenBucket {
  private tokens: number;
  private last = Date.now();

  constructor(
    private readonly capacity: number,
    private readonly refillPerSecond: number,
  ) {
    this.tokens = capacity;
  }

  take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.refillPerSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

interface BucketSpec {
  capacity: number;
  refillPerSecond: number;
}

const isDescribe = (action: string) => /^(Describe|Get|List)/.test(action);

// EC2: RunInstances has its own small bucket; the rest split into mutating and non-mutating categories.
function ec2Bucket(action: string): [string, BucketSpec] {
  if (action === 'RunInstances') return ['RunInstances', { capacity: 5, refillPerSecond: 2 }];
  if (isDescribe(action)) return ['describe', { capacity: 100, refillPerSecond: 20 }];
  return ['mutating', { capacity: 50, refillPerSecond: 5 }];
}

function elbv2Bucket(action: string): [string, BucketSpec] {
  if (action === 'CreateLoadBalancer') return ['CreateLoadBalancer', { capacity: 10, refillPerSecond: 0.2 }];
  if (action === 'RegisterTargets' || action === 'DeregisterTargets') return ['targets', { capacity: 20, refillPerSecond: 4 }];
  if (isDescribe(action)) return ['describe', { capacity: 40, refillPerSecond: 10 }];
  return ['mutating', { capacity: 20, refillPerSecond: 3 }];
}

const ELBV2_ACCOUNT: BucketSpec = { capacity: 40, refillPerSecond: 10 };

export class Throttle {
  private buckets = new Map<string, TokenBucket>();

  constructor(private readonly enabled: boolean) {}

  /** Throws the service's throttling error when the request's bucket (or ELBv2's account bucket) is empty. */
  admit(service: 'ec2' | 'elbv2', action: string): void {
    if (!this.enabled) return;
    if (service === 'ec2') {
      const [name, spec] = ec2Bucket(action);
      if (!this.bucket(`ec2:${name}`, spec).take()) {
        throw new CloudError('RequestLimitExceeded', 'Request limit exceeded.', 503);
      }
      return;
    }
    const [name, spec] = elbv2Bucket(action);
    // Both the action's bucket and the account-wide one must have a token; checking the action first keeps
    // a burst of one action from draining the shared bucket once its own is empty.
    if (!this.bucket(`elbv2:${name}`, spec).take() || !this.bucket('elbv2:account', ELBV2_ACCOUNT).take()) {
      throw new CloudError('Throttling', 'Rate exceeded', 400);
    }
  }

  reset(): void {
    this.buckets.clear();
  }

  private bucket(key: string, spec: BucketSpec): TokenBucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(spec.capacity, spec.refillPerSecond);
      this.buckets.set(key, bucket);
    }
    return bucket;
  }
}
