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
  DeleteInternetGatewayCommand,
  DeleteRouteTableCommand,
  DeleteSecurityGroupCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DescribeInternetGatewaysCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  DetachInternetGatewayCommand,
  DisassociateRouteTableCommand,
  ModifyVpcAttributeCommand,
  RevokeSecurityGroupIngressCommand,
  type Filter,
  type NetworkInterface,
  type Tag,
} from '@aws-sdk/client-ec2';
import { AwsThrottled, NotYetVisible, PermissionDenied, ResourceNotReady } from '../../../functions/core/errors';
import { clearLedger } from '../../../functions/core/ledger';
import { deleteNetwork, ensureNetwork } from '../../../functions/resources/network';
import { awsError, mockAws } from '../../fixtures/aws';
import { BUILD_ID, seoulPlan } from '../../fixtures/build';

/**
 * A small stateful EC2: enough of the network API for the ordering of ensureNetwork/deleteNetwork. With
 * `consistent = false`, every Describe comes back empty (EC2 right after a create).
 */
type Item = Record<string, unknown> & { Tags?: Tag[] };
const { ec2, clients } = mockAws();
const plan = seoulPlan();
let world: { consistent: boolean; vpcs: Item[]; subnets: Item[]; igws: Item[]; tables: Item[]; groups: Item[]; rules: Item[]; enis: NetworkInterface[] };
let counter = 0;
const newId = (prefix: string) => `${prefix}-${String(++counter).padStart(4, '0')}`;
const tagsOf = (input: { TagSpecifications?: Array<{ Tags?: Tag[] }> }) => input.TagSpecifications?.[0]?.Tags ?? [];
const FIELDS: Record<string, string> = { 'vpc-id': 'VpcId', 'group-name': 'GroupName', 'cidr-block': 'CidrBlock', 'group-id': 'GroupId' };

function matching(items: Item[], filters: Filter[] = [], ids?: string[], idKey?: string): Item[] {
  if (!world.consistent) return [];
  return items.filter((item) => {
    if (ids && !ids.includes(item[idKey as string] as string)) return false;
    return filters.every((f) => {
      const value = f.Name?.startsWith('tag:') ? item.Tags?.find((t) => t.Key === f.Name?.slice(4))?.Value : item[FIELDS[f.Name as string]];
      return f.Values?.includes(value as string);
    });
  });
}
const remove = (list: Item[], key: string, id: unknown) => list.splice(list.findIndex((x) => x[key] === id), 1);

