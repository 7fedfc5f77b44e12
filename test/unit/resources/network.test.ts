import {
  AssociateRouteTableCommand,
  type AssociateRouteTableCommandInput,
  AttachInternetGatewayCommand,
  type AttachInternetGatewayCommandInput,
  AuthorizeSecurityGroupIngressCommand,
  type AuthorizeSecurityGroupIngressCommandInput,
  CreateInternetGatewayCommand,
  CreateRouteCommand,
  type CreateRouteCommandInput,
  CreateRouteTableCommand,
  type CreateRouteTableCommandInput,
  CreateSecurityGroupCommand,
  type CreateSecurityGroupCommandInput,
  CreateSubnetCommand,
  type CreateSubnetCommandInput,
  CreateVpcCommand,
  type CreateVpcCommandInput,
  DeleteInternetGatewayCommand,
  type DeleteInternetGatewayCommandInput,
  DeleteRouteTableCommand,
  type DeleteRouteTableCommandInput,
  DeleteSecurityGroupCommand,
  type DeleteSecurityGroupCommandInput,
  DeleteSubnetCommand,
  type DeleteSubnetCommandInput,
  DeleteVpcCommand,
  type DeleteVpcCommandInput,
  DescribeInternetGatewaysCommand,
  type DescribeInternetGatewaysCommandInput,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  type DescribeRouteTablesCommandInput,
  DescribeSecurityGroupRulesCommand,
  type DescribeSecurityGroupRulesCommandInput,
  DescribeSecurityGroupsCommand,
  type DescribeSecurityGroupsCommandInput,
  DescribeSubnetsCommand,
  type DescribeSubnetsCommandInput,
  DescribeVpcsCommand,
  type DescribeVpcsCommandInput,
  DetachInternetGatewayCommand,
  type DetachInternetGatewayCommandInput,
  DisassociateRouteTableCommand,
  type IpPermission,
  ModifyVpcAttributeCommand,
  RevokeSecurityGroupIngressCommand,
  type RevokeSecurityGroupIngressCommandInput,
  type Filter,
  type NetworkInterface,
  type Tag,
} from '@aws-sdk/client-ec2';
import type { NetworkComplete, NetworkIds, NetworkProgress } from '../../../functions/core/contracts';
import { AwsThrottled, NotYetVisible, PermissionDenied, ResourceNotReady } from '../../../functions/core/errors';
import { deleteNetwork, ensureNetwork } from '../../../functions/resources/network';
import { awsError, mockAws } from '../../fixtures/aws';
import { BUILD_ID, seoulPlan } from '../../fixtures/build';
import type { Plan } from '../../../functions/core/plan';

/**
 * A small stateful EC2: enough of the network API for the ordering of ensureNetwork/deleteNetwork. With
 * `consistent = false`, every Describe comes back empty (EC2 right after a create); with `tagsLag = true`,
 * only lookups by tag do (the tag index lags, a Describe by id already answers).
 */
type Item = Record<string, unknown> & { Tags?: Tag[] };
const { ec2, clients } = mockAws();
const plan = seoulPlan();
let world: {
  consistent: boolean;
  tagsLag: boolean;
  vpcs: Item[];
  subnets: Item[];
  igws: Item[];
  tables: Item[];
  groups: Item[];
  rules: Item[];
  enis: NetworkInterface[];
};
let counter = 0;
const newId = (prefix: string) => `${prefix}-${String(++counter).padStart(4, '0')}`;
const tagsOf = (input: { TagSpecifications?: Array<{ Tags?: Tag[] }> }) => input.TagSpecifications?.[0]?.Tags ?? [];
const FIELDS: Record<string, string> = { 'vpc-id': 'VpcId', 'group-name': 'GroupName', 'cidr-block': 'CidrBlock', 'group-id': 'GroupId' };

function matching(items: Item[], filters: Filter[] = [], ids?: string[], idKey?: string): Item[] {
  if (!world.consistent) return [];
  if (world.tagsLag && filters.some((f) => f.Name?.startsWith('tag:'))) return [];
  return items.filter((item) => {
    if (ids && !ids.includes(item[idKey as string] as string)) return false;
    return filters.every((f) => {
      const value = f.Name?.startsWith('tag:') ? item.Tags?.find((t) => t.Key === f.Name?.slice(4))?.Value : item[FIELDS[f.Name as string]];
      return f.Values?.includes(value as string);
    });
  });
}
const remove = (list: Item[], key: string, id: unknown) =>
  list.splice(
    list.findIndex((x) => x[key] === id),
    1,
  );

