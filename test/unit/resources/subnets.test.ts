import {
  CreateSubnetCommand,
  DeleteSubnetCommand,
  DescribeSubnetsCommand,
  type DescribeSubnetsCommandInput,
  type CreateSubnetCommandInput,
  type Subnet,
} from '@aws-sdk/client-ec2';
import {
  AwsThrottled,
  InvalidSpec,
  NotYetVisible,
  PermissionDenied,
  ResourceConflict,
  ResourceNotReady,
} from '../../../functions/core/errors';
import { ownedFilters, toTagList } from '../../../functions/core/tags';
import { deleteSubnets, ensureSubnets } from '../../../functions/resources/subnets';
import { awsError, mockAws, ownedTagSpecifications } from '../../fixtures/aws';
import { BUILD_ID, seoulPlan } from '../../fixtures/build';

const { ec2, clients } = mockAws();
const plan = seoulPlan();
const VPC_ID = 'vpc-0123456789abcdef0';
/** The subnet id the fake CreateSubnet gives a CIDR: `subnet-10.0.32.0`. */
const idFor = (cidr: string) => `subnet-${cidr.split('/')[0]}`;
const [publicPlanned] = plan.publicSubnets;
const planned = [...plan.privateSubnets, ...plan.publicSubnets];
const existing = (p: (typeof planned)[number]): Subnet => ({
  SubnetId: idFor(p.cidr),
  VpcId: VPC_ID,
  CidrBlock: p.cidr,
  AvailabilityZone: p.az,
  Tags: toTagList(p.tags),
});
const EXPECTED = {
  privateSubnetIds: { 'ap-northeast-2a': 'subnet-10.0.0.0', 'ap-northeast-2b': 'subnet-10.0.32.0', 'ap-northeast-2c': 'subnet-10.0.64.0' },
  publicSubnetIds: { 'ap-northeast-2a': 'subnet-10.0.224.0' },
};

beforeEach(() => {
  ec2.on(CreateSubnetCommand).callsFake((input: CreateSubnetCommandInput) => ({
    Subnet: { SubnetId: idFor(input.CidrBlock as string), VpcId: input.VpcId, CidrBlock: input.CidrBlock },
  }));
  ec2.on(DeleteSubnetCommand).resolves({});
});

