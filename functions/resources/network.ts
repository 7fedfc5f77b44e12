import type { AwsClients } from '../core/clients';
import type { NetworkIds } from '../core/contracts';
import type { Plan } from '../core/plan';
import { deleteInternetGateway, ensureInternetGateway } from './gateways';
import { assertLoadBalancerInterfacesGone } from './network-interfaces';
import { deleteRouteTables, ensureRouteTables } from './route-tables';
import { deleteSecurityGroups, ensureSecurityGroups } from './security-groups';
import { deleteSubnets, ensureSubnets } from './subnets';
import { deleteVpc, ensureVpc, ownedVpcIds } from './vpc';

/**
 * The order of the network's parts, in one place. Creation goes VPC → subnets → Internet Gateway → route
 * tables (they need the subnets and the gateway) → security groups (their rules reference each other).
 * Every part is found before it is created, so the whole function is safe to repeat after a failure at
 * any point; `known` carries ids from an earlier run (e.g. a redriven execution) forward.
 */
export async function ensureNetwork(clients: AwsClients, plan: Plan, known: Partial<NetworkIds> = {}): Promise<NetworkIds> {
  const vpcId = await ensureVpc(clients, plan, known.vpcId);
  const { privateSubnetIds, publicSubnetId } = await ensureSubnets(clients, plan, vpcId, known);
  const internetGatewayId = await ensureInternetGateway(clients, plan, vpcId, known.internetGatewayId);
  const { privateRouteTableId, publicRouteTableId } = await ensureRouteTables(
    clients,
    plan,
    { vpcId, internetGatewayId, privateSubnetIds, publicSubnetId },
    known,
  );
  const securityGroupIds = await ensureSecurityGroups(clients, plan, vpcId, known.securityGroupIds);
  return { vpcId, privateSubnetIds, publicSubnetId, internetGatewayId, privateRouteTableId, publicRouteTableId, securityGroupIds };
}

/**
 * Deletion walks the creation order back, after the parts that live in the network (instances, NLB, the
 * bastion's Elastic IP) are gone:
 * 1. the NLB's interfaces linger minutes after DeleteLoadBalancer and block subnets and the NLB security
 *    group, so wait for them first (ResourceNotReady) rather than fail deletes on them;
 * 2. the Internet Gateway (a still-mapped Elastic IP blocks its detach: ResourceNotReady);
 * 3. route tables (disassociated first), 4. security groups (cross-references revoked first),
 * 5. subnets, 6. the VPC.
 * Each part finds what is left by tag and treats "already gone" as success, so a retry resumes where the
 * previous attempt stopped, and a build whose VPC is already gone deletes nothing and succeeds.
 * Returns the ids deleted by this call.
 */
export async function deleteNetwork(clients: AwsClients, buildId: string): Promise<string[]> {
  for (const vpcId of await ownedVpcIds(clients, buildId)) await assertLoadBalancerInterfacesGone(clients, vpcId);
  return [
    ...(await deleteInternetGateway(clients, buildId)),
    ...(await deleteRouteTables(clients, buildId)),
    ...(await deleteSecurityGroups(clients, buildId)),
    ...(await deleteSubnets(clients, buildId)),
    ...(await deleteVpc(clients, buildId)),
  ];
}