beforeEach(() => {
  counter = 0;
  world = { consistent: true, tagsLag: false, vpcs: [], subnets: [], igws: [], tables: [], groups: [], rules: [], enis: [] };
  ec2.on(DescribeVpcsCommand).callsFake((i: DescribeVpcsCommandInput) => ({ Vpcs: matching(world.vpcs, i.Filters, i.VpcIds, 'VpcId') }));
  ec2
    .on(DescribeSubnetsCommand)
    .callsFake((i: DescribeSubnetsCommandInput) => ({ Subnets: matching(world.subnets, i.Filters, i.SubnetIds, 'SubnetId') }));
  ec2.on(DescribeInternetGatewaysCommand).callsFake((i: DescribeInternetGatewaysCommandInput) => ({
    InternetGateways: matching(world.igws, i.Filters, i.InternetGatewayIds, 'InternetGatewayId'),
  }));
  ec2.on(DescribeRouteTablesCommand).callsFake((i: DescribeRouteTablesCommandInput) => ({
    RouteTables: matching(world.tables, i.Filters, i.RouteTableIds, 'RouteTableId'),
  }));
  ec2
    .on(DescribeSecurityGroupsCommand)
    .callsFake((i: DescribeSecurityGroupsCommandInput) => ({ SecurityGroups: matching(world.groups, i.Filters, i.GroupIds, 'GroupId') }));
  ec2
    .on(DescribeSecurityGroupRulesCommand)
    .callsFake((i: DescribeSecurityGroupRulesCommandInput) => ({ SecurityGroupRules: matching(world.rules, i.Filters) }));
  ec2.on(DescribeNetworkInterfacesCommand).callsFake(() => ({ NetworkInterfaces: world.enis }));
  ec2
    .on(CreateVpcCommand)
    .callsFake((i: CreateVpcCommandInput) => ({ Vpc: push(world.vpcs, { VpcId: newId('vpc'), CidrBlock: i.CidrBlock, Tags: tagsOf(i) }) }));
  ec2.on(ModifyVpcAttributeCommand).resolves({});
  ec2.on(CreateSubnetCommand).callsFake((i: CreateSubnetCommandInput) => ({
    Subnet: push(world.subnets, { SubnetId: newId('subnet'), VpcId: i.VpcId, CidrBlock: i.CidrBlock, Tags: tagsOf(i) }),
  }));
  ec2.on(CreateInternetGatewayCommand).callsFake(createGateway);
  ec2
    .on(AttachInternetGatewayCommand)
    .callsFake(
      (i: AttachInternetGatewayCommandInput) =>
        void ((world.igws.find((g) => g.InternetGatewayId === i.InternetGatewayId) as Item).Attachments = [{ VpcId: i.VpcId }]),
    );
  ec2.on(CreateRouteTableCommand).callsFake((i: CreateRouteTableCommandInput) => ({
    RouteTable: push(world.tables, { RouteTableId: newId('rtb'), VpcId: i.VpcId, Routes: [], Associations: [], Tags: tagsOf(i) }),
  }));
  ec2.on(CreateRouteCommand).callsFake(
    (i: CreateRouteCommandInput) =>
      void (world.tables.find((t) => t.RouteTableId === i.RouteTableId)?.Routes as unknown[]).push({
        DestinationCidrBlock: i.DestinationCidrBlock,
        GatewayId: i.GatewayId,
      }),
  );
  ec2.on(AssociateRouteTableCommand).callsFake((i: AssociateRouteTableCommandInput) => {
    const association = { RouteTableAssociationId: newId('rtbassoc'), SubnetId: i.SubnetId };
    (world.tables.find((t) => t.RouteTableId === i.RouteTableId)?.Associations as unknown[]).push(association);
    return { AssociationId: association.RouteTableAssociationId };
  });
  ec2
    .on(CreateSecurityGroupCommand)
    .callsFake((i: CreateSecurityGroupCommandInput) =>
      push(world.groups, { GroupId: newId('sg'), GroupName: i.GroupName, VpcId: i.VpcId, Tags: tagsOf(i) }),
    );
  ec2.on(AuthorizeSecurityGroupIngressCommand).callsFake((i: AuthorizeSecurityGroupIngressCommandInput) => {
    for (const p of i.IpPermissions ?? []) {
      const peer = p.IpRanges ? { CidrIpv4: p.IpRanges[0].CidrIp } : { ReferencedGroupInfo: { GroupId: p.UserIdGroupPairs?.[0].GroupId } };
      world.rules.push({
        SecurityGroupRuleId: newId('sgr'),
        GroupId: i.GroupId,
        IsEgress: false,
        IpProtocol: p.IpProtocol,
        FromPort: p.FromPort,
        ToPort: p.ToPort,
        ...peer,
      });
    }
    return { Return: true };
  });
  ec2
    .on(DetachInternetGatewayCommand)
    .callsFake(
      (i: DetachInternetGatewayCommandInput) =>
        void ((world.igws.find((g) => g.InternetGatewayId === i.InternetGatewayId) as Item).Attachments = []),
    );
  ec2
    .on(DeleteInternetGatewayCommand)
    .callsFake((i: DeleteInternetGatewayCommandInput) => void remove(world.igws, 'InternetGatewayId', i.InternetGatewayId));
  ec2.on(DisassociateRouteTableCommand).resolves({});
  ec2.on(DeleteRouteTableCommand).callsFake((i: DeleteRouteTableCommandInput) => void remove(world.tables, 'RouteTableId', i.RouteTableId));
  ec2
    .on(RevokeSecurityGroupIngressCommand)
    .callsFake(
      (i: RevokeSecurityGroupIngressCommandInput) =>
        void (world.rules = world.rules.filter((r) => !i.SecurityGroupRuleIds?.includes(r.SecurityGroupRuleId as string))),
    );
  ec2.on(DeleteSecurityGroupCommand).callsFake((i: DeleteSecurityGroupCommandInput) => void remove(world.groups, 'GroupId', i.GroupId));
  ec2.on(DeleteSubnetCommand).callsFake((i: DeleteSubnetCommandInput) => void remove(world.subnets, 'SubnetId', i.SubnetId));
  ec2.on(DeleteVpcCommand).callsFake((i: DeleteVpcCommandInput) => void remove(world.vpcs, 'VpcId', i.VpcId));
});

