import {
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateInternetGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeInternetGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  ModifyVpcAttributeCommand,
  type CreateRouteTableCommandInput,
  type CreateSecurityGroupCommandInput,
  type CreateSubnetCommandInput,
  type DescribeInternetGatewaysCommandInput,
  type DescribeRouteTablesCommandInput,
  type DescribeSecurityGroupsCommandInput,
  type DescribeSubnetsCommandInput,
  type DescribeVpcsCommandInput,
} from '@aws-sdk/client-ec2';
import type { NetworkIds, NetworkProgress } from '../../../functions/core/contracts';
import { toTagList } from '../../../functions/core/tags';
import { handler } from '../../../functions/handlers/create-network';
import { awsError, mockAws } from '../../fixtures/aws';
import { seoulPlan, seoulState } from '../../fixtures/build';

const { ec2 } = mockAws();
const plan = seoulPlan();
const NETWORK: NetworkIds = {
  vpcId: 'vpc-1',
  privateSubnetIds: { 'ap-northeast-2a': 'subnet-10.0.0.0', 'ap-northeast-2b': 'subnet-10.0.32.0', 'ap-northeast-2c': 'subnet-10.0.64.0' },
  publicSubnetIds: { 'ap-northeast-2a': 'subnet-10.0.224.0' },
  internetGatewayId: 'igw-1',
  privateRouteTableIds: {
    'ap-northeast-2a': 'rtb-private-route-table',
    'ap-northeast-2b': 'rtb-private-route-table',
    'ap-northeast-2c': 'rtb-private-route-table',
  },
  publicRouteTableId: 'rtb-public-route-table',
  securityGroupIds: {
    bastion: 'sg-fin-k8s-dev-bastion-sg',
    nlb: 'sg-fin-k8s-dev-nlb-sg',
    controlPlane: 'sg-fin-k8s-dev-control-plane-sg',
    workers: 'sg-fin-k8s-dev-worker-sg',
  },
};
const gatewayTags = toTagList(plan.internetGateway?.tags ?? {});
const roleTag = (tags?: Array<{ Key?: string; Value?: string }>) => tags?.find((t) => t.Key === 'k8s-ec2:role')?.Value;
/** The state the NetworkComplete? loop hands back to CreateNetwork: its own last answer at $.network. */
const afterRun = (network: NetworkProgress) => seoulState({ network: network as NetworkIds });

beforeEach(() => {
  for (const command of [
    DescribeVpcsCommand,
    DescribeSubnetsCommand,
    DescribeInternetGatewaysCommand,
    DescribeRouteTablesCommand,
    DescribeSecurityGroupsCommand,
  ]) {
    ec2.on(command).resolves({});
  }
  ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [] });
  ec2.on(CreateVpcCommand).resolves({ Vpc: { VpcId: 'vpc-1', CidrBlock: '10.0.0.0/16' } });
  ec2.on(ModifyVpcAttributeCommand).resolves({});
  ec2
    .on(CreateSubnetCommand)
    .callsFake((i: CreateSubnetCommandInput) => ({ Subnet: { SubnetId: `subnet-${i.CidrBlock?.split('/')[0]}` } }));
  ec2.on(CreateInternetGatewayCommand).resolves({ InternetGateway: { InternetGatewayId: 'igw-1' } });
  ec2.on(AttachInternetGatewayCommand).resolves({});
  ec2
    .on(CreateRouteTableCommand)
    .callsFake((i: CreateRouteTableCommandInput) => ({ RouteTable: { RouteTableId: `rtb-${roleTag(i.TagSpecifications?.[0].Tags)}` } }));
  ec2.on(CreateRouteCommand).resolves({ Return: true });
  ec2.on(AssociateRouteTableCommand).resolves({ AssociationId: 'rtbassoc-1' });
  ec2.on(CreateSecurityGroupCommand).callsFake((i: CreateSecurityGroupCommandInput) => ({ GroupId: `sg-${i.GroupName}` }));
  ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({ Return: true });
});

