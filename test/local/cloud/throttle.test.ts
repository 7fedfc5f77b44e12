/**
 * The embedded cloud's token buckets against the numbers of
 * https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html, driven directly (no HTTP) on a
 * simulated clock moved here by hand: buckets refill in the cloud's simulated seconds.
 */
import { CloudError } from '../../../local/cloud/contract';
import { Throttle } from '../../../local/cloud/throttle';

let now = 1_000_000;
const clock = () => now;

/** How many of `n` requests the throttle admits, all at the same instant. */
function admitted(
  throttle: Throttle,
  n: number,
  action: string,
  params: Record<string, string> = {},
  service: 'ec2' | 'elbv2' = 'ec2',
): number {
  let ok = 0;
  for (let i = 0; i < n; i++) {
    try {
      throttle.admit(service, action, params);
      ok++;
    } catch (error) {
      expect(error).toBeInstanceOf(CloudError);
      expect(error).toMatchObject(
        service === 'ec2' ? { code: 'RequestLimitExceeded', httpStatus: 503 } : { code: 'Throttling', httpStatus: 400 },
      );
    }
  }
  return ok;
}
const FILTERED = { 'Filter.1.Name': 'tag:k8s-ec2:build-id', 'Filter.1.Value.1': 'b' };
const instances = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`InstanceId.${i + 1}`, `i-${i}`]));

describe('EC2 request token buckets', () => {
  it.each([
    ['RunInstances (uncategorized)', 'RunInstances', { MaxCount: '1' }, 5, 2],
    ['TerminateInstances (uncategorized)', 'TerminateInstances', instances(1), 100, 5],
    ['CreateTags (uncategorized)', 'CreateTags', {}, 100, 10],
    ['a mutating action', 'CreateSubnet', {}, 50, 5],
    ['a resource-intensive action', 'AuthorizeSecurityGroupIngress', {}, 50, 5],
    ['a filtered non-mutating action', 'DescribeInstances', FILTERED, 100, 20],
    ['a paginated non-mutating action', 'DescribeInstances', { MaxResults: '100' }, 100, 20],
    ['an unfiltered, unpaginated DescribeInstances', 'DescribeInstances', {}, 50, 10],
    ['a non-mutating action with no smaller bucket', 'DescribeVpcs', {}, 100, 20],
  ])('%s: a burst of its capacity, then its refill rate a second', (_case, action, params, capacity, refill) => {
    const throttle = new Throttle(true, clock);
    expect(admitted(throttle, capacity + 10, action, params)).toBe(capacity);
    now += 1000;
    expect(admitted(throttle, refill + 10, action, params)).toBe(refill);
  });

  it('evaluates each API on its own: a drained CreateSubnet bucket leaves CreateRouteTable alone', () => {
    const throttle = new Throttle(true, clock);
    expect(admitted(throttle, 60, 'CreateSubnet')).toBe(50);
    expect(admitted(throttle, 1, 'CreateRouteTable')).toBe(1);
  });

  it('never throttles when off', () => {
    expect(admitted(new Throttle(false, clock), 20, 'RunInstances', { MaxCount: '500' })).toBe(20);
  });
});

describe('EC2 resource token buckets', () => {
  it('RunInstances takes one resource token per instance asked for: 1000, then 2 a second', () => {
    const throttle = new Throttle(true, clock);
    expect(admitted(throttle, 1, 'RunInstances', { MaxCount: '600' })).toBe(1);
    expect(admitted(throttle, 1, 'RunInstances', { MaxCount: '400' })).toBe(1);
    expect(admitted(throttle, 1, 'RunInstances', { MaxCount: '1' })).toBe(0);
    now += 1000;
    expect(admitted(throttle, 1, 'RunInstances', { MaxCount: '3' })).toBe(0);
    now += 1000;
    expect(admitted(throttle, 1, 'RunInstances', { MaxCount: '3' })).toBe(1);
  });

  it('TerminateInstances takes one resource token per instance id: 1000, then 20 a second', () => {
    const throttle = new Throttle(true, clock);
    expect(admitted(throttle, 10, 'TerminateInstances', instances(100))).toBe(10);
    expect(admitted(throttle, 1, 'TerminateInstances', instances(1))).toBe(0);
    now += 1000;
    expect(admitted(throttle, 1, 'TerminateInstances', instances(20))).toBe(1);
  });
});

describe('usage', () => {
  it('counts the tokens each bucket gave and the requests it refused, and what resetCounts zeroes', () => {
    const throttle = new Throttle(true, clock);
    expect(admitted(throttle, 7, 'RunInstances', { MaxCount: '2' })).toBe(5);
    expect(throttle.throttled).toBe(2);
    expect(throttle.usage()).toEqual(
      expect.arrayContaining([
        { bucket: 'ec2:RunInstances', capacity: 5, refillPerSecond: 2, taken: 5, refused: 2, succeeded: 0 },
        { bucket: 'ec2:resources:RunInstances', capacity: 1000, refillPerSecond: 2, taken: 10, refused: 0, succeeded: 0 },
      ]),
    );
    throttle.resetCounts();
    expect(throttle.throttled).toBe(0);
    // The tokens stay spent: counters are zeroed, buckets are not refilled.
    expect(admitted(throttle, 1, 'RunInstances', { MaxCount: '1' })).toBe(0);
  });

  it('refills on the clock it is given, not the wall clock', () => {
    const throttle = new Throttle(true, clock);
    expect(admitted(throttle, 6, 'RunInstances', { MaxCount: '1' })).toBe(5);
    now += 500;
    expect(admitted(throttle, 2, 'RunInstances', { MaxCount: '1' })).toBe(1);
  });
});

describe('succeeded', () => {
  it('counts the tokens of requests reported as succeeded, apart from those that failed after admission', () => {
    const throttle = new Throttle(true, clock);
    throttle.admit('elbv2', 'CreateLoadBalancer')(); // succeeded
    throttle.admit('elbv2', 'CreateLoadBalancer'); // admitted, then failed (e.g. SubnetNotFound)
    const usage = (name: string) => throttle.usage().find((b) => b.bucket === name);
    expect(usage('elbv2:resource-intensive')).toMatchObject({ taken: 2, succeeded: 1 });
    expect(usage('elbv2:account')).toMatchObject({ taken: 2, succeeded: 1 });
  });
});