const createGateway = (i: { TagSpecifications?: Array<{ Tags?: Tag[] }> }) => ({
  InternetGateway: push(world.igws, { InternetGatewayId: newId('igw'), Attachments: [], Tags: tagsOf(i) }),
});

function push(list: Item[], item: Item): Item {
  list.push(item);
  return item;
}
const callOrder = () =>
  ec2
    .calls()
    .map((c) => c.args[0].constructor.name.replace(/Command$/, ''))
    .filter((n) => !n.startsWith('Describe'));
const creates = () => callOrder().filter((n) => n.startsWith('Create'));

/** What the state machine does with CreateNetwork (the NetworkComplete? loop): run again with the last answer until complete. */
async function runUntilComplete(
  known: Partial<NetworkIds> = {},
  planned: Plan = plan,
): Promise<{ network: NetworkComplete; runs: NetworkProgress[] }> {
  const runs = [await ensureNetwork(clients, planned, known)];
  while (!runs[runs.length - 1].complete) {
    if (runs.length === 3) throw new Error(`CreateNetwork did not complete in 3 runs: ${JSON.stringify(runs)}`);
    runs.push(await ensureNetwork(clients, planned, runs[runs.length - 1]));
  }
  return { network: runs[runs.length - 1] as NetworkComplete, runs };
}
const COMPLETE: NetworkComplete = {
  complete: true,
  vpcId: 'vpc-0001',
  internetGatewayId: 'igw-0002',
  privateSubnetIds: { 'ap-northeast-2a': 'subnet-0003', 'ap-northeast-2b': 'subnet-0004', 'ap-northeast-2c': 'subnet-0005' },
  publicSubnetIds: { 'ap-northeast-2a': 'subnet-0006' },
  publicRouteTableId: 'rtb-0007',
  privateRouteTableIds: { 'ap-northeast-2a': 'rtb-0009', 'ap-northeast-2b': 'rtb-0009', 'ap-northeast-2c': 'rtb-0009' },
  securityGroupIds: { bastion: 'sg-0013', nlb: 'sg-0014', controlPlane: 'sg-0015', workers: 'sg-0016' },
};

