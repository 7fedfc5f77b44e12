/**
 * How long AWS usually takes for the transitions a build and a teardown wait for, in seconds. The steps
 * use these to wait once for the expected remaining time (a Wait state whose SecondsPath is a step's
 * `waitSeconds`, see `WaitRequest`) and then poll briefly, instead of polling every few seconds from the
 * start: each poll is a Lambda invocation and a handful of Describe calls that count against the
 * account's EC2 request buckets, shared with every other workload in the region (docs/design.md "13").
 *
 * AWS documents the transitions, not their durations; the figures are our assumptions within the usual
 * ranges, the same ones the embedded cloud's latency model uses by default (local/cloud/contract.ts
 * DEFAULT_LATENCY), so a local run checks the waiting logic against the durations it was written for.
 * If AWS is slower, the short poll after the wait covers the rest; if it is faster, the build waits a
 * little longer than it had to (never more than these figures after the launch).
 */
export const EXPECTED_SECONDS = {
  /** RunInstances → `running` with both status checks `ok` (pending ≈15 s, then the checks ≈2.5 min). */
  instanceReadyAfterLaunch: 165,
  /**
   * New subnets and security groups → ELB sees them (CreateLoadBalancer before that answers SubnetNotFound, and still
   * takes a token from its bucket of 10: docs/design.md "13.5"). AWS gives no figure: "back off starting with a couple
   * of seconds" (https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html).
   */
  loadBalancerSeesNewNetworkAfter: 5,
  /** CreateLoadBalancer (network) → `active`. */
  loadBalancerActiveAfterCreate: 150,
  /** TerminateInstances → `terminated` (its network interfaces go with it). */
  instanceTerminatedAfterTerminate: 45,
  /** DeleteLoadBalancer → its network interfaces are released from our subnets. */
  loadBalancerInterfacesGoneAfterDelete: 60,
  /** CreateNatGateway / CreateVpcEndpoint (interface) / CreateTransitGatewayVpcAttachment → `available`. */
  connectionAvailableAfterCreate: 90,
  /** DeleteNatGateway / DeleteVpcEndpoints / DeleteTransitGatewayVpcAttachment → gone. */
  connectionGoneAfterDelete: 60,
} as const;

/** The shortest poll after the expected time has passed: a Wait state never asks for less. */
export const MIN_POLL_SECONDS = 5;

/** A little beyond the expected time, so the first check after the wait usually finds it done. */
export const WAIT_MARGIN_SECONDS = 2;

/**
 * A step's request to the state machine to wait before running it again: `waitSeconds` is read by a Wait
 * state's SecondsPath (a whole number ≥ 0, as Step Functions requires). The local runtime divides it by its
 * time scale, like every other wait in a definition (local/step-roles.ts).
 */
export interface WaitRequest {
  waitSeconds: number;
}

/**
 * Seconds from `nowMs` until the latest of `readyAtMs` (epoch ms), plus the margin, at least MIN_POLL_SECONDS,
 * rounded up to whole seconds.
 */
export function secondsUntil(readyAtMs: readonly number[], nowMs: number): number {
  const latest = Math.max(nowMs, ...readyAtMs);
  return Math.max(MIN_POLL_SECONDS, Math.ceil((latest - nowMs) / 1000 + WAIT_MARGIN_SECONDS));
}
