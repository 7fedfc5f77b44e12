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
