import {
  DescribeInstancesCommand,
  DescribeInternetGatewaysCommand,
  DescribeNatGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeTransitGatewayVpcAttachmentsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  type EC2Client,
  type Filter,
  type Instance,
  type InternetGateway,
  type NatGateway,
  type RouteTable,
  type SecurityGroupRule,
  type TransitGatewayVpcAttachment,
  type VpcEndpoint,
} from '@aws-sdk/client-ec2';
import {
  DescribeListenersCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
  type Listener,
  type LoadBalancer,
  type TargetGroup,
  type TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import type { BuildOutputs } from '../../../functions/core/contracts';
import type { Plan, SecurityGroupKey, SecurityGroupPlan } from '../../../functions/core/plan';
import { toTagList, type Tags } from '../../../functions/core/tags';
import { loadBalancerNotFound, targetGroupNotFound } from '../../fixtures/aws';

/**
 * A finished build as AWS would describe it, made from a plan: every resource the plan lays out, with the ids its
 * outputs record, answering the Describe calls drift makes (and only those, honouring their filters; an unknown
 * filter name fails the test instead of matching everything). New, it has no drift; tests change one field of it,
 * as a person would by hand in the console, and check the one drift reported.
 */
const ACCOUNT = '123456789012';
const REGION = 'ap-northeast-2';
const ELB_ARN = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}`;
export const S3_PREFIX_LIST = 'pl-78a54011';
export const BASTION_IP = '3.36.0.10';

const letter = (az: string) => az.slice(-1);

export interface FakeTargetGroup {
  group: TargetGroup;
  tags: Tags;
  attributes: Record<string, string>;
  targets: TargetHealthDescription[];
}

/** A filter's values for one item, by filter name; undefined for a name the fake does not model. */
type FieldsOf = (name: string) => Array<string | undefined> | undefined;

function matches(filters: Filter[] | undefined, fields: FieldsOf): boolean {
  return (filters ?? []).every((filter) => {
    const values = fields(filter.Name ?? '');
    if (values === undefined) throw new Error(`drift world: filter ${filter.Name} is not modelled`);
    return values.some((value) => value !== undefined && (filter.Values ?? []).includes(value));
  });
}

const tagFields =
  (tags: Tags): FieldsOf =>
  (name) =>
    name.startsWith('tag:') ? [tags[name.slice(4)]] : undefined;

export class DriftWorld {
  readonly outputs: BuildOutputs;
  vpcIds: string[];
  dns = { support: true, hostnames: true };
  subnetIds: string[];
  internetGateways: Array<InternetGateway & { tags: Tags }>;
  routeTables: RouteTable[];
  groupIds: string[];
  rules: SecurityGroupRule[];
  instances: Instance[];
  natGateways: NatGateway[];
  endpoints: VpcEndpoint[];
  attachments: TransitGatewayVpcAttachment[];
  /** `undefined` models an NLB deleted by hand. */
  loadBalancer?: LoadBalancer;
  loadBalancerAttributes: Record<string, string>;
  listeners: Listener[];
  targetGroups: FakeTargetGroup[];

  constructor(readonly plan: Plan) {
    const vpcId = 'vpc-0build';
    const groupIds = Object.fromEntries(
      (Object.keys(plan.securityGroups) as SecurityGroupKey[]).filter((key) => plan.securityGroups[key]).map((key) => [key, `sg-${key}`]),
    ) as BuildOutputs['securityGroupIds'];
    const privateIds = Object.fromEntries(plan.privateSubnets.map((s) => [s.az, `subnet-private-${letter(s.az)}`]));
    const publicIds = Object.fromEntries(plan.publicSubnets.map((s) => [s.az, `subnet-public-${letter(s.az)}`]));
    const natIds = Object.fromEntries(plan.natGateways.map((nat) => [nat.az, `nat-${letter(nat.az)}`]));
    const endpointIds = Object.fromEntries(plan.endpoints.map((e) => [e.service, `vpce-${e.service.replace(/\./g, '-')}`]));
    const attachmentId = plan.transitGateway ? 'tgw-attach-0build' : undefined;
    const loadBalancerArn = `${ELB_ARN}:loadbalancer/net/${plan.loadBalancer.name}/0123456789abcdef`;
    const nodes = plan.nodes.map((node, i) => ({
      name: node.name,
      role: node.role,
      az: node.az,
      instanceId: `i-0${node.name}`,
      instanceType: node.instanceTypes[0],
      privateIp: `10.0.${i}.10`,
    }));
    this.outputs = {
      buildId: plan.buildId,
      clusterName: plan.spec.name,
      region: plan.spec.region,
      vpcId,
      subnetIds: {
        private: privateIds,
        ...(plan.publicSubnets[0] && { public: publicIds[plan.publicSubnets[0].az], publicByZone: publicIds }),
      },
      securityGroupIds: groupIds,
      loadBalancer: { arn: loadBalancerArn, dnsName: 'internal-nlb.example', apiEndpoint: 'internal-nlb.example:6443' },
      ...(plan.spec.bastion.enabled && { bastion: { instanceId: 'i-0bastion', publicIp: BASTION_IP, privateIp: '10.0.224.10' } }),
      connections: {
        natAddressIds: Object.fromEntries(plan.natGateways.map((nat) => [nat.az, `eipalloc-${letter(nat.az)}`])),
        natGatewayIds: natIds,
        endpointIds,
        ...(attachmentId && { transitGatewayAttachmentId: attachmentId }),
      },
      nodes,
      kubernetes: { version: 'v1.30.4', podCidr: '10.244.0.0/16', serviceCidr: '10.96.0.0/12' },
    };

    this.vpcIds = [vpcId];
    this.subnetIds = [...Object.values(privateIds), ...Object.values(publicIds)];
    this.internetGateways = plan.internetGateway
      ? [{ InternetGatewayId: 'igw-0build', Attachments: [{ VpcId: vpcId, State: 'available' as never }], tags: plan.internetGateway.tags }]
      : [];
    const local = { DestinationCidrBlock: plan.vpc.cidr, GatewayId: 'local' };
    const toGateway = (plan.transitGateway?.routes ?? []).map((cidr) => ({
      DestinationCidrBlock: cidr,
      TransitGatewayId: plan.transitGateway?.id,
    }));
    this.routeTables = [
      ...plan.routeTables.private.map((table) => {
        const nat = plan.natGateways.find((candidate) => candidate.zones.includes(table.zones[0]));
        return {
          RouteTableId: `rtb-${table.name}`,
          Associations: table.zones.map((az) => ({ SubnetId: privateIds[az] })),
          Routes: [
            local,
            ...(nat ? [{ DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: natIds[nat.az] }] : []),
            ...toGateway,
            ...(endpointIds.s3 ? [{ DestinationPrefixListId: S3_PREFIX_LIST, GatewayId: endpointIds.s3 }] : []),
          ],
        };
      }),
      ...(plan.routeTables.public
        ? [
            {
              RouteTableId: 'rtb-public',
              Associations: Object.values(publicIds).map((SubnetId) => ({ SubnetId })),
              Routes: [local, { DestinationCidrBlock: '0.0.0.0/0', GatewayId: 'igw-0build' }, ...toGateway],
            },
          ]
        : []),
    ];
    this.groupIds = Object.values(groupIds).filter((id): id is string => Boolean(id));
    this.rules = (Object.entries(plan.securityGroups) as Array<[SecurityGroupKey, SecurityGroupPlan | undefined]>).flatMap(
      ([key, group]) => (group ? rulesOf(group, groupIds[key] as string, groupIds) : []),
    );
    const instance = (
      id: string,
      name: string,
      type: string,
      groupId: string | undefined,
      hopLimit: number,
      publicIp?: string,
    ): Instance => ({
      InstanceId: id,
      InstanceType: type as never,
      State: { Name: 'running' },
      PublicIpAddress: publicIp,
      SecurityGroups: [{ GroupId: groupId }],
      MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: hopLimit },
      Tags: toTagList({ Name: name }),
    });
    this.instances = [
      ...nodes.map((n) =>
        instance(n.instanceId, n.name, n.instanceType, n.role === 'worker' ? groupIds.workers : groupIds.controlPlane, 2),
      ),
      ...(this.outputs.bastion
        ? [instance('i-0bastion', plan.bastion.name, plan.bastion.instanceType, groupIds.bastion, 1, BASTION_IP)]
        : []),
    ];
    this.natGateways = Object.values(natIds).map((NatGatewayId) => ({ NatGatewayId, State: 'available' }));
    this.endpoints = Object.values(endpointIds).map((VpcEndpointId) => ({ VpcEndpointId, State: 'available' as never }));
    this.attachments = attachmentId ? [{ TransitGatewayAttachmentId: attachmentId, State: 'available' }] : [];

    this.loadBalancer = {
      LoadBalancerArn: loadBalancerArn,
      LoadBalancerName: plan.loadBalancer.name,
      Scheme: 'internal',
      Type: 'network',
      SecurityGroups: [groupIds.nlb],
      AvailabilityZones: plan.privateSubnets.map((s) => ({ ZoneName: s.az, SubnetId: privateIds[s.az] })),
    };
    this.loadBalancerAttributes = {
      'load_balancing.cross_zone.enabled': String(plan.loadBalancer.crossZone),
      'deletion_protection.enabled': 'false',
    };
    this.targetGroups = plan.targetGroups.map((tg) => ({
      group: {
        TargetGroupArn: `${ELB_ARN}:targetgroup/${tg.name}/0123456789abcdef`,
        TargetGroupName: tg.name,
        Protocol: 'TCP',
        Port: tg.targetPort,
        VpcId: vpcId,
        TargetType: 'instance',
      },
      tags: tg.tags,
      attributes: { 'preserve_client_ip.enabled': String(tg.preserveClientIp), 'deregistration_delay.timeout_seconds': '30' },
      targets: nodes
        .filter((n) => n.role === tg.targetRole)
        .map((n) => ({ Target: { Id: n.instanceId, Port: tg.targetPort }, TargetHealth: { State: 'healthy' } })),
    }));
    this.listeners = plan.targetGroups.map((tg) => ({
      ListenerArn: `${loadBalancerArn.replace(':loadbalancer/', ':listener/')}/${tg.listenerPort}`,
      LoadBalancerArn: loadBalancerArn,
      Port: tg.listenerPort,
      Protocol: 'TCP',
      DefaultActions: [{ Type: 'forward', TargetGroupArn: this.targetGroup(tg.key).group.TargetGroupArn }],
    }));
  }

  // ---- lookups, for tests that change one thing -----------------------------------------------------

  instance(name: string): Instance {
    const found = this.instances.find((i) => i.Tags?.some((t) => t.Key === 'Name' && t.Value === name));
    if (!found) throw new Error(`drift world: no instance ${name}`);
    return found;
  }

  targetGroup(key: string): FakeTargetGroup {
    const name = this.plan.targetGroups.find((tg) => tg.key === key)?.name;
    const found = this.targetGroups.find((tg) => tg.group.TargetGroupName === name);
    if (!found) throw new Error(`drift world: no target group ${key}`);
    return found;
  }

  routeTable(name: string): RouteTable {
    const found = this.routeTables.find((t) => t.RouteTableId === `rtb-${name}`);
    if (!found) throw new Error(`drift world: no route table ${name}`);
    return found;
  }

  // ---- the mocked APIs --------------------------------------------------------------------------------

  install(ec2: AwsClientStub<EC2Client>, elbv2: AwsClientStub<ElasticLoadBalancingV2Client>): this {
    ec2.on(DescribeVpcsCommand).callsFake(({ Filters }: { Filters?: Filter[] }) => ({
      Vpcs: this.vpcIds.filter((id) => matches(Filters, (n) => (n === 'vpc-id' ? [id] : undefined))).map((VpcId) => ({ VpcId })),
    }));
    ec2
      .on(DescribeVpcAttributeCommand)
      .callsFake(({ Attribute }: { Attribute: string }) =>
        Attribute === 'enableDnsSupport'
          ? { EnableDnsSupport: { Value: this.dns.support } }
          : { EnableDnsHostnames: { Value: this.dns.hostnames } },
      );
    ec2.on(DescribeSubnetsCommand).callsFake(({ Filters }: { Filters?: Filter[] }) => ({
      Subnets: this.subnetIds
        .filter((id) => matches(Filters, (n) => (n === 'subnet-id' ? [id] : undefined)))
        .map((SubnetId) => ({ SubnetId })),
    }));
    ec2.on(DescribeInternetGatewaysCommand).callsFake(({ Filters }: { Filters?: Filter[] }) => ({
      InternetGateways: this.internetGateways
        .filter((g) => matches(Filters, tagFields(g.tags)))
        .map(({ tags, ...gateway }) => ({ ...gateway, Tags: toTagList(tags) })),
    }));
    ec2.on(DescribeRouteTablesCommand).callsFake(({ Filters }: { Filters?: Filter[] }) => ({
      RouteTables: this.routeTables.filter((t) =>
        matches(Filters, (n) => (n === 'association.subnet-id' ? (t.Associations ?? []).map((a) => a.SubnetId) : undefined)),
      ),
    }));
    ec2.on(DescribeSecurityGroupsCommand).callsFake(({ Filters }: { Filters?: Filter[] }) => ({
      SecurityGroups: this.groupIds
        .filter((id) => matches(Filters, (n) => (n === 'group-id' ? [id] : undefined)))
        .map((GroupId) => ({ GroupId })),
    }));
    ec2.on(DescribeSecurityGroupRulesCommand).callsFake(({ Filters }: { Filters?: Filter[] }) => ({
      SecurityGroupRules: this.rules.filter((r) => matches(Filters, (n) => (n === 'group-id' ? [r.GroupId] : undefined))),
    }));
    ec2.on(DescribeInstancesCommand).callsFake(({ Filters }: { Filters?: Filter[] }) => ({
      Reservations: this.instances
        .filter((i) => matches(Filters, (n) => (n === 'instance-id' ? [i.InstanceId] : undefined)))
        .map((i) => ({ Instances: [i] })),
    }));
    ec2.on(DescribeNatGatewaysCommand).callsFake(({ Filter: filters }: { Filter?: Filter[] }) => ({
      NatGateways: this.natGateways.filter((g) => matches(filters, (n) => (n === 'nat-gateway-id' ? [g.NatGatewayId] : undefined))),
    }));
    ec2.on(DescribeVpcEndpointsCommand).callsFake(({ Filters }: { Filters?: Filter[] }) => ({
      VpcEndpoints: this.endpoints.filter((e) => matches(Filters, (n) => (n === 'vpc-endpoint-id' ? [e.VpcEndpointId] : undefined))),
    }));
    ec2.on(DescribeTransitGatewayVpcAttachmentsCommand).callsFake(({ Filters }: { Filters?: Filter[] }) => ({
      TransitGatewayVpcAttachments: this.attachments.filter((a) =>
        matches(Filters, (n) => (n === 'transit-gateway-attachment-id' ? [a.TransitGatewayAttachmentId] : undefined)),
      ),
    }));

    // ELBv2 answers an unknown name or ARN with a NotFound error, never with an empty list.
    const loadBalancer = (arn: string | undefined): LoadBalancer => {
      if (!this.loadBalancer || this.loadBalancer.LoadBalancerArn !== arn) throw loadBalancerNotFound();
      return this.loadBalancer;
    };
    const targetGroup = (arn: string | undefined): FakeTargetGroup => {
      const found = this.targetGroups.find((tg) => tg.group.TargetGroupArn === arn);
      if (!found) throw targetGroupNotFound();
      return found;
    };
    const attributeList = (attributes: Record<string, string>) => Object.entries(attributes).map(([Key, Value]) => ({ Key, Value }));
    elbv2.on(DescribeLoadBalancersCommand).callsFake(({ LoadBalancerArns }: { LoadBalancerArns?: string[] }) => ({
      LoadBalancers: (LoadBalancerArns ?? []).map(loadBalancer),
    }));
    elbv2
      .on(DescribeLoadBalancerAttributesCommand)
      .callsFake(
        ({ LoadBalancerArn }: { LoadBalancerArn?: string }) => (
          loadBalancer(LoadBalancerArn),
          { Attributes: attributeList(this.loadBalancerAttributes) }
        ),
      );
    elbv2.on(DescribeListenersCommand).callsFake(({ LoadBalancerArn }: { LoadBalancerArn?: string }) => {
      loadBalancer(LoadBalancerArn);
      return { Listeners: this.listeners };
    });
    elbv2.on(DescribeTargetGroupsCommand).callsFake(({ Names }: { Names?: string[] }) => {
      const found = (Names ?? []).map((name) => this.targetGroups.find((tg) => tg.group.TargetGroupName === name));
      if (found.some((tg) => !tg)) throw targetGroupNotFound();
      return { TargetGroups: found.map((tg) => tg?.group) };
    });
    elbv2.on(DescribeTagsCommand).callsFake(({ ResourceArns }: { ResourceArns?: string[] }) => ({
      TagDescriptions: (ResourceArns ?? []).map((arn) => ({ ResourceArn: arn, Tags: toTagList(targetGroup(arn).tags) })),
    }));
    elbv2.on(DescribeTargetGroupAttributesCommand).callsFake(({ TargetGroupArn }: { TargetGroupArn?: string }) => ({
      Attributes: attributeList(targetGroup(TargetGroupArn).attributes),
    }));
    elbv2.on(DescribeTargetHealthCommand).callsFake(({ TargetGroupArn }: { TargetGroupArn?: string }) => ({
      TargetHealthDescriptions: targetGroup(TargetGroupArn).targets,
    }));
    return this;
  }
}

/** A group's rules as DescribeSecurityGroupRules lists them: one per planned peer, and AWS's default egress rule. */
function rulesOf(group: SecurityGroupPlan, groupId: string, ids: BuildOutputs['securityGroupIds']): SecurityGroupRule[] {
  return [
    ...group.ingress.map((rule, n) => ({
      SecurityGroupRuleId: `sgr-${groupId}-${n}`,
      GroupId: groupId,
      IsEgress: false,
      IpProtocol: rule.protocol,
      FromPort: rule.fromPort,
      ToPort: rule.toPort,
      ...('cidr' in rule.source ? { CidrIpv4: rule.source.cidr } : { ReferencedGroupInfo: { GroupId: ids[rule.source.group] } }),
    })),
    {
      SecurityGroupRuleId: `sgr-${groupId}-egress`,
      GroupId: groupId,
      IsEgress: true,
      IpProtocol: '-1',
      FromPort: -1,
      ToPort: -1,
      CidrIpv4: '0.0.0.0/0',
    },
  ];
}
