/** Networks and control-interface calls for the transit gateway, NAT gateway and VPC endpoint tests. */
import * as E from '@aws-sdk/client-ec2';
import { BUILD_TAG, tagSpec } from './fixtures';
import type { Harness } from './helpers';

export interface TwoZoneNetwork {
  vpcId: string;
  /** One subnet in each of ap-northeast-2a and ap-northeast-2c. */
  subnetIds: [string, string];
  routeTableId: string;
  groupId: string;
  igwId?: string;
}

/**
 * A VPC of ours (tagged with the build id) with two subnets in two zones, a route table and a group; with `igw`
 * an attached internet gateway, with `dns` DNS hostnames on (DNS support is on by default, hostnames off).
 */
export async function twoZoneNetwork(
  ec2: E.EC2Client,
  opts: { igw?: boolean; dns?: boolean; buildId?: string } = {},
): Promise<TwoZoneNetwork> {
  const tags = (type: E.ResourceType) => [tagSpec(type, { [BUILD_TAG]: opts.buildId ?? 'b-1' })];
  const vpcId = (await ec2.send(new E.CreateVpcCommand({ CidrBlock: '10.0.0.0/16', TagSpecifications: tags('vpc') }))).Vpc!.VpcId!;
  const subnet = async (cidr: string, az: string) =>
    (await ec2.send(new E.CreateSubnetCommand({ VpcId: vpcId, CidrBlock: cidr, AvailabilityZone: az, TagSpecifications: tags('subnet') })))
      .Subnet!.SubnetId!;
  const subnetIds: [string, string] = [await subnet('10.0.1.0/24', 'ap-northeast-2a'), await subnet('10.0.2.0/24', 'ap-northeast-2c')];
  const routeTableId = (await ec2.send(new E.CreateRouteTableCommand({ VpcId: vpcId, TagSpecifications: tags('route-table') }))).RouteTable!
    .RouteTableId!;
  const groupId = (
    await ec2.send(
      new E.CreateSecurityGroupCommand({
        VpcId: vpcId,
        GroupName: 'endpoints',
        Description: 'endpoints',
        TagSpecifications: tags('security-group'),
      }),
    )
  ).GroupId!;
  let igwId: string | undefined;
  if (opts.igw) {
    igwId = (await ec2.send(new E.CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!;
    await ec2.send(new E.AttachInternetGatewayCommand({ InternetGatewayId: igwId, VpcId: vpcId }));
  }
  if (opts.dns) await ec2.send(new E.ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsHostnames: { Value: true } }));
  return { vpcId, subnetIds, routeTableId, groupId, igwId };
}

/** A JSON call to the control interface, as the CLI or a bench would make it. */
export async function control(h: Harness, method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${h.cloud.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

/** The requester-managed interfaces in a subnet, as DescribeNetworkInterfaces lists them. */
export async function interfacesIn(ec2: E.EC2Client, subnetId: string): Promise<E.NetworkInterface[]> {
  const { NetworkInterfaces } = await ec2.send(
    new E.DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'subnet-id', Values: [subnetId] }] }),
  );
  return NetworkInterfaces ?? [];
}