describe('ensureNetwork', () => {
  it('creates VPC, gateway, subnets, route tables and security groups in that order, in three runs, and returns every id', async () => {
    const { network, runs } = await runUntilComplete();
    expect(runs).toEqual([
      { complete: false, vpcId: 'vpc-0001' },
      { complete: false, vpcId: 'vpc-0001', internetGatewayId: 'igw-0002' },
      COMPLETE,
    ]);
    expect(network).toEqual(COMPLETE);
    expect(creates()).toEqual([
      'CreateVpc',
      'CreateInternetGateway',
      'CreateSubnet',
      'CreateSubnet',
      'CreateSubnet',
      'CreateSubnet',
      'CreateRouteTable',
      'CreateRoute',
      'CreateRouteTable',
      'CreateSecurityGroup',
      'CreateSecurityGroup',
      'CreateSecurityGroup',
      'CreateSecurityGroup',
    ]);
  });

  it.each([
    { run: 'the first run', known: {}, created: 'CreateVpc', answer: { complete: false, vpcId: 'vpc-0001' } },
    {
      run: 'the second run',
      known: { vpcId: 'vpc-0001' },
      created: 'CreateInternetGateway',
      answer: { complete: false, vpcId: 'vpc-0001', internetGatewayId: 'igw-0002' },
    },
  ])('returns right after $created in $run, before any other call could fail, with the new id', async ({ known, created, answer }) => {
    if (known.vpcId) await ensureNetwork(clients, plan);
    ec2.resetHistory();
    await expect(ensureNetwork(clients, plan, known)).resolves.toEqual(answer);
    expect(callOrder().at(-1)).toBe(created);
    expect(creates()).toEqual([created]);
  });

  it('creates nothing on a repeat once everything is visible, and returns the same ids', async () => {
    const { network } = await runUntilComplete();
    ec2.resetHistory();
    await expect(ensureNetwork(clients, plan)).resolves.toEqual(network);
    expect(creates()).toEqual([]);
    // Found by tag (no id carried): DNS hostnames once more, idempotent; DNS support is on by default.
    expect(callOrder()).toEqual(['ModifyVpcAttribute']);
  });

  it('makes 26 calls for a new network: no Describe of what the state carries, DNS hostnames once, no lookup after fresh subnets', async () => {
    await runUntilComplete();
    const calls = ec2.calls().map((c) => c.args[0].constructor.name.replace(/Command$/, ''));
    expect(calls).toEqual([
      // Run 1: the VPC, and back to the state machine at once.
      'DescribeVpcs',
      'CreateVpc',
      // Run 2: the VPC by its carried id; DNS hostnames; the gateway, and back at once.
      'ModifyVpcAttribute',
      'DescribeInternetGateways',
      'CreateInternetGateway',
      // Run 3: the gateway by its carried id; every subnet new, so no route table or group can exist yet.
      'AttachInternetGateway',
      'DescribeSubnets',
      ...Array<string>(4).fill('CreateSubnet'),
      'CreateRouteTable',
      'CreateRoute',
      'AssociateRouteTable',
      'CreateRouteTable',
      ...Array<string>(3).fill('AssociateRouteTable'),
      ...Array<string>(4).fill('CreateSecurityGroup'),
      ...Array<string>(4).fill('AuthorizeSecurityGroupIngress'),
    ]);
    expect(ec2.commandCalls(ModifyVpcAttributeCommand).map((c) => c.args[0].input)).toEqual([
      { VpcId: 'vpc-0001', EnableDnsHostnames: { Value: true } },
    ]);
  });

  it('never creates anything twice when a repeat, handed the ids by the state, finds nothing because Describe is not consistent yet', async () => {
    const { network } = await runUntilComplete();
    world.consistent = false;
    await expect(ensureNetwork(clients, plan, network)).rejects.toBeInstanceOf(NotYetVisible);
    expect(ec2.commandCalls(CreateVpcCommand)).toHaveLength(1);
    expect(ec2.commandCalls(CreateSubnetCommand)).toHaveLength(4);
  });

  it('carries the ids of an earlier run forward', async () => {
    const { network } = await runUntilComplete();
    ec2.resetHistory();
    await expect(ensureNetwork(clients, plan, network)).resolves.toEqual(network);
    expect(creates()).toEqual([]);
  });

  describe('the reported duplicate: a retry in a new Lambda container while the tag lookup still comes back empty', () => {
    beforeEach(() => {
      world.tagsLag = true;
    });

    it('creates no second VPC: the VPC created by the first run comes back as a known id', async () => {
      // The call right after CreateVpc used to be throttled inside the same invocation; now there is none.
      ec2.on(ModifyVpcAttributeCommand).rejectsOnce(awsError('RequestLimitExceeded')).resolves({});
      const first = await ensureNetwork(clients, plan);
      expect(first).toEqual({ complete: false, vpcId: 'vpc-0001' });
      expect(ec2.commandCalls(ModifyVpcAttributeCommand)).toHaveLength(0);

      await expect(ensureNetwork(clients, plan, first)).rejects.toBeInstanceOf(AwsThrottled);
      const second = await ensureNetwork(clients, plan, first);

      expect(second).toEqual({ complete: false, vpcId: 'vpc-0001', internetGatewayId: 'igw-0002' });
      expect(ec2.commandCalls(CreateVpcCommand)).toHaveLength(1);
      expect(world.vpcs).toHaveLength(1);
      // The carried id is the VPC: only the first run looked for one.
      expect(ec2.commandCalls(DescribeVpcsCommand)).toHaveLength(1);
    });

    it('creates no second Internet Gateway: the one created by the second run comes back as a known id', async () => {
      const first = await ensureNetwork(clients, plan);
      const second = await ensureNetwork(clients, plan, first);
      ec2
        .on(CreateSubnetCommand)
        .rejectsOnce(awsError('RequestLimitExceeded'))
        .callsFake((i: CreateSubnetCommandInput) => ({
          Subnet: push(world.subnets, { SubnetId: newId('subnet'), VpcId: i.VpcId, CidrBlock: i.CidrBlock, Tags: tagsOf(i) }),
        }));

      await expect(ensureNetwork(clients, plan, second)).rejects.toBeInstanceOf(AwsThrottled);
      const third = await ensureNetwork(clients, plan, second);

      expect(third.complete).toBe(true);
      expect(third.internetGatewayId).toBe(second.internetGatewayId);
      expect(ec2.commandCalls(CreateInternetGatewayCommand)).toHaveLength(1);
      expect(world.igws).toEqual([
        expect.objectContaining({ InternetGatewayId: second.internetGatewayId, Attachments: [{ VpcId: 'vpc-0001' }] }),
      ]);
    });

    it('waits (NotYetVisible) rather than create again when EC2 does not know the carried VPC id yet', async () => {
      const first = await ensureNetwork(clients, plan);
      ec2.on(ModifyVpcAttributeCommand).rejectsOnce(awsError('InvalidVpcID.NotFound')).resolves({});
      await expect(ensureNetwork(clients, plan, first)).rejects.toBeInstanceOf(NotYetVisible);
      await expect(ensureNetwork(clients, plan, first)).resolves.toMatchObject({ complete: false, vpcId: first.vpcId });
      expect(ec2.commandCalls(CreateVpcCommand)).toHaveLength(1);
    });
  });

  it('resumes after a failure part-way through the last run without creating what exists', async () => {
    const first = await ensureNetwork(clients, plan);
    const second = await ensureNetwork(clients, plan, first);
    ec2
      .on(CreateRouteTableCommand)
      .rejectsOnce(awsError('RequestLimitExceeded'))
      .callsFake((i: CreateRouteTableCommandInput) => ({
        RouteTable: push(world.tables, { RouteTableId: newId('rtb'), VpcId: i.VpcId, Routes: [], Associations: [], Tags: tagsOf(i) }),
      }));
    await expect(ensureNetwork(clients, plan, second)).rejects.toBeInstanceOf(AwsThrottled);
    await expect(ensureNetwork(clients, plan, second)).resolves.toMatchObject({ complete: true, vpcId: first.vpcId });
    expect(ec2.commandCalls(CreateVpcCommand)).toHaveLength(1);
    expect(ec2.commandCalls(CreateInternetGatewayCommand)).toHaveLength(1);
    expect(ec2.commandCalls(CreateSubnetCommand)).toHaveLength(4);
    expect(ec2.commandCalls(CreateRouteTableCommand)).toHaveLength(3);
    // DNS hostnames were turned on by the run that created the gateway; the retry found the subnets, so it looked.
    expect(ec2.commandCalls(ModifyVpcAttributeCommand)).toHaveLength(1);
    expect(ec2.commandCalls(DescribeRouteTablesCommand)).toHaveLength(1);
    expect(ec2.commandCalls(DescribeSecurityGroupsCommand)).toHaveLength(1);
  });

  it('classifies a denied DescribeVpcs and creates nothing', async () => {
    ec2.on(DescribeVpcsCommand).rejects(awsError('UnauthorizedOperation'));
    await expect(ensureNetwork(clients, plan)).rejects.toBeInstanceOf(PermissionDenied);
    expect(creates()).toEqual([]);
  });

  it('builds a closed network without a bastion in two runs: no Internet Gateway, no public subnet, no route to the internet', async () => {
    const bastionless = seoulPlan({ bastion: { enabled: false }, endpoints: ['ssm', 'ssmmessages', 'ec2messages'] });
    const { network, runs } = await runUntilComplete({}, bastionless);
    expect(runs).toHaveLength(2);
    expect(network).not.toHaveProperty('internetGatewayId');
    expect(network).not.toHaveProperty('publicRouteTableId');
    expect(network.publicSubnetIds).toEqual({});
    expect(Object.keys(network.securityGroupIds).sort()).toEqual(['controlPlane', 'endpoints', 'nlb', 'workers']);
    expect(creates()).toEqual([
      'CreateVpc',
      'CreateSubnet',
      'CreateSubnet',
      'CreateSubnet',
      'CreateRouteTable',
      'CreateSecurityGroup',
      'CreateSecurityGroup',
      'CreateSecurityGroup',
      'CreateSecurityGroup',
    ]);
    expect(world.igws).toEqual([]);
    expect(world.tables.flatMap((t) => t.Routes as unknown[])).toEqual([]);
    expect(ec2.commandCalls(ModifyVpcAttributeCommand)).toHaveLength(1);
  });

  it('gives every zone a public subnet and a private route table of its own for "nat-per-az"', async () => {
    const perZone = seoulPlan({ egress: 'nat-per-az' });
    const { network } = await runUntilComplete({}, perZone);
    const zones = perZone.spec.availabilityZones;
    expect(Object.keys(network.publicSubnetIds)).toEqual(zones);
    expect(new Set(Object.values(network.privateRouteTableIds)).size).toBe(3);
    for (const zone of zones) {
      const table = world.tables.find((t) => t.RouteTableId === network.privateRouteTableIds[zone]);
      expect((table?.Associations as Array<{ SubnetId: string }>).map((a) => a.SubnetId)).toEqual([network.privateSubnetIds[zone]]);
    }
    const publicTable = world.tables.find((t) => t.RouteTableId === network.publicRouteTableId);
    expect((publicTable?.Associations as Array<{ SubnetId: string }>).map((a) => a.SubnetId)).toEqual(
      Object.values(network.publicSubnetIds),
    );
  });
});