beforeEach(() => {
  counter = 0;
  world = { consistent: true, vpcs: [], subnets: [], igws: [], tables: [], groups: [], rules: [], enis: [] };
  ec2.on(DescribeVpcsCommand).callsFake((i) => ({ Vpcs: matching(world.vpcs, i.Filters, i.VpcIds, 'VpcId') }));
  ec2.on(DescribeSubnetsCommand).callsFake((i) => ({ Subnets: matching(world.subnets, i.Filters, i.SubnetIds, 'SubnetId') }));
  ec2.on(DescribeInternetGatewaysCommand).callsFake((i) => ({ InternetGateways: matching(world.igws, i.Filters, i.InternetGatewayIds, 'InternetGatewayId') }));
  ec2.on(DescribeRouteTablesCommand).callsFake((i) => ({ RouteTables: matching(world.tables, i.Filters, i.RouteTableIds, 'RouteTableId') }));
  ec2.on(DescribeSecurityGroupsCommand).callsFake((i) => ({ SecurityGroups: matching(world.groups, i.Filters, i.GroupIds, 'GroupId') }));
  ec2.on(DescribeSecurityGroupRulesCommand).callsFake((i) => ({ SecurityGroupRules: matching(world.rules, i.Filters) }));
  ec2.on(DescribeNetworkInterfacesCommand).callsFake(() => ({ NetworkInterfaces: world.enis }));
  ec2.on(CreateVpcCommand).callsFake((i) => ({ Vpc: push(world.vpcs, { VpcId: newId('vpc'), CidrBlock: i.CidrBlock, Tags: tagsOf(i) }) }));
  ec2.on(ModifyVpcAttributeCommand).resolves({});
  ec2.on(CreateSubnetCommand).callsFake((i) => ({ Subnet: push(world.subnets, { SubnetId: newId('subnet'), VpcId: i.VpcId, CidrBlock: i.CidrBlock, Tags: tagsOf(i) }) }));
  ec2.on(CreateInternetGatewayCommand).callsFake(createGateway);
  ec2.on(AttachInternetGatewayCommand).callsFake((i) => void ((world.igws.find((g) => g.InternetGatewayId === i.InternetGatewayId) as Item).Attachments = [{ VpcId: i.VpcId }]));
  ec2.on(CreateRouteTableCommand).callsFake((i) => ({ RouteTable: push(world.tables, { RouteTableId: newId('rtb'), VpcId: i.VpcId, Routes: [], Associations: [], Tags: tagsOf(i) }) }));
  ec2.on(CreateRouteCommand).callsFake((i) => void (world.tables.find((t) => t.RouteTableId === i.RouteTableId)?.Routes as unknown[]).push({ DestinationCidrBlock: i.DestinationCidrBlock, GatewayId: i.GatewayId }));
  ec2.on(AssociateRouteTableCommand).callsFake((i) => {
    const association = { RouteTableAssociationId: newId('rtbassoc'), SubnetId: i.SubnetId };
    (world.tables.find((t) => t.RouteTableId === i.RouteTableId)?.Associations as unknown[]).push(association);
    return { AssociationId: association.RouteTableAssociationId };
  });
  ec2.on(CreateSecurityGroupCommand).callsFake((i) => push(world.groups, { GroupId: newId('sg'), GroupName: i.GroupName, VpcId: i.VpcId, Tags: tagsOf(i) }));
  ec2.on(AuthorizeSecurityGroupIngressCommand).callsFake((i) => {
    for (const p of i.IpPermissions) {
      const peer = p.IpRanges ? { CidrIpv4: p.IpRanges[0].CidrIp } : { ReferencedGroupInfo: { GroupId: p.UserIdGroupPairs[0].GroupId } };
      world.rules.push({ SecurityGroupRuleId: newId('sgr'), GroupId: i.GroupId, IsEgress: false, IpProtocol: p.IpProtocol, FromPort: p.FromPort, ToPort: p.ToPort, ...peer });
    }
    return { Return: true };
  });
  ec2.on(DetachInternetGatewayCommand).callsFake((i) => void ((world.igws.find((g) => g.InternetGatewayId === i.InternetGatewayId) as Item).Attachments = []));
  ec2.on(DeleteInternetGatewayCommand).callsFake((i) => void remove(world.igws, 'InternetGatewayId', i.InternetGatewayId));
  ec2.on(DisassociateRouteTableCommand).resolves({});
  ec2.on(DeleteRouteTableCommand).callsFake((i) => void remove(world.tables, 'RouteTableId', i.RouteTableId));
  ec2.on(RevokeSecurityGroupIngressCommand).callsFake((i) => void (world.rules = world.rules.filter((r) => !i.SecurityGroupRuleIds.includes(r.SecurityGroupRuleId))));
  ec2.on(DeleteSecurityGroupCommand).callsFake((i) => void remove(world.groups, 'GroupId', i.GroupId));
  ec2.on(DeleteSubnetCommand).callsFake((i) => void remove(world.subnets, 'SubnetId', i.SubnetId));
  ec2.on(DeleteVpcCommand).callsFake((i) => void remove(world.vpcs, 'VpcId', i.VpcId));
});

const createGateway = (i: { TagSpecifications?: Array<{ Tags?: Tag[] }> }) => ({
  InternetGateway: push(world.igws, { InternetGatewayId: newId('igw'), Attachments: [], Tags: tagsOf(i) }),
});

function push(list: Item[], item: Item): Item {
  list.push(item);
  return item;
}
const callOrder = () => ec2.calls().map((c) => c.args[0].constructor.name.replace(/Command$/, '')).filter((n) => !n.startsWith('Describe'));
const creates = () => callOrder().filter((n) => n.startsWith('Create'));

describe('ensureNetwork', () => {
  it('creates VPC, subnets, gateway, route tables and security groups in that order and returns every id', async () => {
    const network = await ensureNetwork(clients, plan);
    expect(network).toEqual({
      vpcId: 'vpc-0001',
      privateSubnetIds: { 'ap-northeast-2a': 'subnet-0002', 'ap-northeast-2b': 'subnet-0003', 'ap-northeast-2c': 'subnet-0004' },
      publicSubnetId: 'subnet-0005',
      internetGatewayId: 'igw-0006',
      publicRouteTableId: 'rtb-0007',
      privateRouteTableId: 'rtb-0009',
      securityGroupIds: { bastion: 'sg-0013', nlb: 'sg-0014', controlPlane: 'sg-0015', workers: 'sg-0016' },
    });
    expect(creates()).toEqual([
      'CreateVpc', 'CreateSubnet', 'CreateSubnet', 'CreateSubnet', 'CreateSubnet', 'CreateInternetGateway',
      'CreateRouteTable', 'CreateRoute', 'CreateRouteTable',
      'CreateSecurityGroup', 'CreateSecurityGroup', 'CreateSecurityGroup', 'CreateSecurityGroup',
    ]);
  });

  it('creates nothing on a repeat once everything is visible, and returns the same ids', async () => {
    const first = await ensureNetwork(clients, plan);
    ec2.resetHistory();
    await expect(ensureNetwork(clients, plan)).resolves.toEqual(first);
    expect(creates()).toEqual([]);
    expect(callOrder()).toEqual(['ModifyVpcAttribute', 'ModifyVpcAttribute']);
  });

  it('never creates anything twice when a repeat finds nothing because Describe is not consistent yet', async () => {
    await ensureNetwork(clients, plan);
    world.consistent = false;
    await expect(ensureNetwork(clients, plan)).rejects.toBeInstanceOf(NotYetVisible);
    expect(ec2.commandCalls(CreateVpcCommand)).toHaveLength(1);
    expect(ec2.commandCalls(CreateSubnetCommand)).toHaveLength(4);
  });

  it('carries the ids of an earlier run forward', async () => {
    const first = await ensureNetwork(clients, plan);
    clearLedger();
    ec2.resetHistory();
    await expect(ensureNetwork(clients, plan, first)).resolves.toEqual(first);
    expect(creates()).toEqual([]);
  });

  it('resumes after a failure part-way without creating what exists', async () => {
    let throttled = false;
    ec2.on(CreateInternetGatewayCommand).callsFake((i) => {
      if (throttled) return createGateway(i);
      throttled = true;
      throw awsError('RequestLimitExceeded');
    });
    await expect(ensureNetwork(clients, plan)).rejects.toBeInstanceOf(AwsThrottled);
    await ensureNetwork(clients, plan);
    expect(ec2.commandCalls(CreateVpcCommand)).toHaveLength(1);
    expect(ec2.commandCalls(CreateSubnetCommand)).toHaveLength(4);
    expect(ec2.commandCalls(CreateInternetGatewayCommand)).toHaveLength(2);
  });

  it('classifies a denied DescribeVpcs and creates nothing', async () => {
    ec2.on(DescribeVpcsCommand).rejects(awsError('UnauthorizedOperation'));
    await expect(ensureNetwork(clients, plan)).rejects.toBeInstanceOf(PermissionDenied);
    expect(creates()).toEqual([]);
  });
});

