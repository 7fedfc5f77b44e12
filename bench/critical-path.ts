import type { BuildSpec } from '../functions/core/spec';
import type { LatencyModel } from '../local/cloud/contract';

/** The spec fields that add waits (docs/design.md "1.3"). */
export type WaitingOptions = Pick<BuildSpec, 'egress' | 'endpoints' | 'transitGateway'>;

const hasInterfaceEndpoints = (spec: WaitingOptions) => spec.endpoints.some((service) => service !== 's3');

/**
 * What a perfectly parallel workflow with zero overhead would take on the latency model, in simulated
 * seconds. Build: the network is immediate; then nodes and bastion (pending → running → status checks ok)
 * run alongside the NLB (provisioning → active) and the connections (NAT gateways, interface endpoints, the
 * Transit Gateway attachment: pending → available, all at once); registration needs only `running`, and
 * the connections' routes are immediate, so both hide inside.
 */
export function buildBound(latency: LatencyModel, spec: WaitingOptions): number {
  const connections = Math.max(
    spec.egress === 'none' ? 0 : latency.natGatewayPendingToAvailable,
    hasInterfaceEndpoints(spec) ? latency.vpcEndpointPendingToAvailable : 0,
    spec.transitGateway ? latency.transitGatewayAttachmentPendingToAvailable : 0,
  );
  return Math.max(latency.instancePendingToRunning + latency.statusChecksInitializingToOk, latency.nlbProvisioningToActive, connections);
}

/**
 * Teardown: deleting the NLB (its ENIs linger), the connections (deletes started by the same first step) and
 * terminating the instances all overlap; the network goes once every one of them is done.
 */
export function teardownBound(latency: LatencyModel, spec: WaitingOptions): number {
  const connections = Math.max(
    spec.egress === 'none' ? 0 : latency.natGatewayDeletingToDeleted,
    hasInterfaceEndpoints(spec) ? latency.vpcEndpointDeletingToDeleted : 0,
    spec.transitGateway ? latency.transitGatewayAttachmentDeletingToDeleted : 0,
  );
  return Math.max(latency.nlbEniLingerAfterDelete, latency.instanceShuttingDownToTerminated, connections);
}

/** One token bucket's use over a run, as the embedded cloud reports it (local/cloud/throttle.ts BucketUsage). */
export interface BucketLoad {
  bucket: string;
  capacity: number;
  refillPerSecond: number;
  taken: number;
}

/**
 * The throttle-aware lower bound of running many builds at once, in simulated seconds: no schedule can end
 * before the longest of
 * - one build's critical path (`buildBound`);
 * - for each token bucket, the time it needs to hand out every token the builds took from it (all but a full
 *   bucket's capacity arrive at its refill rate) — EC2 evaluates each API on its own
 *   (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html), so the mutating calls of all builds
 *   are bounded per action, not as one sum; plus, for the buckets whose last call starts a slow transition, that
 *   transition: the last RunInstances' instance must still boot and pass its status checks, the last
 *   CreateLoadBalancer's NLB must still become active.
 * `after` names those tails by bucket.
 */
export function throttleBound(
  latency: LatencyModel,
  spec: WaitingOptions,
  buckets: readonly BucketLoad[],
): { boundSimSeconds: number; limitedBy: string } {
  const after: Record<string, number> = {
    'ec2:RunInstances': latency.instancePendingToRunning + latency.statusChecksInitializingToOk,
    'ec2:resources:RunInstances': latency.instancePendingToRunning + latency.statusChecksInitializingToOk,
    'elbv2:resource-intensive': latency.nlbProvisioningToActive,
  };
  let best = { boundSimSeconds: buildBound(latency, spec), limitedBy: 'one build’s critical path' };
  for (const b of buckets) {
    const drain = Math.max(0, b.taken - b.capacity) / b.refillPerSecond;
    const bound = drain + (drain > 0 ? (after[b.bucket] ?? 0) : 0);
    if (bound > best.boundSimSeconds) best = { boundSimSeconds: bound, limitedBy: b.bucket };
  }
  return { boundSimSeconds: Math.round(best.boundSimSeconds * 10) / 10, limitedBy: best.limitedBy };
}
