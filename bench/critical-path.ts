import type { LatencyModel } from '../local/cloud/contract';

/**
 * What a perfectly parallel workflow with zero overhead would take on the latency model, in simulated
 * seconds. Build: the network is immediate; then nodes and bastion (pending → running → status checks ok)
 * run alongside the NLB (provisioning → active); registration needs only `running`, so it hides inside.
 * Teardown: deleting the NLB (its ENIs linger) and terminating the instances can overlap; the network
 * goes once both are done.
 */
export function buildBound(latency: LatencyModel): number {
  return Math.max(latency.instancePendingToRunning + latency.statusChecksInitializingToOk, latency.nlbProvisioningToActive);
}

export function teardownBound(latency: LatencyModel): number {
  return Math.max(latency.nlbEniLingerAfterDelete, latency.instanceShuttingDownToTerminated);
}
