import type { AwsClients } from '../core/clients';
import type { LegacyNetworkIds, NetworkIds, NetworkProgress } from '../core/contracts';
import type { Plan } from '../core/plan';
import { deleteInternetGateway, ensureInternetGateway } from './gateways';
import { assertLoadBalancerInterfacesGone } from './network-interfaces';
import { deleteRouteTables, ensureRouteTables } from './route-tables';
import { deleteSecurityGroups, ensureSecurityGroups } from './security-groups';
import { deleteSubnets, ensureSubnets } from './subnets';
import { deleteVpc, ensureVpc, ownedVpcIds } from './vpc';

/**
 * The order of the network's parts, in one place: VPC → Internet Gateway → subnets → route tables (they
 * need the subnets and the gateway) → security groups (their rules reference each other).
 *
 * At most one create without an idempotency key per call. CreateVpc and CreateInternetGateway take no
 * ClientToken and a Describe by tag may not show them for a while; if this call went on after creating
 * one and a later call failed (a throttle), Step Functions would retry it with the same input, in any
 * Lambda container, and a Describe by tag that does not show the new one yet would lead to a second one. So a call that has just created the VPC or the gateway returns
 * at once, `complete: false`, and the state machine runs it again with those ids as `known` (docs/design.md "6.2 Creates without an idempotency key":
 * carry created IDs forward). What a call finds (by tag or by a known id) does not stop it. The other
 * parts are safe to create in the same call: a subnet's CIDR and a security group's name are unique in the
 * VPC (a duplicate create answers Conflict/Duplicate, read as "exists"), and CreateRouteTable takes a
 * ClientToken. Hence at most three calls for a new network, and the function is safe to repeat after a
 * failure at any point.
 */
export async function ensureNetwork(clients: AwsClients, plan: Plan, known: Partial<NetworkIds> = {}): Promise<NetworkProgress> {
  const vpc = await ensureVpc(clients, plan, known.vpcId);
  if (vpc.created) return { complete: false, vpcId: vpc.id };
  const vpcId = vpc.id;
  let internetGatewayId: string | undefined;
  if (plan.internetGateway) {
    const gateway = await ensureInternetGateway(clients, plan, vpcId, known.internetGatewayId);
    if (gateway.created) return { complete: false, vpcId, internetGatewayId: gateway.id };
    internetGatewayId = gateway.id;
  }
  const subnetIds = await ensureSubnets(clients, plan, vpcId, known);
  const routeTableIds = await ensureRouteTables(clients, plan, { vpcId, internetGatewayId, ...subnetIds }, known);
  const securityGroupIds = await ensureSecurityGroups(clients, plan, vpcId, known.securityGroupIds);
  return {
    complete: true,
    vpcId,
    ...subnetIds,
    ...(internetGatewayId && { internetGatewayId }),
    ...routeTableIds,
    securityGroupIds,
  };
}

/**
 * Deletion walks the creation order back, after the parts that live in the network (instances, NLB, the
 * bastion's Elastic IP) are gone:
 * 1. the NLB's interfaces linger minutes after DeleteLoadBalancer and block subnets and the NLB security
 *    group, so wait for them first (ResourceNotReady) rather than fail deletes on them;
 * 2. the Internet Gateway (a still-mapped Elastic IP blocks its detach: ResourceNotReady);
 * 3. route tables (disassociated first), 4. security groups (cross-references revoked first),
 * 5. subnets, 6. the VPC.
 * Each part finds what is left by tag, adds the ids `carried` in the build's state (a rollback right after
 * a create, when the tag lookup may not show it yet; see core/carried.ts) and treats "already gone" as
 * success, so a retry resumes where the previous attempt stopped, and a build whose VPC is already gone
 * deletes nothing and succeeds. Returns the ids deleted by this call.
 */
export async function deleteNetwork(
  clients: AwsClients,
  buildId: string,
  carried: Partial<NetworkIds> & LegacyNetworkIds = {},
): Promise<string[]> {
  for (const vpcId of await ownedVpcIds(clients, buildId, carried.vpcId)) await assertLoadBalancerInterfacesGone(clients, vpcId);
  return [
    ...(await deleteInternetGateway(clients, buildId, carried.internetGatewayId)),
    ...(await deleteRouteTables(clients, buildId, [
      carried.publicRouteTableId,
      carried.privateRouteTableId,
      ...Object.values(carried.privateRouteTableIds ?? {}),
    ])),
    ...(await deleteSecurityGroups(clients, buildId, Object.values(carried.securityGroupIds ?? {}))),
    ...(await deleteSubnets(clients, buildId, [
      carried.publicSubnetId,
      ...Object.values(carried.publicSubnetIds ?? {}),
      ...Object.values(carried.privateSubnetIds ?? {}),
    ])),
    ...(await deleteVpc(clients, buildId, carried.vpcId)),
  ];
}
