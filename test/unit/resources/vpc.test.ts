import { CreateVpcCommand, DeleteVpcCommand, DescribeVpcsCommand, ModifyVpcAttributeCommand, type Vpc } from '@aws-sdk/client-ec2';
import {
  AwsThrottled,
  NotYetVisible,
  PermissionDenied,
  QuotaExceeded,
  ResourceConflict,
  ResourceNotReady,
} from '../../../functions/core/errors';
import { ownedFilters, toTagList } from '../../../functions/core/tags';
import { deleteVpc, ensureVpc, ownedVpcIds } from '../../../functions/resources/vpc';
import { awsError, mockAws, ownedTagSpecifications } from '../../fixtures/aws';
import { BUILD_ID, seoulPlan } from '../../fixtures/build';

const { ec2, clients } = mockAws();
const plan = seoulPlan();
const VPC_ID = 'vpc-0123456789abcdef0';
const ours: Vpc = { VpcId: VPC_ID, CidrBlock: '10.0.0.0/16', State: 'available', Tags: toTagList(plan.vpc.tags) };

beforeEach(() => {
  ec2.on(ModifyVpcAttributeCommand).resolves({});
  ec2.on(CreateVpcCommand).resolves({ Vpc: { VpcId: VPC_ID, CidrBlock: '10.0.0.0/16', State: 'pending' } });
  ec2.on(DeleteVpcCommand).resolves({});
});

describe('ensureVpc', () => {
  it.each([
    { state: 'found by its tags', vpcs: [ours], creates: 0 },
    { state: 'absent', vpcs: [], creates: 1 },
  ])(
    'makes $creates CreateVpc call(s) and returns the id, saying whether it created it, when the VPC is $state',
    async ({ vpcs, creates }) => {
      ec2.on(DescribeVpcsCommand).resolves({ Vpcs: vpcs });
      await expect(ensureVpc(clients, plan)).resolves.toEqual({ id: VPC_ID, created: creates === 1 });
      expect(ec2.commandCalls(CreateVpcCommand)).toHaveLength(creates);
      expect(ec2.commandCalls(DescribeVpcsCommand)[0].args[0].input).toEqual({ Filters: ownedFilters(BUILD_ID, 'vpc') });
    },
  );

  it('creates the VPC with the planned CIDR, tagged on create as ours', async () => {
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
    await ensureVpc(clients, plan);
    const input = ec2.commandCalls(CreateVpcCommand)[0].args[0].input;
    expect(input.CidrBlock).toBe('10.0.0.0/16');
    expect(input.TagSpecifications).toEqual(
      ownedTagSpecifications('vpc', 'fin-k8s-dev-vpc', 'vpc', {
        'k8s-ec2:cluster': 'fin-k8s-dev',
        'kubernetes.io/cluster/fin-k8s-dev': 'owned',
        team: 'platform',
      }),
    );
  });

  it.each([
    ['found by its tags', [ours], undefined],
    ['found by the id carried in state', [], VPC_ID],
  ])('turns DNS support on, then DNS hostnames, one attribute per call, when %s', async (_case, vpcs, knownId) => {
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: vpcs });
    ec2.on(DescribeVpcsCommand, { VpcIds: [VPC_ID] }).resolves({ Vpcs: [ours] });
    await ensureVpc(clients, plan, knownId);
    expect(ec2.commandCalls(ModifyVpcAttributeCommand).map((c) => c.args[0].input)).toEqual([
      { VpcId: VPC_ID, EnableDnsSupport: { Value: true } },
      { VpcId: VPC_ID, EnableDnsHostnames: { Value: true } },
    ]);
  });

  it('returns a VPC it has just created at once, before any other call: the next run turns DNS on', async () => {
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
    await expect(ensureVpc(clients, plan)).resolves.toEqual({ id: VPC_ID, created: true });
    expect(ec2.calls().at(-1)?.args[0]).toBeInstanceOf(CreateVpcCommand);
    expect(ec2.commandCalls(ModifyVpcAttributeCommand)).toHaveLength(0);
  });

  it.each([
    ['RequestLimitExceeded', AwsThrottled],
    ['UnauthorizedOperation', PermissionDenied],
  ])('classifies a DescribeVpcs failing with %s and creates nothing', async (code, expected) => {
    ec2.on(DescribeVpcsCommand).rejects(awsError(code));
    await expect(ensureVpc(clients, plan)).rejects.toBeInstanceOf(expected);
    expect(ec2.commandCalls(CreateVpcCommand)).toHaveLength(0);
  });

  it('classifies a CreateVpc over the VPC quota as QuotaExceeded', async () => {
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
    ec2.on(CreateVpcCommand).rejects(awsError('VpcLimitExceeded'));
    await expect(ensureVpc(clients, plan)).rejects.toBeInstanceOf(QuotaExceeded);
  });

  it('never creates a second VPC when a repeat, handed the created id by the state, finds nothing because Describe is not consistent yet', async () => {
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
    const { id } = await ensureVpc(clients, plan);
    await expect(ensureVpc(clients, plan, id)).rejects.toBeInstanceOf(NotYetVisible);
    expect(ec2.commandCalls(CreateVpcCommand)).toHaveLength(1);
    expect(ec2.commandCalls(DescribeVpcsCommand).at(-1)?.args[0].input).toEqual({ VpcIds: [VPC_ID] });
  });

  it('treats InvalidVpcID.NotFound on the carried id as not visible yet', async () => {
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
    ec2.on(DescribeVpcsCommand, { VpcIds: [VPC_ID] }).rejects(awsError('InvalidVpcID.NotFound'));
    await expect(ensureVpc(clients, plan, VPC_ID)).rejects.toBeInstanceOf(NotYetVisible);
    expect(ec2.commandCalls(CreateVpcCommand)).toHaveLength(0);
  });

  it.each([
    { found: 'none', vpcs: [], outcome: { id: VPC_ID, created: true } },
    { found: 'one', vpcs: [ours], outcome: { id: VPC_ID, created: false } },
  ])('uses the one VPC its tags find (or creates one when they find $found)', async ({ vpcs, outcome }) => {
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: vpcs });
    await expect(ensureVpc(clients, plan)).resolves.toEqual(outcome);
  });

  it('raises ResourceConflict naming both when its tags find two VPCs, and creates or changes nothing', async () => {
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [ours, { ...ours, VpcId: 'vpc-0second000000000' }] });
    const error = await ensureVpc(clients, plan).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceConflict);
    expect((error as Error).message).toContain(`${VPC_ID}, vpc-0second000000000`);
    expect(ec2.commandCalls(CreateVpcCommand)).toHaveLength(0);
    expect(ec2.commandCalls(ModifyVpcAttributeCommand)).toHaveLength(0);
  });

  it('uses the VPC id carried in state when the tag lookup is not consistent yet', async () => {
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
    ec2.on(DescribeVpcsCommand, { VpcIds: [VPC_ID] }).resolves({ Vpcs: [ours] });
    await expect(ensureVpc(clients, plan, VPC_ID)).resolves.toEqual({ id: VPC_ID, created: false });
    expect(ec2.commandCalls(CreateVpcCommand)).toHaveLength(0);
  });

  it.each([
    ['a carried id belongs to another build', [], { ...ours, Tags: [{ Key: 'k8s-ec2:build-id', Value: 'someone-else' }] }],
    ['our VPC has another CIDR than the spec', [{ ...ours, CidrBlock: '10.1.0.0/16' }], ours],
  ])('refuses with ResourceConflict when %s', async (_case, byTag, byId) => {
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: byTag });
    ec2.on(DescribeVpcsCommand, { VpcIds: [VPC_ID] }).resolves({ Vpcs: [byId] });
    await expect(ensureVpc(clients, plan, VPC_ID)).rejects.toBeInstanceOf(ResourceConflict);
    expect(ec2.commandCalls(CreateVpcCommand)).toHaveLength(0);
    expect(ec2.commandCalls(ModifyVpcAttributeCommand)).toHaveLength(0);
  });
});

