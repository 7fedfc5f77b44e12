import type { TeardownResult } from './contracts';
import { EXPECTED_SECONDS } from './expected-latency';
import { nextCheckInSeconds, READINESS_BOUND_SECONDS } from './readiness-schedule';

/**
 * The teardown's wait, a loop of TerminateInstances and a Wait before DeleteNetwork (docs/design.md "13.4 Teardown:
 * fewer calls, one wait"). What holds the network's subnets and security groups then is on its way out, at a pace
 * AWS sets: the instances' interfaces go when they are `terminated`, the NLB's linger after DeleteLoadBalancer, the
 * connections' (NAT gateways, endpoints, the Transit Gateway attachment) go when those are `deleted`. Sleeping
 * until the last of them is expected gone, then looking once more (the instances by tag: one that became visible
 * late is terminated then), costs two Lambda runs and a few Describes; polling every 5 s from the start cost a dozen
 * runs and their calls.
 */

/** When each of those began, in epoch ms; absent for what was not there (or whose time is unknown). */
export interface TeardownStarts {
  /**
   * When the instances still not `terminated` were asked to terminate (the latest run of the loop that asked);
   * absent once none is left that is not `terminated`.
   */
  instancesTerminating?: number;
  /** When DeleteLoadBalancer deleted the NLB. */
  loadBalancerDeletedAt?: number;
  /** When DeleteLoadBalancer started (or found under way) the connections' deletes. */
  connectionsDeletedAt?: number;
}

/**
 * The loop's bound, from its first run: the 20 minutes every wait of a build or teardown has (READINESS_RETRY's
 * 1,200 s, as WaitUntilReady's loop). AWS terminates an instance in about 45 s; one not `terminated` after that long
 * is stuck, and the loop ends in a failure the Catch records rather than wait on.
 */
export const TEARDOWN_BOUND_SECONDS = READINESS_BOUND_SECONDS;

/**
 * TerminateInstances' answer (at `$.teardownInstances`): `complete: false` with `waitSeconds` sends the execution
 * through the Wait back to it; `complete: true` (no `waitSeconds`) on to DeleteNetwork. `startedAt` and
 * `instancesTerminatingAt` (ISO 8601) carry the loop's first run and the latest terminate to its next run;
 * `deleted` is everything the loop's runs released or terminated.
 */
export interface TerminationProgress extends TeardownResult {
  complete: boolean;
  startedAt: string;
  instancesTerminatingAt?: string;
}

/**
 * Whole seconds from `nowMs` until TerminateInstances should look again, or undefined when nothing is left to wait
 * for: no instance that is not `terminated` (`instancesTerminating` absent) and the NLB's interfaces and the
 * connections past their expected time. While an instance is left: until it is expected `terminated`, then a short
 * poll that grows (nextCheckInSeconds, as readiness's); while only the NLB's interfaces or the connections are
 * expected: until then, with secondsUntil's margin. Never past `deadlineMs`. A start read later than `nowMs`
 * (another Lambda's clock a little ahead) counts as now, so the wait is never longer than the expected durations.
 */
export function teardownWaitSeconds(starts: TeardownStarts, nowMs: number, deadlineMs: number): number | undefined {
  const expected = (startMs: number | undefined, seconds: number): number[] =>
    startMs === undefined ? [] : [Math.min(startMs, nowMs) + seconds * 1000];
  const instances = expected(starts.instancesTerminating, EXPECTED_SECONDS.instanceTerminatedAfterTerminate);
  const releases = [
    ...expected(starts.loadBalancerDeletedAt, EXPECTED_SECONDS.loadBalancerInterfacesGoneAfterDelete),
    ...expected(starts.connectionsDeletedAt, EXPECTED_SECONDS.connectionGoneAfterDelete),
  ].filter((goneAt) => goneAt > nowMs);
  if (instances.length === 0 && releases.length === 0) return undefined;
  return nextCheckInSeconds([...instances, ...releases], nowMs, deadlineMs);
}
