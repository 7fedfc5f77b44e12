import { DescribeRouteTablesCommand, DescribeVpcAttributeCommand, paginateDescribeSecurityGroupRules } from '@aws-sdk/client-ec2';
import {
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupAttributesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsClients } from '../core/clients';
import { aws } from '../core/errors';
import { describeAll } from './owned';

/** Read-only views of what was built, for VerifyBaseline: the rules and settings as AWS reports them. */
export interface IngressRuleView {
  groupId: string;
  protocol: string;
  fromPort?: number;
  toPort?: number;
  cidr?: string;
  referencedGroupId?: string;
}

/**
 * The VPC's DNS attributes: interface endpoints with private DNS answer only in a VPC with DNS support and DNS
 * hostnames on (AWS PrivateLink guide, "DNS attributes for your VPC"). One attribute per call, as the API takes them.
 */
export async function describeVpcDns(clients: AwsClients, vpcId: string): Promise<{ support: boolean; hostnames: boolean }> {
  const [support, hostnames] = await Promise.all(
    (['enableDnsSupport', 'enableDnsHostnames'] as const).map((Attribute) =>
      aws('ec2:DescribeVpcAttribute', () => clients.ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute }))),
    ),
  );
  return { support: support.EnableDnsSupport?.Value === true, hostnames: hostnames.EnableDnsHostnames?.Value === true };
}

export async function describeIngressRules(clients: AwsClients, groupIds: string[]): Promise<IngressRuleView[]> {
  const rules = await describeAll(
    'ec2:DescribeSecurityGroupRules',
    () => paginateDescribeSecurityGroupRules({ client: clients.ec2 }, { Filters: [{ Name: 'group-id', Values: groupIds }] }),
    (page) => page.SecurityGroupRules,
  );
  return rules
    .filter((r) => !r.IsEgress)
    .map((r) => ({
      groupId: r.GroupId ?? '',
      protocol: r.IpProtocol ?? '',
      fromPort: r.FromPort,
      toPort: r.ToPort,
      cidr: r.CidrIpv4 ?? r.CidrIpv6,
      referencedGroupId: r.ReferencedGroupInfo?.GroupId,
    }));
}

/** Destination CIDRs routed from the route table associated with each subnet. */
export async function describeSubnetRoutes(clients: AwsClients, subnetIds: string[]): Promise<Record<string, string[]>> {
  const result = await aws('ec2:DescribeRouteTables', () =>
    clients.ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'association.subnet-id', Values: subnetIds }] })),
  );
  const routes: Record<string, string[]> = Object.fromEntries(subnetIds.map((id) => [id, []]));
  for (const table of result.RouteTables ?? []) {
    const destinations = (table.Routes ?? []).map(
      (r) =>
        `${r.DestinationCidrBlock ?? r.DestinationIpv6CidrBlock ?? r.DestinationPrefixListId}→${r.GatewayId ?? r.NatGatewayId ?? r.TransitGatewayId ?? 'other'}`,
    );
    for (const association of table.Associations ?? []) {
      if (association.SubnetId && routes[association.SubnetId]) routes[association.SubnetId] = destinations;
    }
  }
  return routes;
}

export async function describeTargetGroupAttributes(clients: AwsClients, arns: string[]): Promise<Record<string, Record<string, string>>> {
  const entries = await Promise.all(
    arns.map(async (arn) => {
      const result = await aws('elbv2:DescribeTargetGroupAttributes', () =>
        clients.elbv2.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: arn })),
      );
      return [arn, Object.fromEntries((result.Attributes ?? []).map((a) => [a.Key ?? '', a.Value ?? '']))] as const;
    }),
  );
  return Object.fromEntries(entries);
}

export interface LoadBalancerView {
  scheme?: string;
  type?: string;
  securityGroups: string[];
  availabilityZones: string[];
  attributes: Record<string, string>;
}

export async function describeLoadBalancerView(clients: AwsClients, arn: string): Promise<LoadBalancerView> {
  const [described, attributes] = await Promise.all([
    aws('elbv2:DescribeLoadBalancers', () => clients.elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [arn] }))),
    aws('elbv2:DescribeLoadBalancerAttributes', () =>
      clients.elbv2.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn })),
    ),
  ]);
  const lb = described.LoadBalancers?.[0];
  return {
    scheme: lb?.Scheme,
    type: lb?.Type,
    securityGroups: lb?.SecurityGroups ?? [],
    availabilityZones: (lb?.AvailabilityZones ?? []).map((z) => z.ZoneName ?? ''),
    attributes: Object.fromEntries((attributes.Attributes ?? []).map((a) => [a.Key ?? '', a.Value ?? ''])),
  };
}
