import {
  AssociateRouteTableCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  DeleteRouteTableCommand,
  DescribeRouteTablesCommand,
  type DescribeRouteTablesCommandInput,
  DisassociateRouteTableCommand,
  type CreateRouteTableCommandInput,
  type RouteTable,
} from '@aws-sdk/client-ec2';
import { AwsThrottled, PermissionDenied, ResourceConflict, ResourceNotReady } from '../../../functions/core/errors';
import { ownedFilters, toTagList, type Role } from '../../../functions/core/tags';
import { deleteRouteTables, ensureRouteTables, routeTableClientToken } from '../../../functions/resources/route-tables';
import { awsError, mockAws, ownedTagSpecifications } from '../../fixtures/aws';
import { BUILD_ID, seoulPlan } from '../../fixtures/build';

const { ec2, clients } = mockAws();
const plan = seoulPlan();
const VPC_ID = 'vpc-0123456789abcdef0';
const IGW_ID = 'igw-0123456789abcdef0';
const PRIVATE = { 'ap-northeast-2a': 'subnet-a', 'ap-northeast-2b': 'subnet-b', 'ap-northeast-2c': 'subnet-c' };
const TARGETS = {
  vpcId: VPC_ID,
  internetGatewayId: IGW_ID,
  privateSubnetIds: PRIVATE,
  publicSubnetIds: { 'ap-northeast-2a': 'subnet-pub' },
};
const ID: Record<string, string> = { 'public-route-table': 'rtb-public', 'private-route-table': 'rtb-private' };
const roleOf = (input: CreateRouteTableCommandInput) =>
  input.TagSpecifications?.[0].Tags?.find((t) => t.Key === 'k8s-ec2:role')?.Value as string;