describe('deleteNetwork', () => {
  type Rule = Item & { GroupId: string; ReferencedGroupInfo?: { GroupId?: string } };
  const associations = (table: Item) => table.Associations as Array<{ RouteTableAssociationId: string; SubnetId: string }>;
  const samePort = (rule: Rule, p: IpPermission) =>
    rule.IpProtocol === p.IpProtocol && rule.FromPort === p.FromPort && rule.ToPort === p.ToPort;

  // What deleting needs beyond the shared world, as EC2 does it: a group's rules as IpPermissions, a revoke by
  // permission, a group referenced by another group's rule (not its own) refusing to go, a subnet's route table
  // association going with the subnet, and a table that still has one refusing to go.
  beforeEach(() => {
    ec2.on(DescribeSecurityGroupsCommand).callsFake((i: DescribeSecurityGroupsCommandInput) => ({
      SecurityGroups: matching(world.groups, i.Filters, i.GroupIds, 'GroupId').map((group) => ({
        ...group,
        IpPermissions: (world.rules as Rule[])
          .filter((r) => r.GroupId === group.GroupId && !r.IsEgress)
          .map((r) => ({
            IpProtocol: r.IpProtocol as string,
            FromPort: r.FromPort as number,
            ToPort: r.ToPort as number,
            ...(r.ReferencedGroupInfo
              ? { UserIdGroupPairs: [{ GroupId: r.ReferencedGroupInfo.GroupId, UserId: '123456789012', Description: 'from the plan' }] }
              : { IpRanges: [{ CidrIp: r.CidrIpv4 as string }] }),
          })),
      })),
    }));
    ec2.on(RevokeSecurityGroupIngressCommand).callsFake((i: RevokeSecurityGroupIngressCommandInput) => {
      const revoked = (r: Rule) =>
        r.GroupId === i.GroupId &&
        (i.IpPermissions ?? []).some(
          (p) => samePort(r, p) && p.UserIdGroupPairs?.some((pair) => pair.GroupId === r.ReferencedGroupInfo?.GroupId),
        );
      world.rules = (world.rules as Rule[]).filter((r) => !revoked(r));
      return { Return: true };
    });
    ec2.on(DeleteSecurityGroupCommand).callsFake((i: DeleteSecurityGroupCommandInput) => {
      if ((world.rules as Rule[]).some((r) => r.GroupId !== i.GroupId && r.ReferencedGroupInfo?.GroupId === i.GroupId))
        throw awsError('DependencyViolation');
      remove(world.groups, 'GroupId', i.GroupId);
      // Its own rules go with it.
      world.rules = (world.rules as Rule[]).filter((r) => r.GroupId !== i.GroupId);
    });
    ec2.on(DeleteSubnetCommand).callsFake((i: DeleteSubnetCommandInput) => {
      remove(world.subnets, 'SubnetId', i.SubnetId);
      for (const table of world.tables) table.Associations = associations(table).filter((a) => a.SubnetId !== i.SubnetId);
    });
    ec2.on(DeleteRouteTableCommand).callsFake((i: DeleteRouteTableCommandInput) => {
      if (associations(world.tables.find((t) => t.RouteTableId === i.RouteTableId) as Item).length) throw awsError('DependencyViolation');
      remove(world.tables, 'RouteTableId', i.RouteTableId);
    });
    ec2.on(DisassociateRouteTableCommand).callsFake((i: { AssociationId?: string }) => {
      for (const table of world.tables)
        table.Associations = associations(table).filter((a) => a.RouteTableAssociationId !== i.AssociationId);
    });
  });

  it('walks the creation order back in 20 calls: no disassociation, one revoke, one Describe per kind', async () => {
    const { network } = await runUntilComplete();
    ec2.resetHistory();
    const deleted = await deleteNetwork(clients, BUILD_ID);
    expect(ec2.calls().map((c) => c.args[0].constructor.name.replace(/Command$/, ''))).toEqual([
      'DescribeVpcs',
      // Nothing may be left in the VPC before the first delete.
      'DescribeNetworkInterfaces',
      'DescribeInternetGateways',
      'DetachInternetGateway',
      'DeleteInternetGateway',
      // The subnets first: their route table associations go with them.
      'DescribeSubnets',
      ...Array<string>(4).fill('DeleteSubnet'),
      'DescribeRouteTables',
      'DeleteRouteTable',
      'DeleteRouteTable',
      // The control plane and workers reference each other: one revoke breaks the cycle, the rest go in order.
      'DescribeSecurityGroups',
      'RevokeSecurityGroupIngress',
      ...Array<string>(4).fill('DeleteSecurityGroup'),
      'DeleteVpc',
    ]);
    expect(deleted).toEqual([
      network.internetGatewayId,
      ...Object.values(network.privateSubnetIds),
      network.publicSubnetIds['ap-northeast-2a'],
      network.publicRouteTableId,
      network.privateRouteTableIds['ap-northeast-2a'],
      ...deleted.slice(7, 11),
      network.vpcId,
    ]);
    // The groups in the order their references allow: every one of them.
    expect(deleted.slice(7, 11).sort()).toEqual(Object.values(network.securityGroupIds).sort());
    expect(world).toMatchObject({ vpcs: [], subnets: [], igws: [], tables: [], groups: [] });
  });

  it('revokes by the permissions DescribeSecurityGroups gave, only those that name another of our groups', async () => {
    const { network } = await runUntilComplete();
    ec2.resetHistory();
    await deleteNetwork(clients, BUILD_ID);
    const [revoke] = ec2.commandCalls(RevokeSecurityGroupIngressCommand).map((c) => c.args[0].input);
    const ours = Object.values(network.securityGroupIds);
    expect(ours).toContain(revoke.GroupId);
    for (const permission of revoke.IpPermissions ?? []) {
      expect(permission.IpRanges).toBeUndefined();
      for (const pair of permission.UserIdGroupPairs ?? []) {
        // By group id alone: no description or account to match.
        expect(Object.keys(pair)).toEqual(['GroupId']);
        expect(ours.filter((id) => id !== revoke.GroupId)).toContain(pair.GroupId);
      }
    }
    expect(ec2.commandCalls(DescribeSecurityGroupRulesCommand)).toHaveLength(0);
  });

  it('removes an association it still finds (a subnet that is not ours) before deleting the table', async () => {
    await runUntilComplete();
    associations(world.tables[0]).push({ RouteTableAssociationId: 'rtbassoc-foreign', SubnetId: 'subnet-foreign' });
    await deleteNetwork(clients, BUILD_ID);
    expect(ec2.commandCalls(DisassociateRouteTableCommand).map((c) => c.args[0].input)).toEqual([{ AssociationId: 'rtbassoc-foreign' }]);
    expect(world.tables).toEqual([]);
  });

  it.each<[string, NetworkInterface]>([
    [
      'an NLB’s interfaces linger',
      { NetworkInterfaceId: 'eni-nlb', InterfaceType: 'network_load_balancer', Description: 'ELB net/fin-k8s-dev-nlb/abc' },
    ],
    [
      'an instance is still shutting down',
      { NetworkInterfaceId: 'eni-node', InterfaceType: 'interface', Attachment: { InstanceId: 'i-cp1' } },
    ],
    ['a VPC endpoint is still being deleted', { NetworkInterfaceId: 'eni-vpce', InterfaceType: 'vpc_endpoint' }],
  ])('waits (ResourceNotReady), having sent no delete, while %s', async (_case, eni) => {
    await runUntilComplete();
    world.enis = [eni];
    ec2.resetHistory();
    await expect(deleteNetwork(clients, BUILD_ID)).rejects.toBeInstanceOf(ResourceNotReady);
    expect(callOrder()).toEqual([]);
    expect(ec2.calls()).toHaveLength(2);
  });

  it('is repeatable: a DependencyViolation waits, and the retry resumes where it stopped', async () => {
    await runUntilComplete();
    let blocked = false;
    ec2.on(DeleteSecurityGroupCommand).callsFake((i: DeleteSecurityGroupCommandInput) => {
      if (!blocked) {
        blocked = true;
        throw awsError('DependencyViolation');
      }
      remove(world.groups, 'GroupId', i.GroupId);
    });
    await expect(deleteNetwork(clients, BUILD_ID)).rejects.toBeInstanceOf(ResourceNotReady);
    expect(world).toMatchObject({ igws: [], subnets: [], tables: [] });
    expect(world.vpcs).toHaveLength(1);
    const deleted = await deleteNetwork(clients, BUILD_ID);
    expect(deleted).toHaveLength(5);
    expect(ec2.commandCalls(DeleteInternetGatewayCommand)).toHaveLength(1);
    expect(world).toMatchObject({ vpcs: [], subnets: [], igws: [], tables: [], groups: [] });
  });

  it('in a rollback, deletes what the state carries while a Describe by tag shows none of it yet', async () => {
    const { network } = await runUntilComplete();
    world.tagsLag = true;
    ec2.resetHistory();
    const deleted = await deleteNetwork(clients, BUILD_ID, network);
    expect(deleted).toEqual(
      expect.arrayContaining([
        network.vpcId,
        network.internetGatewayId,
        network.publicSubnetIds['ap-northeast-2a'],
        network.privateRouteTableIds['ap-northeast-2a'],
        network.securityGroupIds.workers,
      ]),
    );
    expect(ec2.commandCalls(DetachInternetGatewayCommand).map((c) => c.args[0].input)).toEqual([
      { InternetGatewayId: network.internetGatewayId, VpcId: network.vpcId },
    ]);
    expect(world).toMatchObject({ vpcs: [], subnets: [], igws: [], tables: [], groups: [] });
  });

  it('in a rollback of a build the previous release started, deletes its one public subnet and private route table by id', async () => {
    const { network } = await runUntilComplete();
    world.tagsLag = true;
    ec2.resetHistory();
    const legacy = {
      vpcId: network.vpcId,
      internetGatewayId: network.internetGatewayId,
      privateSubnetIds: network.privateSubnetIds,
      publicSubnetId: network.publicSubnetIds['ap-northeast-2a'],
      privateRouteTableId: network.privateRouteTableIds['ap-northeast-2a'],
      publicRouteTableId: network.publicRouteTableId,
      securityGroupIds: network.securityGroupIds,
    };
    const deleted = await deleteNetwork(clients, BUILD_ID, legacy);
    expect(deleted).toEqual(expect.arrayContaining([legacy.publicSubnetId, legacy.privateRouteTableId, legacy.vpcId]));
    expect(world).toMatchObject({ vpcs: [], subnets: [], igws: [], tables: [], groups: [] });
  });

  it('succeeds and deletes nothing when the VPC is already gone, looking only for a leftover gateway', async () => {
    await expect(deleteNetwork(clients, BUILD_ID)).resolves.toEqual([]);
    expect(callOrder()).toEqual([]);
    expect(ec2.calls().map((c) => c.args[0].constructor.name)).toEqual(['DescribeVpcsCommand', 'DescribeInternetGatewaysCommand']);
  });

  it('classifies a throttled Describe and deletes nothing', async () => {
    ec2.on(DescribeVpcsCommand).rejects(awsError('RequestLimitExceeded'));
    await expect(deleteNetwork(clients, BUILD_ID)).rejects.toBeInstanceOf(AwsThrottled);
    expect(callOrder()).toEqual([]);
  });
});