describe('deleteNetwork', () => {
  it('walks the creation order back and returns what it deleted', async () => {
    const network = await ensureNetwork(clients, plan);
    ec2.resetHistory();
    const deleted = await deleteNetwork(clients, BUILD_ID);
    expect(ec2.calls()[1].args[0]).toBeInstanceOf(DescribeNetworkInterfacesCommand);
    const order = callOrder().filter((n, i, all) => all.indexOf(n) === i);
    expect(order).toEqual([
      'DetachInternetGateway', 'DeleteInternetGateway', 'DisassociateRouteTable', 'DeleteRouteTable',
      'RevokeSecurityGroupIngress', 'DeleteSecurityGroup', 'DeleteSubnet', 'DeleteVpc',
    ]);
    expect(deleted).toEqual([
      network.internetGatewayId, network.publicRouteTableId, network.privateRouteTableId, ...Object.values(network.securityGroupIds),
      ...Object.values(network.privateSubnetIds), network.publicSubnetId, network.vpcId,
    ]);
    expect(world).toMatchObject({ vpcs: [], subnets: [], igws: [], tables: [], groups: [] });
  });

  it('waits (ResourceNotReady) and deletes nothing while the NLB interfaces linger', async () => {
    await ensureNetwork(clients, plan);
    world.enis = [{ NetworkInterfaceId: 'eni-nlb', InterfaceType: 'network_load_balancer', Description: 'ELB net/fin-k8s-dev-nlb/abc' }];
    ec2.resetHistory();
    await expect(deleteNetwork(clients, BUILD_ID)).rejects.toBeInstanceOf(ResourceNotReady);
    expect(callOrder()).toEqual([]);
  });

  it('is repeatable: a DependencyViolation waits, and the retry resumes where it stopped', async () => {
    await ensureNetwork(clients, plan);
    let blocked = false;
    ec2.on(DeleteSubnetCommand).callsFake((i) => {
      if (!blocked) {
        blocked = true;
        throw awsError('DependencyViolation');
      }
      remove(world.subnets, 'SubnetId', i.SubnetId);
    });
    await expect(deleteNetwork(clients, BUILD_ID)).rejects.toBeInstanceOf(ResourceNotReady);
    expect(world.igws).toEqual([]);
    expect(world.vpcs).toHaveLength(1);
    const deleted = await deleteNetwork(clients, BUILD_ID);
    expect(deleted).toHaveLength(5);
    expect(ec2.commandCalls(DeleteInternetGatewayCommand)).toHaveLength(1);
    expect(world).toMatchObject({ vpcs: [], subnets: [], igws: [], tables: [], groups: [] });
  });

  it('succeeds and deletes nothing when the VPC is already gone', async () => {
    await expect(deleteNetwork(clients, BUILD_ID)).resolves.toEqual([]);
    expect(callOrder()).toEqual([]);
    expect(ec2.commandCalls(DescribeNetworkInterfacesCommand)).toHaveLength(0);
  });

  it('classifies a throttled Describe and deletes nothing', async () => {
    ec2.on(DescribeVpcsCommand).rejects(awsError('RequestLimitExceeded'));
    await expect(deleteNetwork(clients, BUILD_ID)).rejects.toBeInstanceOf(AwsThrottled);
    expect(callOrder()).toEqual([]);
  });
});