const LOCAL = { DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local' };
const IDS = {
  publicRouteTableId: 'rtb-public',
  privateRouteTableIds: { 'ap-northeast-2a': 'rtb-private', 'ap-northeast-2b': 'rtb-private', 'ap-northeast-2c': 'rtb-private' },
};
const planned = (kind: 'public' | 'private') => (kind === 'public' ? plan.routeTables.public : plan.routeTables.private[0]);
/** The one route the build adds, and every association it makes, as sent to EC2. */
const INTERNET_ROUTE = { RouteTableId: 'rtb-public', DestinationCidrBlock: '0.0.0.0/0', GatewayId: IGW_ID };
const ASSOCIATIONS = [
  { RouteTableId: 'rtb-public', SubnetId: 'subnet-pub' },
  { RouteTableId: 'rtb-private', SubnetId: 'subnet-a' },
  { RouteTableId: 'rtb-private', SubnetId: 'subnet-b' },
  { RouteTableId: 'rtb-private', SubnetId: 'subnet-c' },
];
const sentRoutes = () => ec2.commandCalls(CreateRouteCommand).map((c) => c.args[0].input);
const sentAssociations = () => ec2.commandCalls(AssociateRouteTableCommand).map((c) => c.args[0].input);

function table(kind: 'public' | 'private', opts: { subnets?: string[]; internet?: string } = {}): RouteTable {
  const role: Role = `${kind}-route-table`;
  return {
    RouteTableId: ID[role],
    VpcId: VPC_ID,
    Routes: [LOCAL, ...(opts.internet ? [{ DestinationCidrBlock: '0.0.0.0/0', GatewayId: opts.internet }] : [])],
    Associations: (opts.subnets ?? []).map((SubnetId, i) => ({
      RouteTableAssociationId: `rtbassoc-${kind}-${i}`,
      RouteTableId: ID[role],
      SubnetId,
      Main: false,
    })),
    Tags: toTagList(planned(kind)?.tags ?? {}),
  };
}
const complete = () => [
  table('public', { subnets: ['subnet-pub'], internet: IGW_ID }),
  table('private', { subnets: Object.values(PRIVATE) }),
];

beforeEach(() => {
  ec2.on(CreateRouteTableCommand).callsFake((input: CreateRouteTableCommandInput) => ({
    RouteTable: { RouteTableId: ID[roleOf(input)], VpcId: input.VpcId, Routes: [LOCAL], Associations: [] },
  }));
  ec2.on(CreateRouteCommand).resolves({ Return: true });
  ec2.on(AssociateRouteTableCommand).resolves({ AssociationId: 'rtbassoc-new' });
  ec2.on(DisassociateRouteTableCommand).resolves({});
  ec2.on(DeleteRouteTableCommand).resolves({});
});

describe('ensureRouteTables', () => {
  it.each([
    { state: 'complete', tables: complete(), creates: 0, routes: 0, associations: 0 },
    { state: 'created but not routed or associated', tables: [table('public'), table('private')], creates: 0, routes: 1, associations: 4 },
    { state: 'absent', tables: [], creates: 2, routes: 1, associations: 4 },
  ])('creates only what is missing when the route tables are $state', async ({ tables, creates, routes, associations }) => {
    ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: tables });
    await expect(ensureRouteTables(clients, plan, TARGETS)).resolves.toEqual(IDS);
    expect(ec2.commandCalls(CreateRouteTableCommand)).toHaveLength(creates);
    expect(ec2.commandCalls(CreateRouteCommand)).toHaveLength(routes);
    expect(ec2.commandCalls(AssociateRouteTableCommand)).toHaveLength(associations);
    expect(ec2.commandCalls(DescribeRouteTablesCommand)[0].args[0].input).toEqual({ Filters: ownedFilters(BUILD_ID) });
  });

  it.each([
    ['public', 'fin-k8s-dev-public-rt'],
    ['private', 'fin-k8s-dev-private-rt'],
  ] as const)('creates the %s table in the VPC with a deterministic ClientToken, tagged on create', async (kind, name) => {
    ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: [] });
    await ensureRouteTables(clients, plan, TARGETS);
    const role: Role = `${kind}-route-table`;
    const input = ec2
      .commandCalls(CreateRouteTableCommand)
      .map((c) => c.args[0].input)
      .find((i) => roleOf(i) === role);
    expect(input?.VpcId).toBe(VPC_ID);
    expect(input?.ClientToken).toBe(routeTableClientToken(BUILD_ID, role, VPC_ID, name));
    expect(input?.TagSpecifications).toEqual(ownedTagSpecifications('route-table', name, role));
  });

  it('skips the lookup by tag when the caller knows no table exists yet, and still creates, routes and associates them all', async () => {
    await expect(ensureRouteTables(clients, plan, TARGETS, {}, true)).resolves.toEqual(IDS);
    expect(ec2.commandCalls(DescribeRouteTablesCommand)).toHaveLength(0);
    expect(ec2.commandCalls(CreateRouteTableCommand)).toHaveLength(2);
    expect(sentRoutes()).toEqual([INTERNET_ROUTE]);
    expect(sentAssociations()).toEqual(ASSOCIATIONS);
  });

  it('routes 0.0.0.0/0 to the Internet Gateway in the public table only, and associates each table with its subnets', async () => {
    ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: [] });
    await ensureRouteTables(clients, plan, TARGETS);
    expect(sentRoutes()).toEqual([INTERNET_ROUTE]);
    expect(sentAssociations()).toEqual(ASSOCIATIONS);
  });

  it('gives the same ClientToken on every attempt, one per role and table name, within AWS’s 64 characters', () => {
    const token = routeTableClientToken(BUILD_ID, 'public-route-table', VPC_ID, 'fin-k8s-dev-public-rt');
    expect(routeTableClientToken(BUILD_ID, 'public-route-table', VPC_ID, 'fin-k8s-dev-public-rt')).toBe(token);
    expect(routeTableClientToken(BUILD_ID, 'private-route-table', VPC_ID, 'fin-k8s-dev-public-rt')).not.toBe(token);
    const zoneA = routeTableClientToken(BUILD_ID, 'private-route-table', VPC_ID, 'fin-k8s-dev-private-rt-a');
    expect(routeTableClientToken(BUILD_ID, 'private-route-table', VPC_ID, 'fin-k8s-dev-private-rt-b')).not.toBe(zoneA);
    expect(routeTableClientToken('x'.repeat(80), 'private-route-table', VPC_ID, 'y'.repeat(40)).length).toBeLessThanOrEqual(64);
  });

  it.each([
    ['RequestLimitExceeded', AwsThrottled],
    ['UnauthorizedOperation', PermissionDenied],
  ])('classifies DescribeRouteTables failing with %s and creates nothing', async (code, expected) => {
    ec2.on(DescribeRouteTablesCommand).rejects(awsError(code));
    await expect(ensureRouteTables(clients, plan, TARGETS)).rejects.toBeInstanceOf(expected);
    expect(ec2.commandCalls(CreateRouteTableCommand)).toHaveLength(0);
  });

  it('never makes a table twice when a repeat (nothing in memory, nothing in the state) finds nothing: it sends the same ClientTokens', async () => {
    ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: [] });
    await ensureRouteTables(clients, plan, TARGETS);
    await ensureRouteTables(clients, plan, TARGETS);
    const tokens = ec2.commandCalls(CreateRouteTableCommand).map((c) => c.args[0].input.ClientToken);
    expect(tokens).toHaveLength(4);
    expect(tokens.slice(2)).toEqual(tokens.slice(0, 2));
  });

  it.each([
    { found: 'none', tables: [], creates: 2 },
    { found: 'one of each', tables: complete(), creates: 0 },
  ])('uses the one table of each kind its tags find (or creates it when they find $found)', async ({ tables, creates }) => {
    ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: tables });
    await expect(ensureRouteTables(clients, plan, TARGETS)).resolves.toEqual(IDS);
    expect(ec2.commandCalls(CreateRouteTableCommand)).toHaveLength(creates);
  });

  it('raises ResourceConflict naming both when its tags find two public route tables, and changes nothing', async () => {
    ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: [...complete(), { ...table('public'), RouteTableId: 'rtb-public-2' }] });
    const error = await ensureRouteTables(clients, plan, TARGETS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceConflict);
    expect((error as Error).message).toContain('rtb-public, rtb-public-2');
    expect(ec2.commandCalls(CreateRouteTableCommand)).toHaveLength(0);
    expect(ec2.commandCalls(CreateRouteCommand)).toHaveLength(0);
    expect(ec2.commandCalls(AssociateRouteTableCommand)).toHaveLength(0);
  });

  it('uses route table ids carried in state once visible by id', async () => {
    ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: [] });
    ec2.on(DescribeRouteTablesCommand, { RouteTableIds: ['rtb-public'] }).resolves({ RouteTables: [complete()[0]] });
    ec2.on(DescribeRouteTablesCommand, { RouteTableIds: ['rtb-private'] }).resolves({ RouteTables: [complete()[1]] });
    await ensureRouteTables(clients, plan, TARGETS, {
      publicRouteTableId: 'rtb-public',
      privateRouteTableIds: { 'ap-northeast-2a': 'rtb-private' },
    });
    expect(ec2.commandCalls(CreateRouteTableCommand)).toHaveLength(0);
    expect(ec2.commandCalls(AssociateRouteTableCommand)).toHaveLength(0);
  });

  it('refuses a carried route table id tagged for another build', async () => {
    ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: [] });
    ec2.on(DescribeRouteTablesCommand, { RouteTableIds: ['rtb-public'] }).resolves({ RouteTables: [{ ...table('public'), Tags: [] }] });
    await expect(ensureRouteTables(clients, plan, TARGETS, { publicRouteTableId: 'rtb-public' })).rejects.toBeInstanceOf(ResourceConflict);
  });

  it('treats RouteAlreadyExists on CreateRoute as already done', async () => {
    ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: [table('public'), table('private')] });
    ec2.on(CreateRouteCommand).rejects(awsError('RouteAlreadyExists'));
    await expect(ensureRouteTables(clients, plan, TARGETS)).resolves.toEqual(IDS);
    expect(sentRoutes()).toEqual([INTERNET_ROUTE]);
    // It went on: every subnet still gets associated with its table.
    expect(sentAssociations()).toEqual(ASSOCIATIONS);
  });

  const askedSubnet = (input: DescribeRouteTablesCommandInput) =>
    input.Filters?.find((f) => f.Name === 'association.subnet-id')?.Values?.[0];

  /** Owned tables not yet showing their associations; asked by subnet, `holder` answers which table holds it. */
  function associatedElsewhere(holder: (subnetId: string) => RouteTable) {
    ec2.on(DescribeRouteTablesCommand).callsFake((input: DescribeRouteTablesCommandInput) => {
      const subnetId = askedSubnet(input);
      return { RouteTables: subnetId ? [holder(subnetId)] : [table('public'), table('private')] };
    });
    ec2.on(AssociateRouteTableCommand).rejects(awsError('Resource.AlreadyAssociated'));
  }

  it('treats Resource.AlreadyAssociated as done when the subnet is with the planned table', async () => {
    associatedElsewhere((subnetId) => (subnetId === 'subnet-pub' ? table('public') : table('private')));
    await expect(ensureRouteTables(clients, plan, TARGETS)).resolves.toEqual(IDS);
    expect(sentAssociations()).toEqual(ASSOCIATIONS);
    // Each refusal was checked by asking which table holds that subnet.
    const asked = ec2.commandCalls(DescribeRouteTablesCommand).map((c) => askedSubnet(c.args[0].input));
    expect(asked.filter((subnetId) => subnetId !== undefined)).toEqual(['subnet-pub', 'subnet-a', 'subnet-b', 'subnet-c']);
  });

  it('refuses a subnet associated with another table (it would route where we did not plan)', async () => {
    associatedElsewhere(() => table('public'));
    await expect(ensureRouteTables(clients, plan, TARGETS)).rejects.toThrow(ResourceConflict);
  });

  it.each([
    ['CreateRoute', CreateRouteCommand],
    ['AssociateRouteTable', AssociateRouteTableCommand],
  ])('classifies %s failing with a throttle', async (_case, command) => {
    ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: [table('public'), table('private')] });
    ec2.on(command).rejects(awsError('RequestLimitExceeded'));
    await expect(ensureRouteTables(clients, plan, TARGETS)).rejects.toBeInstanceOf(AwsThrottled);
  });

  it('refuses with ResourceConflict when our public table sends 0.0.0.0/0 somewhere else', async () => {
    ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: [table('public', { internet: 'igw-other' }), table('private')] });
    await expect(ensureRouteTables(clients, plan, TARGETS)).rejects.toBeInstanceOf(ResourceConflict);
  });
});

