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

  it('turns DNS hostnames on with one call when it finds the VPC by its tags (DNS support is on by default)', async () => {
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [ours] });
    await ensureVpc(clients, plan);
    expect(ec2.commandCalls(ModifyVpcAttributeCommand).map((c) => c.args[0].input)).toEqual([
      { VpcId: VPC_ID, EnableDnsHostnames: { Value: true } },
    ]);
  });

  it('uses the id carried in state without a Describe, and turns DNS hostnames on unless an earlier run did', async () => {
    await expect(ensureVpc(clients, plan, VPC_ID)).resolves.toEqual({ id: VPC_ID, created: false });
    expect(ec2.commandCalls(DescribeVpcsCommand)).toHaveLength(0);
    expect(ec2.commandCalls(CreateVpcCommand)).toHaveLength(0);
    expect(ec2.commandCalls(ModifyVpcAttributeCommand).map((c) => c.args[0].input)).toEqual([
      { VpcId: VPC_ID, EnableDnsHostnames: { Value: true } },
    ]);
    ec2.resetHistory();
    await expect(ensureVpc(clients, plan, VPC_ID, true)).resolves.toEqual({ id: VPC_ID, created: false });
    expect(ec2.calls()).toHaveLength(0);
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

  it('never creates a second VPC when a repeat, handed the created id by the state, would find nothing by tag yet', async () => {
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
    const { id } = await ensureVpc(clients, plan);
    await expect(ensureVpc(clients, plan, id)).resolves.toEqual({ id, created: false });
    expect(ec2.commandCalls(CreateVpcCommand)).toHaveLength(1);
    expect(ec2.commandCalls(DescribeVpcsCommand)).toHaveLength(1);
  });

  it('waits (NotYetVisible) when EC2 does not know the carried id yet, and creates nothing', async () => {
    ec2.on(ModifyVpcAttributeCommand).rejects(awsError('InvalidVpcID.NotFound'));
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

  it('refuses with ResourceConflict when the VPC its tags find has another CIDR than the spec, and changes nothing', async () => {
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ ...ours, CidrBlock: '10.1.0.0/16' }] });
    await expect(ensureVpc(clients, plan)).rejects.toBeInstanceOf(ResourceConflict);
    expect(ec2.commandCalls(CreateVpcCommand)).toHaveLength(0);
    expect(ec2.commandCalls(ModifyVpcAttributeCommand)).toHaveLength(0);
  });
});

describe('ownedVpcIds', () => {
  it.each([
    ['present', [ours], undefined, [VPC_ID]],
    ['absent', [], undefined, []],
    ['carried in state but not visible by tag yet (created moments ago)', [], VPC_ID, [VPC_ID]],
    ['duplicated, and one of them carried', [ours, { ...ours, VpcId: 'vpc-2' }], VPC_ID, [VPC_ID, 'vpc-2']],
  ])('lists what is tagged as ours, and the carried id, each once, when the VPC is %s', async (_case, vpcs, carried, ids) => {
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: vpcs });
    await expect(ownedVpcIds(clients, BUILD_ID, carried)).resolves.toEqual(ids);
    expect(ec2.commandCalls(DescribeVpcsCommand)).toHaveLength(1);
  });

  it('leaves out a VPC whose tags name another build', async () => {
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ ...ours, Tags: [{ Key: 'k8s-ec2:build-id', Value: 'another-build' }] }] });
    await expect(ownedVpcIds(clients, BUILD_ID)).resolves.toEqual([]);
  });

  it('classifies a throttled DescribeVpcs', async () => {
    ec2.on(DescribeVpcsCommand).rejects(awsError('RequestLimitExceeded'));
    await expect(ownedVpcIds(clients, BUILD_ID)).rejects.toBeInstanceOf(AwsThrottled);
  });
});

describe('deleteVpc', () => {
  it('deletes the VPCs it is given (deleteNetwork found them), asking nothing else', async () => {
    await expect(deleteVpc(clients, [VPC_ID, 'vpc-2'])).resolves.toEqual([VPC_ID, 'vpc-2']);
    expect(ec2.commandCalls(DeleteVpcCommand).map((c) => c.args[0].input)).toEqual([{ VpcId: VPC_ID }, { VpcId: 'vpc-2' }]);
    expect(ec2.commandCalls(DescribeVpcsCommand)).toHaveLength(0);
  });

  it('treats InvalidVpcID.NotFound on delete as already gone', async () => {
    ec2.on(DeleteVpcCommand).rejects(awsError('InvalidVpcID.NotFound'));
    await expect(deleteVpc(clients, [VPC_ID])).resolves.toEqual([VPC_ID]);
  });

  it.each([
    ['DependencyViolation', ResourceNotReady],
    ['RequestLimitExceeded', AwsThrottled],
    ['UnauthorizedOperation', PermissionDenied],
  ])('classifies DeleteVpc failing with %s', async (code, expected) => {
    ec2.on(DeleteVpcCommand).rejects(awsError(code));
    await expect(deleteVpc(clients, [VPC_ID])).rejects.toBeInstanceOf(expected);
  });
});
