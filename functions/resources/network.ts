import type { AwsClients } from '../core/clients';
import type { LegacyNetworkIds, NetworkIds, NetworkProgress } from '../core/contracts';
import type { Plan } from '../core/plan';
import { deleteInternetGateway, ensureInternetGateway } from './gateways';
import { assertInterfacesGone } from './network-interfaces';
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
 *
 * Fewer calls (docs/design.md "13.2 Build steps: fewer calls"):
 * - the VPC and gateway ids the state carries are used without a Describe (they came from this build's creates);
 * - DNS hostnames are turned on once: a run carrying the gateway's id follows the run that turned them on
 *   before it created the gateway (without a gateway in the plan, the run after CreateVpc is the last one);
 * - when this call has created every subnet, no earlier attempt got past them, so the route tables and security
 *   groups are not looked up by tag: there are none yet.
 */
export async function ensureNetwork(clients: AwsClients, plan: Plan, known: Partial<NetworkIds> = {}): Promise<NetworkProgress> {
  const vpc = await ensureVpc(clients, plan, known.vpcId, Boolean(known.internetGatewayId));
  if (vpc.created) return { complete: false, vpcId: vpc.id };
  const vpcId = vpc.id;
  let internetGatewayId: string | undefined;
  if (plan.internetGateway) {
    const gateway = await ensureInternetGateway(clients, plan, vpcId, known.internetGatewayId);
    if (gateway.created) return { complete: false, vpcId, internetGatewayId: gateway.id };
    internetGatewayId = gateway.id;
  }
  const { ids: subnetIds, allCreated: noneYet } = await ensureSubnets(clients, plan, vpcId, known);
  const routeTableIds = await ensureRouteTables(clients, plan, { vpcId, internetGatewayId, ...subnetIds }, known, noneYet);
  const securityGroupIds = await ensureSecurityGroups(clients, plan, vpcId, known.securityGroupIds, noneYet);
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
 * bastion's Elastic IP, the connections) have been deleted and the teardown's wait for them has passed:
 * 1. the build's VPC(s), by tag and the carried id: one DescribeVpcs for the whole run. Without a VPC there is no
 *    subnet, route table or security group (they live in it) and only a gateway can be left;
 * 2. nothing may be left in the VPC: an instance not yet terminated, an NLB's lingering interfaces, a connection's
 *    interfaces hold subnets and security groups, so while any interface remains this waits (ResourceNotReady,
 *    naming them) before sending a single delete (network-interfaces.ts);
 * 3. the Internet Gateway (a still-mapped Elastic IP blocks its detach: ResourceNotReady);
 * 4. subnets, before their route tables. AWS documents what blocks DeleteSubnet (what runs in the subnet,
 *    https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteSubnet.html), not what becomes of the
 *    subnet's route table association; we expect it to go with the subnet (the embedded cloud drops it), so
 *    usually no DisassociateRouteTable is sent, but nothing relies on it (5.);
 * 5. route tables: a table that still has an association cannot be deleted
 *    (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteRouteTable.html), so any association the
 *    Describe still lists is removed first, and one it did not list yet answers DependencyViolation
 *    (ResourceNotReady): the retry lists it and removes it;
 * 6. security groups (in an order that needs a revoke only to break a cycle); 7. the VPC(s).
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
  const vpcIds = await ownedVpcIds(clients, buildId, carried.vpcId);
  if (vpcIds.length === 0) return deleteInternetGateway(clients, buildId, carried.internetGatewayId);
  await assertInterfacesGone(clients, vpcIds);
  return [
    ...(await deleteInternetGateway(clients, buildId, carried.internetGatewayId)),
    ...(await deleteSubnets(clients, buildId, [
      carried.publicSubnetId,
      ...Object.values(carried.publicSubnetIds ?? {}),
      ...Object.values(carried.privateSubnetIds ?? {}),
    ])),
    ...(await deleteRouteTables(clients, buildId, [
      carried.publicRouteTableId,
      carried.privateRouteTableId,
      ...Object.values(carried.privateRouteTableIds ?? {}),
    ])),
    ...(await deleteSecurityGroups(clients, buildId, Object.values(carried.securityGroupIds ?? {}))),
    ...(await deleteVpc(clients, vpcIds)),
  ];
}