describe('ensureRouteTables with other egress modes', () => {
  /** fin-k8s-dev-private-rt-a → rtb-private-rt-a */
  const idFor = (name: string) => `rtb-${name.replace('fin-k8s-dev-', '')}`;
  beforeEach(() => {
    ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: [] });
    ec2.on(CreateRouteTableCommand).callsFake((input: CreateRouteTableCommandInput) => {
      const name = input.TagSpecifications?.[0].Tags?.find((t) => t.Key === 'Name')?.Value as string;
      return { RouteTable: { RouteTableId: idFor(name), VpcId: VPC_ID, Routes: [LOCAL] } };
    });
  });

  it('gives each zone its own private table for "nat-per-az", named after the zone and associated with that zone only', async () => {
    const perZone = seoulPlan({ egress: 'nat-per-az' });
    const targets = {
      ...TARGETS,
      publicSubnetIds: { 'ap-northeast-2a': 'subnet-pub-a', 'ap-northeast-2b': 'subnet-pub-b', 'ap-northeast-2c': 'subnet-pub-c' },
    };
    await expect(ensureRouteTables(clients, perZone, targets)).resolves.toEqual({
      publicRouteTableId: 'rtb-public-rt',
      privateRouteTableIds: {
        'ap-northeast-2a': 'rtb-private-rt-a',
        'ap-northeast-2b': 'rtb-private-rt-b',
        'ap-northeast-2c': 'rtb-private-rt-c',
      },
    });
    const created = ec2.commandCalls(CreateRouteTableCommand).map((c) => c.args[0].input);
    expect(created.map((i) => i.TagSpecifications?.[0].Tags?.find((t) => t.Key === 'Name')?.Value)).toEqual([
      'fin-k8s-dev-public-rt',
      'fin-k8s-dev-private-rt-a',
      'fin-k8s-dev-private-rt-b',
      'fin-k8s-dev-private-rt-c',
    ]);
    expect(new Set(created.map((i) => i.ClientToken)).size).toBe(4);
    expect(sentAssociations()).toEqual([
      { RouteTableId: 'rtb-public-rt', SubnetId: 'subnet-pub-a' },
      { RouteTableId: 'rtb-public-rt', SubnetId: 'subnet-pub-b' },
      { RouteTableId: 'rtb-public-rt', SubnetId: 'subnet-pub-c' },
      { RouteTableId: 'rtb-private-rt-a', SubnetId: 'subnet-a' },
      { RouteTableId: 'rtb-private-rt-b', SubnetId: 'subnet-b' },
      { RouteTableId: 'rtb-private-rt-c', SubnetId: 'subnet-c' },
    ]);
    // Only the public table reaches the Internet Gateway; the NAT routes come with ConnectNetwork.
    expect(sentRoutes()).toEqual([{ ...INTERNET_ROUTE, RouteTableId: 'rtb-public-rt' }]);
  });

  it('makes one private table and no public one, with no route at all, for a closed network without a bastion', async () => {
    const bastionless = seoulPlan({ bastion: { enabled: false }, endpoints: ['ssm', 'ssmmessages', 'ec2messages'] });
    const result = await ensureRouteTables(clients, bastionless, { vpcId: VPC_ID, privateSubnetIds: PRIVATE, publicSubnetIds: {} });
    expect(result).toEqual({
      privateRouteTableIds: {
        'ap-northeast-2a': 'rtb-private-rt',
        'ap-northeast-2b': 'rtb-private-rt',
        'ap-northeast-2c': 'rtb-private-rt',
      },
    });
    expect(ec2.commandCalls(CreateRouteTableCommand)).toHaveLength(1);
    expect(sentRoutes()).toEqual([]);
  });

  it('tells the per-zone tables apart by their Name: finding zone a’s table still makes b’s and c’s', async () => {
    const perZone = seoulPlan({ egress: 'nat-per-az' });
    const zoneA = perZone.routeTables.private[0];
    ec2.on(DescribeRouteTablesCommand).resolves({
      RouteTables: [{ RouteTableId: 'rtb-found-a', VpcId: VPC_ID, Routes: [LOCAL], Associations: [], Tags: toTagList(zoneA.tags) }],
    });
    const result = await ensureRouteTables(clients, perZone, { ...TARGETS, publicSubnetIds: { 'ap-northeast-2a': 'subnet-pub-a' } });
    expect(result.privateRouteTableIds).toEqual({
      'ap-northeast-2a': 'rtb-found-a',
      'ap-northeast-2b': 'rtb-private-rt-b',
      'ap-northeast-2c': 'rtb-private-rt-c',
    });
    expect(ec2.commandCalls(CreateRouteTableCommand)).toHaveLength(3);
  });
});

