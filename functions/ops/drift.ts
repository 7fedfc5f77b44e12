import type { AwsClients } from '../core/clients';
import type { BuildOutputs } from '../core/contracts';
import type { Plan } from '../core/plan';
import type { Drift } from './contracts';
import { instanceDrift } from './drift-instances';
import { loadBalancerDrift } from './drift-load-balancer';
import { networkDrift } from './drift-network';
import { securityGroupDrift } from './drift-security-groups';

/**
 * What differs between a live build and what it made (docs/design.md "12.3 Drift"): the resources its outputs name,
 * read back now and compared with its plan and the security baseline. Only Describe calls: it changes nothing, so
 * it can run under a read-only role and as often as anyone likes. Empty when the build is as it was made; the
 * order is fixed (network, security groups, instances, load balancer, each in the plan's order), so two calls on
 * an unchanged build answer the same.
 */
export async function findDrift(clients: AwsClients, plan: Plan, outputs: BuildOutputs): Promise<Drift[]> {
  const parts = await Promise.all([
    networkDrift(clients, plan, outputs),
    securityGroupDrift(clients, plan, outputs),
    instanceDrift(clients, plan, outputs),
    loadBalancerDrift(clients, plan, outputs),
  ]);
  return parts.flat();
}