describe('create-network handler', () => {
  it('builds a new network in three runs, each in a fresh container seeing nothing by tag: VPC, then gateway, then the rest', async () => {
    // Describe by tag stays empty throughout (EC2's tag index lags); Describe by id answers.
    ec2
      .on(DescribeVpcsCommand, { VpcIds: ['vpc-1'] })
      .resolves({ Vpcs: [{ VpcId: 'vpc-1', CidrBlock: '10.0.0.0/16', Tags: toTagList(plan.vpc.tags) }] });
    ec2.on(DescribeInternetGatewaysCommand, { InternetGatewayIds: ['igw-1'] }).resolves({
      InternetGateways: [{ InternetGatewayId: 'igw-1', Attachments: [], Tags: gatewayTags }],
    });
    const first = await handler(seoulState());
    expect(first).toEqual({ complete: false, vpcId: 'vpc-1' });
    const second = await handler(afterRun(first));
    expect(second).toEqual({ complete: false, vpcId: 'vpc-1', internetGatewayId: 'igw-1' });
    await expect(handler(afterRun(second))).resolves.toEqual({ ...NETWORK, complete: true, completedAt: expect.any(Number) as number });
    expect(ec2.commandCalls(CreateVpcCommand)).toHaveLength(1);
    expect(ec2.commandCalls(CreateInternetGatewayCommand)).toHaveLength(1);
    expect(ec2.commandCalls(AttachInternetGatewayCommand).map((c) => c.args[0].input)).toEqual([
      { InternetGatewayId: 'igw-1', VpcId: 'vpc-1' },
    ]);
    expect(ec2.commandCalls(CreateSubnetCommand)).toHaveLength(4);
  });

  it('uses the ids already in state.network instead of creating again', async () => {
    const byId = <T>(ids: string[] | undefined, make: (id: string) => T) => (ids ?? []).map(make);
    ec2.on(DescribeVpcsCommand).callsFake((i: DescribeVpcsCommandInput) => ({
      Vpcs: byId(i.VpcIds, (VpcId) => ({ VpcId, CidrBlock: '10.0.0.0/16', Tags: toTagList(plan.vpc.tags) })),
    }));
    ec2.on(DescribeSubnetsCommand).callsFake((i: DescribeSubnetsCommandInput) => ({
      Subnets: byId(i.SubnetIds, (SubnetId) => ({ SubnetId, Tags: toTagList(plan.publicSubnets[0].tags) })),
    }));
    ec2.on(DescribeInternetGatewaysCommand).callsFake((i: DescribeInternetGatewaysCommandInput) => ({
      InternetGateways: byId(i.InternetGatewayIds, (InternetGatewayId) => ({
        InternetGatewayId,
        Attachments: [{ VpcId: 'vpc-1' }],
        Tags: gatewayTags,
      })),
    }));
    ec2.on(DescribeRouteTablesCommand).callsFake((i: DescribeRouteTablesCommandInput) => ({
      RouteTables: byId(i.RouteTableIds, (RouteTableId) => ({ RouteTableId, Tags: toTagList(plan.vpc.tags) })),
    }));
    ec2.on(DescribeSecurityGroupsCommand).callsFake((i: DescribeSecurityGroupsCommandInput) => ({
      SecurityGroups: byId(i.GroupIds, (GroupId) => ({ GroupId, Tags: toTagList(plan.vpc.tags) })),
    }));
    await expect(handler(seoulState({ network: NETWORK }))).resolves.toEqual({
      ...NETWORK,
      complete: true,
      completedAt: expect.any(Number) as number,
    });
    for (const create of [
      CreateVpcCommand,
      CreateSubnetCommand,
      CreateInternetGatewayCommand,
      CreateRouteTableCommand,
      CreateSecurityGroupCommand,
    ]) {
      expect(ec2.commandCalls(create as typeof CreateVpcCommand)).toHaveLength(0);
    }
  });

  it.each([
    ['RequestLimitExceeded', 'AwsThrottled'],
    ['UnauthorizedOperation', 'PermissionDenied'],
    ['VpcLimitExceeded', 'QuotaExceeded'],
  ])('throws %s as %s for the state machine to match', async (code, name) => {
    ec2.on(CreateVpcCommand).rejects(awsError(code));
    await expect(handler(seoulState())).rejects.toMatchObject({ name });
  });

  it('rejects an input without a valid build id before calling AWS', async () => {
    await expect(handler(seoulState({ buildId: 'not a build id!' }))).rejects.toMatchObject({ name: 'WorkflowContractError' });
    expect(ec2.calls()).toHaveLength(0);
  });
});