describe('deleteRouteTables', () => {
  it.each([
    { state: 'associated', tables: complete(), disassociations: 4, deleted: ['rtb-public', 'rtb-private'] },
    { state: 'not associated', tables: [table('public'), table('private')], disassociations: 0, deleted: ['rtb-public', 'rtb-private'] },
    { state: 'absent', tables: [], disassociations: 0, deleted: [] },
  ])('disassociates, then deletes, when the tables are $state', async ({ tables, disassociations, deleted }) => {
    ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: tables });
    await expect(deleteRouteTables(clients, BUILD_ID)).resolves.toEqual(deleted);
    expect(ec2.commandCalls(DisassociateRouteTableCommand)).toHaveLength(disassociations);
    expect(ec2.commandCalls(DeleteRouteTableCommand).map((c) => c.args[0].input.RouteTableId)).toEqual(deleted);
  });

  it('never touches the main association or route tables that are not ours', async () => {
    const main = { RouteTableAssociationId: 'rtbassoc-main', Main: true };
    const foreign = { RouteTableId: 'rtb-main', VpcId: VPC_ID, Tags: [{ Key: 'k8s-ec2:build-id', Value: BUILD_ID }] };
    ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: [{ ...table('public'), Associations: [main] }, foreign] });
    await expect(deleteRouteTables(clients, BUILD_ID)).resolves.toEqual(['rtb-public']);
    expect(ec2.commandCalls(DisassociateRouteTableCommand)).toHaveLength(0);
  });

  it.each([
    ['InvalidAssociationID.NotFound', DisassociateRouteTableCommand],
    ['InvalidRouteTableID.NotFound', DeleteRouteTableCommand],
  ])('treats %s as already gone', async (code, command) => {
    ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: [table('public', { subnets: ['subnet-pub'] })] });
    ec2.on(command as typeof DeleteRouteTableCommand).rejects(awsError(code));
    await expect(deleteRouteTables(clients, BUILD_ID)).resolves.toEqual(['rtb-public']);
  });

  it.each([
    ['DependencyViolation', ResourceNotReady],
    ['UnauthorizedOperation', PermissionDenied],
  ])('classifies DeleteRouteTable failing with %s', async (code, expected) => {
    ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: [table('public')] });
    ec2.on(DeleteRouteTableCommand).rejects(awsError(code));
    await expect(deleteRouteTables(clients, BUILD_ID)).rejects.toBeInstanceOf(expected);
  });

  it('deletes the tables the state carries (created moments ago, not visible by tag yet)', async () => {
    ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: [] });
    await expect(deleteRouteTables(clients, BUILD_ID, ['rtb-public', undefined, 'rtb-private'])).resolves.toEqual([
      'rtb-public',
      'rtb-private',
    ]);
    await expect(deleteRouteTables(clients, BUILD_ID)).resolves.toEqual([]);
  });
});
