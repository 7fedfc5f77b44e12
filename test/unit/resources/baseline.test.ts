import { DescribeRouteTablesCommand, DescribeSecurityGroupRulesCommand, DescribeVpcAttributeCommand } from '@aws-sdk/client-ec2';
import {
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupAttributesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { AwsThrottled, AwsUnavailable, NotYetVisible } from '../../../functions/core/errors';
import {
  describeIngressRules,
  describeLoadBalancerView,
  describeSubnetRoutes,
  describeTargetGroupAttributes,
  describeVpcDns,
} from '../../../functions/resources/baseline';
import { awsError, mockAws } from '../../fixtures/aws';

const { ec2, elbv2, clients } = mockAws();
const LB_ARN = 'arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:loadbalancer/net/fin-k8s-dev-nlb/0123';

describe('describeIngressRules', () => {
  it('returns the ingress rules of the given groups with their CIDR or referenced group, skipping egress', async () => {
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({
      SecurityGroupRules: [
        { GroupId: 'sg-b', IsEgress: false, IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIpv4: '203.0.113.0/24' },
        { GroupId: 'sg-c', IsEgress: false, IpProtocol: 'tcp', FromPort: 6443, ToPort: 6443, ReferencedGroupInfo: { GroupId: 'sg-n' } },
        { GroupId: 'sg-w', IsEgress: false, IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIpv6: '::/0' },
        { GroupId: 'sg-w', IsEgress: true, IpProtocol: '-1', FromPort: -1, ToPort: -1, CidrIpv4: '0.0.0.0/0' },
      ],
    });
    await expect(describeIngressRules(clients, ['sg-b', 'sg-c', 'sg-w'])).resolves.toEqual([
      { groupId: 'sg-b', protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '203.0.113.0/24', referencedGroupId: undefined },
      { groupId: 'sg-c', protocol: 'tcp', fromPort: 6443, toPort: 6443, cidr: undefined, referencedGroupId: 'sg-n' },
      { groupId: 'sg-w', protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '::/0', referencedGroupId: undefined },
    ]);
    expect(ec2.commandCalls(DescribeSecurityGroupRulesCommand)[0].args[0].input.Filters).toEqual([
      { Name: 'group-id', Values: ['sg-b', 'sg-c', 'sg-w'] },
    ]);
  });

  it('reads every page, so a rule on page two is not missed', async () => {
    ec2
      .on(DescribeSecurityGroupRulesCommand)
      .resolvesOnce({
        SecurityGroupRules: [{ GroupId: 'sg-b', IsEgress: false, IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIpv4: '203.0.113.0/24' }],
        NextToken: 't2',
      })
      .resolvesOnce({
        SecurityGroupRules: [{ GroupId: 'sg-w', IsEgress: false, IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIpv4: '0.0.0.0/0' }],
      });
    const rules = await describeIngressRules(clients, ['sg-b', 'sg-w']);
    expect(rules.map((r) => r.cidr)).toEqual(['203.0.113.0/24', '0.0.0.0/0']);
    expect(ec2.commandCalls(DescribeSecurityGroupRulesCommand)).toHaveLength(2);
  });

  it('fills absent fields with empty strings', async () => {
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [{}] });
    await expect(describeIngressRules(clients, ['sg-b'])).resolves.toEqual([
      { groupId: '', protocol: '', fromPort: undefined, toPort: undefined, cidr: undefined, referencedGroupId: undefined },
    ]);
  });

  it.each([
    ['RequestLimitExceeded', AwsThrottled],
    ['InvalidGroup.NotFound', NotYetVisible],
  ])('translates %s', async (code, errorClass) => {
    ec2.on(DescribeSecurityGroupRulesCommand).rejects(awsError(code));
    await expect(describeIngressRules(clients, ['sg-b'])).rejects.toThrow(errorClass);
  });
});