describe('deleteVpc', () => {
  it.each([
    ['present', [ours], [VPC_ID]],
    ['absent', [], []],
  ])('deletes only what is tagged as ours when the VPC is %s', async (_case, vpcs, deleted) => {
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: vpcs });
    await expect(deleteVpc(clients, BUILD_ID)).resolves.toEqual(deleted);
    expect(ec2.commandCalls(DeleteVpcCommand).map((c) => c.args[0].input)).toEqual(deleted.map((VpcId) => ({ VpcId })));
  });

  it('treats InvalidVpcID.NotFound on delete as already gone', async () => {
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [ours] });
    ec2.on(DeleteVpcCommand).rejects(awsError('InvalidVpcID.NotFound'));
    await expect(deleteVpc(clients, BUILD_ID)).resolves.toEqual([VPC_ID]);
  });

  it.each([
    ['DependencyViolation', ResourceNotReady],
    ['RequestLimitExceeded', AwsThrottled],
    ['UnauthorizedOperation', PermissionDenied],
  ])('classifies DeleteVpc failing with %s', async (code, expected) => {
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [ours] });
    ec2.on(DeleteVpcCommand).rejects(awsError(code));
    await expect(deleteVpc(clients, BUILD_ID)).rejects.toBeInstanceOf(expected);
  });

  it('classifies a throttled DescribeVpcs and deletes nothing', async () => {
    ec2.on(DescribeVpcsCommand).rejects(awsError('RequestLimitExceeded'));
    await expect(deleteVpc(clients, BUILD_ID)).rejects.toBeInstanceOf(AwsThrottled);
    expect(ec2.commandCalls(DeleteVpcCommand)).toHaveLength(0);
  });

  it('deletes the VPC the state carries (created moments ago, not visible by tag yet), and every duplicate', async () => {
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
    await expect(ownedVpcIds(clients, BUILD_ID, VPC_ID)).resolves.toEqual([VPC_ID]);
    await expect(deleteVpc(clients, BUILD_ID, VPC_ID)).resolves.toEqual([VPC_ID]);
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [ours, { ...ours, VpcId: 'vpc-2' }] });
    await expect(deleteVpc(clients, BUILD_ID, VPC_ID)).resolves.toEqual([VPC_ID, 'vpc-2']);
  });
});
