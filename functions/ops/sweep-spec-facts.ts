import {
  paginateDescribeRouteTables,
  paginateDescribeSecurityGroups,
  paginateDescribeSubnets,
  paginateDescribeTransitGatewayVpcAttachments,
  paginateDescribeVpcEndpoints,
  paginateDescribeVpcs,
  type Filter,
} from '@aws-sdk/client-ec2';
import { DescribeTargetGroupsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsClients } from '../core/clients';
import { fromTagList, ownedFilters, TAG } from '../core/tags';
import { describeAll, goneAs } from '../resources/owned';
import type { FoundResource } from './inventory';

/**
 * What a build's tagged resources say about the spec that made them (docs/design.md "12.4 Orphans and the sweep"):
 * read from AWS by the build's tags, for functions/ops/sweep-spec.ts to rebuild a spec from.
 */
export interface BuildFacts {
  vpcCidr?: string;
  privateZones: string[];
  publicZones: string[];
  /** Listener port → the port its target group forwards to (the NodePort), from `<cluster>-tg-<port>` groups. */
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
  const [vpcs, subnets, tables, bastionGroups, endpoints, attachments, targetGroups] = await Promise.all([
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
    byIds(ids('vpc-endpoint'), 'vpc-endpoint-id', (Filters) =>
      describeAll(
        'DescribeVpcEndpoints',
        () => paginateDescribeVpcEndpoints({ client: clients.ec2 }, { Filters }),
        (page) => page.VpcEndpoints,
      ),
    ),
    byIds(ids('transit-gateway-attachment'), 'transit-gateway-attachment-id', (Filters) =>
      describeAll(
        'DescribeTransitGatewayVpcAttachments',
        () => paginateDescribeTransitGatewayVpcAttachments({ client: clients.ec2 }, { Filters }),
        (page) => page.TransitGatewayVpcAttachments,
      ),
    ),
    describeTargetGroups(clients, ids('targetgroup')),
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
    targetGroupPorts: new Map(targetGroups.map((tg) => [tg.TargetGroupName ?? '', tg.Port ?? 0])),
    endpointServiceNames: [...new Set(endpoints.map((e) => e.ServiceName).filter((name): name is string => Boolean(name)))],
    transitGatewayId: attachments[0]?.TransitGatewayId ?? toGateway[0]?.TransitGatewayId,
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

/**
 * A Describe by an id filter, of the live ones the inventory found (a deleted endpoint or attachment stays listed
 * for a while); none is no call (a filter without values is refused).
 */
function byIds<T>(ids: string[], filterName: string, describe: (filters: Filter[]) => Promise<T[]>): Promise<T[]> {
  return ids.length ? describe([{ Name: filterName, Values: ids }]) : Promise.resolve([]);
}

/**
 * The build's target groups by ARN. One deleted since the inventory listed it fails the whole call (NotFound):
 * then each is asked alone, and the gone one is left out.
 */
async function describeTargetGroups(clients: AwsClients, arns: string[]) {
  const ask = (TargetGroupArns: string[]) =>
    goneAs(undefined, 'DescribeTargetGroups', () => clients.elbv2.send(new DescribeTargetGroupsCommand({ TargetGroupArns })));
  if (!arns.length) return [];
  const all = await ask(arns);
  const answers = all ? [all] : await Promise.all(arns.map((arn) => ask([arn])));
  return answers.flatMap((answer) => answer?.TargetGroups ?? []);
}
