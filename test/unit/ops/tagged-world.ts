import {
  DescribeInstancesCommand,
  DescribeNatGatewaysCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeTagsCommand,
  DescribeTransitGatewayVpcAttachmentsCommand,
  DescribeVolumesCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  type Filter,
} from '@aws-sdk/client-ec2';
import {
  DescribeLoadBalancersCommand,
  DescribeTagsCommand as DescribeElbTagsCommand,
  DescribeTargetGroupsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { ListInstanceProfilesCommand, ListInstanceProfileTagsCommand, ListRolesCommand, ListRoleTagsCommand } from '@aws-sdk/client-iam';
import { toTagList, type Tags } from '../../../functions/core/tags';
import { awsError, targetGroupNotFound, type MockedAws } from '../../fixtures/aws';

/**
 * An account as the orphan listing and the sweep read it, answering through aws-sdk-client-mock the way AWS
 * does: EC2 DescribeTags one row per tag (filters `key`, `value`, `resource-id`), Describe* by their id filters
 * and `tag:<key>`, ELBv2's DescribeTags 20 ARNs at most, IAM's listings by path prefix without tags. A filter
 * it does not know fails the test rather than match everything.
 */
export interface Ec2Item {
  /** DescribeTags' resource type. */
  type: string;
  id: string;
  tags: Tags;
  /** The kind's state (`running`, `available`, `in-use`, `deleted`…), where it has one. */
  state?: string;
  createdAt?: Date;
  /** The rest of the resource as AWS describes it (CidrBlock, AvailabilityZone, Routes, IpPermissions, ServiceName…). */
  fields?: Record<string, unknown>;
}

export interface ElbItem {
  arn: string;
  name: string;
  tags: Tags;
  createdAt?: Date;
  port?: number;
}

export interface IamItem {
  name: string;
  path: string;
  tags: Tags;
  createdAt: Date;
}

export const ACCOUNT = '123456789012';
export const elbArn = (kind: 'loadbalancer/net' | 'targetgroup', name: string) =>
  `arn:aws:elasticloadbalancing:ap-northeast-2:${ACCOUNT}:${kind}/${name}/0123456789abcdef`;
export const iamArn = (kind: 'role' | 'instance-profile', item: IamItem) => `arn:aws:iam::${ACCOUNT}:${kind}${item.path}${item.name}`;

/** The tags every resource of build `buildId` of cluster `cluster` carries, with its role and Name. */
export const ours = (buildId: string, cluster: string, role: string, name: string): Tags => ({
  Name: name,
  'k8s-ec2:cluster': cluster,
  'k8s-ec2:build-id': buildId,
  'k8s-ec2:role': role,
  'k8s-ec2:managed-by': 'k8s-ec2-builder',
  [`kubernetes.io/cluster/${cluster}`]: 'owned',
});

const ID_FIELD: Record<string, string> = {
  vpc: 'VpcId',
  subnet: 'SubnetId',
  'route-table': 'RouteTableId',
  'security-group': 'GroupId',
  instance: 'InstanceId',
  natgateway: 'NatGatewayId',
  'vpc-endpoint': 'VpcEndpointId',
  'transit-gateway-attachment': 'TransitGatewayAttachmentId',
  volume: 'VolumeId',
  'network-interface': 'NetworkInterfaceId',
};

const ID_FILTER: Record<string, string> = {
  instance: 'instance-id',
  natgateway: 'nat-gateway-id',
  'vpc-endpoint': 'vpc-endpoint-id',
  'transit-gateway-attachment': 'transit-gateway-attachment-id',
  volume: 'volume-id',
  'network-interface': 'network-interface-id',
};

export class TaggedWorld {
  ec2: Ec2Item[] = [];
  loadBalancers: ElbItem[] = [];
  targetGroups: ElbItem[] = [];
  roles: IamItem[] = [];
  profiles: IamItem[] = [];
  /** ELBv2 ARNs deleted after they were listed: DescribeTags and DescribeTargetGroups naming one answer NotFound. */
  readonly deletedSinceListing = new Set<string>();

  install(aws: MockedAws): void {
    aws.ec2.on(DescribeTagsCommand).callsFake(({ Filters = [] }: { Filters?: Filter[] }) => ({
      Tags: this.ec2
        .flatMap((item) => Object.entries(item.tags).map(([Key, Value]) => ({ ResourceId: item.id, ResourceType: item.type, Key, Value })))
        .filter((row) =>
          Filters.every((f) => {
            const field = { key: row.Key, value: row.Value, 'resource-id': row.ResourceId }[f.Name ?? ''];
            if (field === undefined) throw new Error(`DescribeTags: unknown filter ${f.Name}`);
            return (f.Values ?? []).includes(field);
          }),
        ),
    }));
    const describe = (type: string) => (input: FilterInput) =>
      this.ec2.filter((item) => item.type === type && matches(item, input.Filters ?? input.Filter ?? [])).map(asAws);
    aws.ec2
      .on(DescribeInstancesCommand)
      .callsFake((input: FilterInput) => ({ Reservations: [{ Instances: describe('instance')(input) }] }));
    aws.ec2.on(DescribeNatGatewaysCommand).callsFake((input: FilterInput) => ({ NatGateways: describe('natgateway')(input) }));
    aws.ec2.on(DescribeVpcEndpointsCommand).callsFake((input: FilterInput) => ({ VpcEndpoints: describe('vpc-endpoint')(input) }));
    aws.ec2
      .on(DescribeTransitGatewayVpcAttachmentsCommand)
      .callsFake((input: FilterInput) => ({ TransitGatewayVpcAttachments: describe('transit-gateway-attachment')(input) }));
    aws.ec2.on(DescribeVolumesCommand).callsFake((input: FilterInput) => ({ Volumes: describe('volume')(input) }));
    aws.ec2
      .on(DescribeNetworkInterfacesCommand)
      .callsFake((input: FilterInput) => ({ NetworkInterfaces: describe('network-interface')(input) }));
    aws.ec2.on(DescribeVpcsCommand).callsFake((input: FilterInput) => ({ Vpcs: describe('vpc')(input) }));
    aws.ec2.on(DescribeSubnetsCommand).callsFake((input: FilterInput) => ({ Subnets: describe('subnet')(input) }));
    aws.ec2.on(DescribeRouteTablesCommand).callsFake((input: FilterInput) => ({ RouteTables: describe('route-table')(input) }));
    aws.ec2.on(DescribeSecurityGroupsCommand).callsFake((input: FilterInput) => ({ SecurityGroups: describe('security-group')(input) }));

    aws.elbv2.on(DescribeLoadBalancersCommand).callsFake(() => ({
      LoadBalancers: this.loadBalancers.map((lb) => ({ LoadBalancerArn: lb.arn, LoadBalancerName: lb.name, CreatedTime: lb.createdAt })),
    }));
    const groupOf = (tg: ElbItem) => ({ TargetGroupArn: tg.arn, TargetGroupName: tg.name, Port: tg.port });
    aws.elbv2.on(DescribeTargetGroupsCommand).callsFake(({ TargetGroupArns }: { TargetGroupArns?: string[] }) => {
      if (!TargetGroupArns) return { TargetGroups: this.targetGroups.map(groupOf) };
      if (TargetGroupArns.some((arn) => this.deletedSinceListing.has(arn))) throw targetGroupNotFound();
      return { TargetGroups: this.targetGroups.filter((tg) => TargetGroupArns.includes(tg.arn)).map(groupOf) };
    });
    aws.elbv2.on(DescribeElbTagsCommand).callsFake(({ ResourceArns = [] }: { ResourceArns?: string[] }) => {
      // https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeTags.html: up to 20.
      if (ResourceArns.length > 20) throw awsError('ValidationError');
      if (ResourceArns.some((arn) => this.deletedSinceListing.has(arn))) throw targetGroupNotFound();
      const all = [...this.loadBalancers, ...this.targetGroups];
      return {
        TagDescriptions: ResourceArns.map((arn) => ({ ResourceArn: arn, Tags: toTagList(all.find((x) => x.arn === arn)?.tags ?? {}) })),
      };
    });

    const under = (items: IamItem[], prefix = '/') => items.filter((x) => x.path.startsWith(prefix));
    aws.iam.on(ListRolesCommand).callsFake(({ PathPrefix }: { PathPrefix?: string }) => ({
      Roles: under(this.roles, PathPrefix).map((r) => ({
        RoleName: r.name,
        Path: r.path,
        Arn: iamArn('role', r),
        CreateDate: r.createdAt,
      })),
    }));
    aws.iam.on(ListInstanceProfilesCommand).callsFake(({ PathPrefix }: { PathPrefix?: string }) => ({
      InstanceProfiles: under(this.profiles, PathPrefix).map((p) => ({
        InstanceProfileName: p.name,
        Path: p.path,
        Arn: iamArn('instance-profile', p),
        CreateDate: p.createdAt,
      })),
    }));
    const tagsOf = (items: IamItem[], name: string | undefined) => {
      const found = items.find((x) => x.name === name);
      if (!found) throw awsError('NoSuchEntity', 404);
      return { Tags: toTagList(found.tags), IsTruncated: false };
    };
    aws.iam.on(ListRoleTagsCommand).callsFake(({ RoleName }: { RoleName?: string }) => tagsOf(this.roles, RoleName));
    aws.iam
      .on(ListInstanceProfileTagsCommand)
      .callsFake(({ InstanceProfileName }: { InstanceProfileName?: string }) => tagsOf(this.profiles, InstanceProfileName));
  }
}

/** EC2 Describe input: `Filters`, or `Filter` for DescribeNatGateways. */
type FilterInput = { Filters?: Filter[]; Filter?: Filter[] };

function matches(item: Ec2Item, filters: Filter[]): boolean {
  return filters.every((f) => {
    const name = f.Name ?? '';
    let value: string | undefined;
    if (name.startsWith('tag:')) value = item.tags[name.slice(4)];
    else if (name === ID_FILTER[item.type]) value = item.id;
    else throw new Error(`Describe ${item.type}: unknown filter ${name}`);
    return value !== undefined && (f.Values ?? []).includes(value);
  });
}

/** The item as its Describe answers it. */
function asAws(item: Ec2Item): Record<string, unknown> {
  const state =
    item.type === 'instance'
      ? { State: { Name: item.state }, LaunchTime: item.createdAt }
      : item.type === 'natgateway'
        ? { State: item.state, CreateTime: item.createdAt }
        : item.type === 'vpc-endpoint'
          ? { State: item.state, CreationTimestamp: item.createdAt }
          : item.type === 'transit-gateway-attachment'
            ? { State: item.state, CreationTime: item.createdAt }
            : item.type === 'volume'
              ? { State: item.state, CreateTime: item.createdAt }
              : item.type === 'network-interface'
                ? { Status: item.state }
                : {};
  return { [ID_FIELD[item.type]]: item.id, ...state, ...item.fields, Tags: toTagList(item.tags) };
}