describe('describeSubnetRoutes', () => {
  it('lists the destinations and targets of the route table associated with each subnet', async () => {
    ec2.on(DescribeRouteTablesCommand).resolves({
      RouteTables: [
        {
          Associations: [{ SubnetId: 'subnet-a' }, { SubnetId: 'subnet-b' }, { Main: true }],
          Routes: [
            { DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local' },
            { DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-1' },
            { DestinationCidrBlock: '192.168.0.0/16', TransitGatewayId: 'tgw-1' },
            { DestinationIpv6CidrBlock: '::/0', GatewayId: 'eigw-1' },
            { DestinationPrefixListId: 'pl-1', VpcPeeringConnectionId: 'pcx-1' },
          ],
        },
      ],
    });
    const routes = await describeSubnetRoutes(clients, ['subnet-a', 'subnet-b', 'subnet-c']);
    const expected = ['10.0.0.0/16→local', '0.0.0.0/0→nat-1', '192.168.0.0/16→tgw-1', '::/0→eigw-1', 'pl-1→other'];
    expect(routes).toEqual({ 'subnet-a': expected, 'subnet-b': expected, 'subnet-c': [] });
    expect(ec2.commandCalls(DescribeRouteTablesCommand)[0].args[0].input.Filters).toEqual([
      { Name: 'association.subnet-id', Values: ['subnet-a', 'subnet-b', 'subnet-c'] },
    ]);
  });

  it('ignores associations of subnets it was not asked about', async () => {
    ec2.on(DescribeRouteTablesCommand).resolves({
      RouteTables: [
        {
          Associations: [{ SubnetId: 'subnet-a' }, { SubnetId: 'subnet-public' }],
          Routes: [{ DestinationCidrBlock: '0.0.0.0/0', GatewayId: 'igw-1' }],
        },
      ],
    });
    await expect(describeSubnetRoutes(clients, ['subnet-a'])).resolves.toEqual({ 'subnet-a': ['0.0.0.0/0→igw-1'] });
  });

  it('surfaces throttling as AwsThrottled', async () => {
    ec2.on(DescribeRouteTablesCommand).rejects(awsError('RequestLimitExceeded'));
    await expect(describeSubnetRoutes(clients, ['subnet-a'])).rejects.toThrow(AwsThrottled);
  });
});

describe('describeTargetGroupAttributes', () => {
  it('returns the attributes of each target group by ARN', async () => {
    elbv2
      .on(DescribeTargetGroupAttributesCommand, { TargetGroupArn: 'arn:tg-1' })
      .resolves({ Attributes: [{ Key: 'preserve_client_ip.enabled', Value: 'false' }] });
    elbv2
      .on(DescribeTargetGroupAttributesCommand, { TargetGroupArn: 'arn:tg-2' })
      .resolves({ Attributes: [{ Key: 'preserve_client_ip.enabled', Value: 'true' }, {}] });
    await expect(describeTargetGroupAttributes(clients, ['arn:tg-1', 'arn:tg-2'])).resolves.toEqual({
      'arn:tg-1': { 'preserve_client_ip.enabled': 'false' },
      'arn:tg-2': { 'preserve_client_ip.enabled': 'true', '': '' },
    });
  });

  it('makes no call for no target groups', async () => {
    await expect(describeTargetGroupAttributes(clients, [])).resolves.toEqual({});
    expect(elbv2.calls()).toHaveLength(0);
  });

  it('surfaces a 5xx as AwsUnavailable', async () => {
    elbv2.on(DescribeTargetGroupAttributesCommand).rejects(awsError('InternalFailure', 500));
    await expect(describeTargetGroupAttributes(clients, ['arn:tg-1'])).rejects.toThrow(AwsUnavailable);
  });
});

describe('describeLoadBalancerView', () => {
  it('reads scheme, type, security groups, zones and attributes of the NLB by ARN', async () => {
    elbv2.on(DescribeLoadBalancersCommand).resolves({
      LoadBalancers: [
        {
          Scheme: 'internal',
          Type: 'network',
          SecurityGroups: ['sg-n'],
          AvailabilityZones: [{ ZoneName: 'ap-northeast-2a' }, { ZoneName: 'ap-northeast-2b' }],
        },
      ],
    });
    elbv2.on(DescribeLoadBalancerAttributesCommand).resolves({ Attributes: [{ Key: 'load_balancing.cross_zone.enabled', Value: 'true' }] });
    await expect(describeLoadBalancerView(clients, LB_ARN)).resolves.toEqual({
      scheme: 'internal',
      type: 'network',
      securityGroups: ['sg-n'],
      availabilityZones: ['ap-northeast-2a', 'ap-northeast-2b'],
      attributes: { 'load_balancing.cross_zone.enabled': 'true' },
    });
    expect(elbv2.commandCalls(DescribeLoadBalancersCommand)[0].args[0].input).toEqual({ LoadBalancerArns: [LB_ARN] });
    expect(elbv2.commandCalls(DescribeLoadBalancerAttributesCommand)[0].args[0].input).toEqual({ LoadBalancerArn: LB_ARN });
  });

  it('reports no security groups and no attributes when AWS lists none (so the baseline flags it)', async () => {
    elbv2.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [] });
    elbv2.on(DescribeLoadBalancerAttributesCommand).resolves({});
    await expect(describeLoadBalancerView(clients, LB_ARN)).resolves.toEqual({
      scheme: undefined,
      type: undefined,
      securityGroups: [],
      availabilityZones: [],
      attributes: {},
    });
  });

  it('surfaces a throttled DescribeLoadBalancers as AwsThrottled', async () => {
    elbv2.on(DescribeLoadBalancersCommand).rejects(awsError('Throttling'));
    elbv2.on(DescribeLoadBalancerAttributesCommand).resolves({});
    await expect(describeLoadBalancerView(clients, LB_ARN)).rejects.toThrow(AwsThrottled);
  });
});

describe('describeVpcDns', () => {
  it('reads both DNS attributes of the VPC, one call each (the API takes one attribute per call)', async () => {
    ec2
      .on(DescribeVpcAttributeCommand, { Attribute: 'enableDnsSupport' })
      .resolves({ EnableDnsSupport: { Value: true } })
      .on(DescribeVpcAttributeCommand, { Attribute: 'enableDnsHostnames' })
      .resolves({ EnableDnsHostnames: { Value: false } });
    await expect(describeVpcDns(clients, 'vpc-1')).resolves.toEqual({ support: true, hostnames: false });
    expect(ec2.commandCalls(DescribeVpcAttributeCommand).map((c) => c.args[0].input)).toEqual([
      { VpcId: 'vpc-1', Attribute: 'enableDnsSupport' },
      { VpcId: 'vpc-1', Attribute: 'enableDnsHostnames' },
    ]);
  });
});
