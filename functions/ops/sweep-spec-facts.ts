import {
  paginateDescribeRouteTables,
  paginateDescribeSecurityGroups,
  paginateDescribeSubnets,
  paginateDescribeVpcs,
} from '@aws-sdk/client-ec2';
import type { AwsClients } from '../core/clients';
import { fromTagList, ownedFilters, TAG } from '../core/tags';
import { describeAll } from '../resources/owned';
import type { FoundResource } from './inventory';
import { describeVpcAttachments, describeVpcEndpoints } from './inventory-ec2';

/**
 * What a build's tagged resources say about the spec that made them (docs/design.md "12.4 Orphans and the sweep"):
 * read from AWS by the build's tags, for functions/ops/sweep-spec.ts to rebuild a spec from.
 */
export interface BuildFacts {
  vpcCidr?: string;
  privateZones: string[];
  publicZones: string[];
  /** Target group name (`<cluster>-tg-<listener port>`) → the port it forwards to (the NodePort). */
  targetGroupPorts: Map<string, number>;
  /** Service names of the live endpoints (`com.amazonaws.<region>.ssm`). */
  endpointServiceNames: string[];
  /** The gateway of the live attachment, or of a route to one in the build's tables. */
  transitGatewayId?: string;
  /** Destinations routed to a Transit Gateway in the build's tables. */
  transitRoutes: string[];
  /** Every CIDR destination in the build's tables (to pick one that is none of them). */
  routeDestinations: string[];
  /** The bastion group's port-22 sources. */
  sshCidrs: string[];
}

const SSH_PORT = 22;

export async function readBuildFacts(clients: AwsClients, buildId: string, found: FoundResource[]): Promise<BuildFacts> {
  const ids = (type: string) => found.filter((r) => r.type === type).map((r) => r.id);
  const [vpcs, subnets, tables, bastionGroups, endpoints, attachments] = await Promise.all([
    describeAll(
      'DescribeVpcs',
      () => paginateDescribeVpcs({ client: clients.ec2 }, { Filters: ownedFilters(buildId, 'vpc') }),
      (page) => page.Vpcs,
    ),
    describeAll(
      'DescribeSubnets',
      () => paginateDescribeSubnets({ client: clients.ec2 }, { Filters: ownedFilters(buildId) }),
      (page) => page.Subnets,
    ),
    describeAll(
      'DescribeRouteTables',
      () => paginateDescribeRouteTables({ client: clients.ec2 }, { Filters: ownedFilters(buildId) }),
      (page) => page.RouteTables,
    ),
    describeAll(
      'DescribeSecurityGroups',
      () => paginateDescribeSecurityGroups({ client: clients.ec2 }, { Filters: ownedFilters(buildId, 'bastion-sg') }),
      (page) => page.SecurityGroups,
    ),
    // The live ones the inventory found, by id: a deleted endpoint or attachment stays listed for a while.
    describeVpcEndpoints(clients.ec2, ids('vpc-endpoint')),
    describeVpcAttachments(clients.ec2, ids('transit-gateway-attachment')),
  ]);
  const zonesOf = (role: string) =>
    [...new Set(subnets.filter((s) => fromTagList(s.Tags)[TAG.role] === role).map((s) => s.AvailabilityZone))]
      .filter((zone): zone is string => Boolean(zone))
      .sort();
  const routes = tables.flatMap((t) => t.Routes ?? []);
  const toGateway = routes.filter((r) => r.TransitGatewayId && r.DestinationCidrBlock);
  return {
    vpcCidr: vpcs[0]?.CidrBlock,
    privateZones: zonesOf('private-subnet'),
    publicZones: zonesOf('public-subnet'),
    // The inventory's listing of the target groups said their ports: no second DescribeTargetGroups.
    targetGroupPorts: new Map(found.filter((r) => r.type === 'targetgroup').map((tg) => [tg.name ?? '', tg.port ?? 0])),
    endpointServiceNames: [...new Set(endpoints.map((e) => e.resource.ServiceName).filter((name): name is string => Boolean(name)))],
    transitGatewayId: attachments[0]?.resource.TransitGatewayId ?? toGateway[0]?.TransitGatewayId,
    transitRoutes: [...new Set(toGateway.map((r) => r.DestinationCidrBlock as string))].sort(),
    routeDestinations: routes.map((r) => r.DestinationCidrBlock).filter((d): d is string => Boolean(d)),
    sshCidrs: [
      ...new Set(
        bastionGroups
          .flatMap((g) => g.IpPermissions ?? [])
          .filter((p) => p.IpProtocol === '-1' || ((p.FromPort ?? 0) <= SSH_PORT && SSH_PORT <= (p.ToPort ?? 0)))
          .flatMap((p) => (p.IpRanges ?? []).map((range) => range.CidrIp))
          .filter((cidr): cidr is string => Boolean(cidr)),
      ),
    ],
  };
}
