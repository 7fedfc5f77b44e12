import { paginateDescribeInternetGateways, paginateDescribeSubnets, paginateDescribeVpcs, type InternetGateway } from '@aws-sdk/client-ec2';
import type { AwsClients } from '../core/clients';
import type { BuildOutputs } from '../core/contracts';
import type { Plan, SubnetPlan } from '../core/plan';
import { fromTagList, isOwnedBy, ownedFilters } from '../core/tags';
import { describeVpcDns } from '../resources/baseline';
import { describeAll } from '../resources/owned';
import type { Drift } from './contracts';
import { connectionDrift } from './drift-connections';
import { gone, label, unlessEqual } from './drift-format';
import { routeDrift, type BuiltSubnet } from './drift-routes';

/**
 * The network (docs/design.md "1.1 Topology and defaults"): the VPC with DNS support and hostnames on, every subnet,
 * the Internet Gateway (where planned) attached to the VPC, each subnet's routes (drift-routes.ts) and the
 * connections (drift-connections.ts). Without its VPC nothing inside can be there: that one line says it all.
 */

function builtSubnets(plan: Plan, outputs: BuildOutputs): BuiltSubnet[] {
  const { private: privateIds, public: bastionSubnet, publicByZone } = outputs.subnetIds;
  // Builds made before issue 9 recorded one public subnet, the first zone's.
  const publicIds = publicByZone ?? (bastionSubnet && plan.publicSubnets[0] ? { [plan.publicSubnets[0].az]: bastionSubnet } : {});
  const built = (subnets: SubnetPlan[], ids: Record<string, string>, isPublic: boolean): BuiltSubnet[] =>
    subnets.flatMap((subnet) => {
      const id = ids[subnet.az];
      return id ? [{ resource: label('subnet', subnet.name, id), id, az: subnet.az, public: isPublic }] : [];
    });
  return [...built(plan.privateSubnets, privateIds, false), ...built(plan.publicSubnets, publicIds, true)];
}

/** The build's gateway, found by its tags (the outputs do not carry its id), and whether it is attached to the VPC. */
async function internetGatewayDrift(clients: AwsClients, plan: Plan, vpcId: string): Promise<{ drift: Drift[]; gatewayId?: string }> {
  const planned = plan.internetGateway;
  if (!planned) return { drift: [] };
  const gateways = await describeAll(
    'DescribeInternetGateways',
    () => paginateDescribeInternetGateways({ client: clients.ec2 }, { Filters: ownedFilters(plan.buildId, 'internet-gateway') }),
    (page) => page.InternetGateways,
  );
  const ours = gateways.filter((gateway: InternetGateway) => isOwnedBy(fromTagList(gateway.Tags), plan.buildId));
  const gateway = ours.find((candidate) => candidate.Attachments?.some((a) => a.VpcId === vpcId)) ?? ours[0];
  if (!gateway?.InternetGatewayId) return { drift: [gone(label('internet-gateway', planned.name))], gatewayId: planned.name };
  // EC2 reports an attached gateway's attachment as `available` (its type says `attached`); one detaching is on its way out.
  const attachedTo = gateway.Attachments?.find((a) => !String(a.State).startsWith('detach'))?.VpcId ?? null;
  return {
    drift: unlessEqual(label('internet-gateway', planned.name, gateway.InternetGatewayId), 'attachment', vpcId, attachedTo),
    gatewayId: gateway.InternetGatewayId,
  };
}

export async function networkDrift(clients: AwsClients, plan: Plan, outputs: BuildOutputs): Promise<Drift[]> {
  const vpc = label('vpc', plan.vpc.name, outputs.vpcId);
  // By filter, not by id: an id AWS no longer knows would fail a by-id request as a whole (…NotFound).
  const vpcs = await describeAll(
    'DescribeVpcs',
    () => paginateDescribeVpcs({ client: clients.ec2 }, { Filters: [{ Name: 'vpc-id', Values: [outputs.vpcId] }] }),
    (page) => page.Vpcs?.map((found) => found.VpcId),
  );
  if (!vpcs.includes(outputs.vpcId)) return [gone(vpc)];

  const subnets = builtSubnets(plan, outputs);
  const [dns, subnetIds, gateway] = await Promise.all([
    describeVpcDns(clients, outputs.vpcId),
    subnets.length
      ? describeAll(
          'DescribeSubnets',
          () =>
            paginateDescribeSubnets(
              { client: clients.ec2 },
              { Filters: [{ Name: 'subnet-id', Values: subnets.map((subnet) => subnet.id) }] },
            ),
          (page) => page.Subnets?.map((found) => found.SubnetId),
        )
      : ([] as Array<string | undefined>),
    internetGatewayDrift(clients, plan, outputs.vpcId),
  ]);
  const present = subnets.filter((subnet) => subnetIds.includes(subnet.id));
  const [routes, connections] = await Promise.all([
    routeDrift(clients, plan, outputs, present, gateway.gatewayId),
    connectionDrift(clients, plan, outputs),
  ]);
  return [
    // The build turns both on (resources/vpc.ts); interface endpoints' private DNS names need them.
    ...unlessEqual(vpc, 'enableDnsSupport', true, dns.support),
    ...unlessEqual(vpc, 'enableDnsHostnames', true, dns.hostnames),
    ...subnets.filter((subnet) => !subnetIds.includes(subnet.id)).map((subnet) => gone(subnet.resource)),
    ...gateway.drift,
    ...routes,
    ...connections,
  ];
}
