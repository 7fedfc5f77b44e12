import { EXPECTED_SECONDS, secondsUntil } from './expected-latency';

/**
 * The one wait of a teardown, between TerminateInstances and DeleteNetwork (docs/design.md "13.4 Teardown: fewer
 * calls, one wait"). What holds the network's subnets and security groups then is on its way out, at a pace AWS
 * sets: the instances' interfaces go when they are `terminated`, the NLB's linger after DeleteLoadBalancer, the
 * connections' (NAT gateways, endpoints, the Transit Gateway attachment) go when those are `deleted`. Sleeping
 * until the last of them is expected gone, then checking, costs one Lambda run and a few Describes; polling every
 * 5 s from the start cost a dozen runs and their calls.
 */

/** When each of those began, in epoch ms; absent for what was not there (or whose time is unknown). */
export interface TeardownStarts {
  /** When instances were last seen not yet `terminated` (asked to terminate now, or still shutting down). */
  instancesTerminating?: number;
  /** When DeleteLoadBalancer deleted the NLB. */
  loadBalancerDeletedAt?: number;
  /** When DeleteLoadBalancer started (or found under way) the connections' deletes. */
  connectionsDeletedAt?: number;
}

/**
 * Whole seconds from `nowMs` until everything in `starts` is expected gone, with secondsUntil's margin; its
 * minimum (MIN_POLL_SECONDS) when nothing is on its way (a repeated teardown, the sweep of a half-built build).
 * A start read later than `nowMs` (another Lambda's clock a little ahead) counts as now, so the wait is never
 * longer than the expected durations; one long past adds nothing.
 */
export function teardownWaitSeconds(starts: TeardownStarts, nowMs: number): number {
  const expected = (startMs: number | undefined, seconds: number): number[] =>
    startMs === undefined ? [] : [Math.min(startMs, nowMs) + seconds * 1000];
  return secondsUntil(
    [
      ...expected(starts.instancesTerminating, EXPECTED_SECONDS.instanceTerminatedAfterTerminate),
      ...expected(starts.loadBalancerDeletedAt, EXPECTED_SECONDS.loadBalancerInterfacesGoneAfterDelete),
      ...expected(starts.connectionsDeletedAt, EXPECTED_SECONDS.connectionGoneAfterDelete),
    ],
    nowMs,
  );
}