describe('ensureSubnets', () => {
  it.each([
    { state: 'all found by their tags', subnets: planned.map(existing), creates: [] as string[] },
    { state: 'all absent', subnets: [], creates: planned.map((p) => p.cidr) },
    { state: 'partly there (the public one is missing)', subnets: plan.privateSubnets.map(existing), creates: [publicPlanned.cidr] },
  ])('creates only what is missing when the subnets are $state, and says whether it created them all', async ({ subnets, creates }) => {
    ec2.on(DescribeSubnetsCommand).resolves({ Subnets: subnets });
    await expect(ensureSubnets(clients, plan, VPC_ID)).resolves.toEqual({ ids: EXPECTED, allCreated: creates.length === planned.length });
    expect(ec2.commandCalls(CreateSubnetCommand).map((c) => c.args[0].input.CidrBlock)).toEqual(creates);
    expect(ec2.commandCalls(DescribeSubnetsCommand)[0].args[0].input).toEqual({ Filters: ownedFilters(BUILD_ID) });
  });

  it.each(planned.map((p) => [p.name, p]))('creates %s in its zone with its CIDR, tagged on create', async (_name, subnet) => {
    ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [] });
    await ensureSubnets(clients, plan, VPC_ID);
    const input = ec2.commandCalls(CreateSubnetCommand).find((c) => c.args[0].input.CidrBlock === subnet.cidr)?.args[0].input;
    expect(input).toMatchObject({ VpcId: VPC_ID, AvailabilityZone: subnet.az, CidrBlock: subnet.cidr });
    const elbRole = subnet === publicPlanned ? 'kubernetes.io/role/elb' : 'kubernetes.io/role/internal-elb';
    const role = subnet === publicPlanned ? 'public-subnet' : 'private-subnet';
    expect(input?.TagSpecifications).toEqual(
      ownedTagSpecifications('subnet', subnet.name, role, { 'kubernetes.io/cluster/fin-k8s-dev': 'owned', [elbRole]: '1' }),
    );
  });

  it('places the private subnets in zones a, b, c and the public one in zone a', async () => {
    ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [] });
    await ensureSubnets(clients, plan, VPC_ID);
    expect(ec2.commandCalls(CreateSubnetCommand).map((c) => c.args[0].input.AvailabilityZone)).toEqual([
      'ap-northeast-2a',
      'ap-northeast-2b',
      'ap-northeast-2c',
      'ap-northeast-2a',
    ]);
  });

  it.each([
    ['RequestLimitExceeded', AwsThrottled],
    ['UnauthorizedOperation', PermissionDenied],
  ])('classifies DescribeSubnets failing with %s and creates nothing', async (code, expected) => {
    ec2.on(DescribeSubnetsCommand).rejects(awsError(code));
    await expect(ensureSubnets(clients, plan, VPC_ID)).rejects.toBeInstanceOf(expected);
    expect(ec2.commandCalls(CreateSubnetCommand)).toHaveLength(0);
  });

  it('never makes a second subnet when a repeat (nothing in memory, nothing in the state) finds nothing because Describe is not consistent yet', async () => {
    ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [] });
    await ensureSubnets(clients, plan, VPC_ID);
    // What AWS answers for a CIDR that is taken in the VPC: the repeat's creates make nothing.
    ec2.on(CreateSubnetCommand).rejects(awsError('InvalidSubnet.Conflict'));
    await expect(ensureSubnets(clients, plan, VPC_ID)).rejects.toBeInstanceOf(NotYetVisible);
  });

  it('uses the subnet ids carried in state', async () => {
    ec2.on(DescribeSubnetsCommand).callsFake((input: DescribeSubnetsCommandInput) => ({
      Subnets: (input.SubnetIds ?? []).map((id: string) => existing(planned.find((p) => idFor(p.cidr) === id)!)),
    }));
    await expect(ensureSubnets(clients, plan, VPC_ID, EXPECTED)).resolves.toEqual({ ids: EXPECTED, allCreated: false });
    expect(ec2.commandCalls(CreateSubnetCommand)).toHaveLength(0);
  });

  describe('when CreateSubnet answers InvalidSubnet.Conflict', () => {
    const publicSubnet = existing(publicPlanned);
    beforeEach(() => {
      ec2.on(CreateSubnetCommand, { CidrBlock: publicPlanned.cidr }).rejects(awsError('InvalidSubnet.Conflict'));
    });

    it.each([
      { state: 'ours (not yet visible by tag)', match: [publicSubnet], outcome: 'resolves' },
      { state: 'not visible at all yet', match: [], outcome: NotYetVisible },
      { state: "someone else's", match: [{ ...publicSubnet, Tags: [{ Key: 'Name', Value: 'hand-made' }] }], outcome: ResourceConflict },
    ])('looks the CIDR up again and the subnet is $state', async ({ match, outcome }) => {
      ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [] });
      ec2
        .on(DescribeSubnetsCommand, {
          Filters: [
            { Name: 'vpc-id', Values: [VPC_ID] },
            { Name: 'cidr-block', Values: [publicPlanned.cidr] },
          ],
        })
        .resolves({ Subnets: match });
      const result = ensureSubnets(clients, plan, VPC_ID);
      // Ours after all: an earlier attempt got this far, so the caller must look for what came after the subnets.
      if (outcome === 'resolves') await expect(result).resolves.toEqual({ ids: EXPECTED, allCreated: false });
      else await expect(result).rejects.toBeInstanceOf(outcome);
      expect(ec2.commandCalls(CreateSubnetCommand, { CidrBlock: publicPlanned.cidr })).toHaveLength(1);
    });
  });

  it('carves a public subnet per zone from the last slot down for "nat-per-az"', async () => {
    ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [] });
    const perZone = seoulPlan({ egress: 'nat-per-az' });
    await expect(ensureSubnets(clients, perZone, VPC_ID)).resolves.toMatchObject({
      ids: {
        privateSubnetIds: EXPECTED.privateSubnetIds,
        publicSubnetIds: {
          'ap-northeast-2a': 'subnet-10.0.224.0',
          'ap-northeast-2b': 'subnet-10.0.192.0',
          'ap-northeast-2c': 'subnet-10.0.160.0',
        },
      },
    });
    expect(ec2.commandCalls(CreateSubnetCommand).map((c) => [c.args[0].input.AvailabilityZone, c.args[0].input.CidrBlock])).toEqual([
      ['ap-northeast-2a', '10.0.0.0/19'],
      ['ap-northeast-2b', '10.0.32.0/19'],
      ['ap-northeast-2c', '10.0.64.0/19'],
      ['ap-northeast-2a', '10.0.224.0/19'],
      ['ap-northeast-2b', '10.0.192.0/19'],
      ['ap-northeast-2c', '10.0.160.0/19'],
    ]);
  });

  it('makes no public subnet for a closed network without a bastion', async () => {
    ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [] });
    const bastionless = seoulPlan({ bastion: { enabled: false }, endpoints: ['ssm', 'ssmmessages', 'ec2messages'] });
    await expect(ensureSubnets(clients, bastionless, VPC_ID)).resolves.toEqual({
      ids: { privateSubnetIds: EXPECTED.privateSubnetIds, publicSubnetIds: {} },
      allCreated: true,
    });
    expect(ec2.commandCalls(CreateSubnetCommand)).toHaveLength(3);
  });

  it('classifies another CreateSubnet failure (a CIDR outside the VPC) as InvalidSpec', async () => {
    ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [] });
    ec2.on(CreateSubnetCommand).rejects(awsError('InvalidSubnet.Range'));
    await expect(ensureSubnets(clients, plan, VPC_ID)).rejects.toBeInstanceOf(InvalidSpec);
  });
});

describe('deleteSubnets', () => {
  it.each([
    { state: 'present', subnets: planned.map(existing), deleted: planned.map((p) => idFor(p.cidr)) },
    { state: 'absent', subnets: [], deleted: [] },
  ])('deletes what is tagged as ours when the subnets are $state', async ({ subnets, deleted }) => {
    ec2.on(DescribeSubnetsCommand).resolves({ Subnets: subnets });
    await expect(deleteSubnets(clients, BUILD_ID)).resolves.toEqual(deleted);
    expect(ec2.commandCalls(DeleteSubnetCommand).map((c) => c.args[0].input.SubnetId)).toEqual(deleted);
  });

  it('treats InvalidSubnetID.NotFound on delete as already gone', async () => {
    ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [existing(publicPlanned)] });
    ec2.on(DeleteSubnetCommand).rejects(awsError('InvalidSubnetID.NotFound'));
    await expect(deleteSubnets(clients, BUILD_ID)).resolves.toEqual([idFor(publicPlanned.cidr)]);
  });

  it.each([
    ['DependencyViolation', ResourceNotReady],
    ['RequestLimitExceeded', AwsThrottled],
  ])('classifies DeleteSubnet failing with %s', async (code, expected) => {
    ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [existing(publicPlanned)] });
    ec2.on(DeleteSubnetCommand).rejects(awsError(code));
    await expect(deleteSubnets(clients, BUILD_ID)).rejects.toBeInstanceOf(expected);
  });

  it('classifies a DescribeSubnets denied as PermissionDenied and deletes nothing', async () => {
    ec2.on(DescribeSubnetsCommand).rejects(awsError('UnauthorizedOperation'));
    await expect(deleteSubnets(clients, BUILD_ID)).rejects.toBeInstanceOf(PermissionDenied);
    expect(ec2.commandCalls(DeleteSubnetCommand)).toHaveLength(0);
  });

  it('deletes the subnets the state carries (created moments ago, not visible by tag yet)', async () => {
    ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [existing(publicPlanned)] });
    const carried = planned.map((p) => idFor(p.cidr));
    await expect(deleteSubnets(clients, BUILD_ID, carried)).resolves.toEqual([idFor(publicPlanned.cidr), ...carried.slice(0, -1)]);
    expect(ec2.commandCalls(DeleteSubnetCommand)).toHaveLength(planned.length);
  });
});
