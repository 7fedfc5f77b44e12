import {
  AllocateAddressCommand,
  CreateNatGatewayCommand,
  DeleteNatGatewayCommand,
  DescribeAddressesCommand,
  DescribeNatGatewaysCommand,
  ReleaseAddressCommand,
  type Address,
  type NatGateway,
  type NatGatewayState,
} from '@aws-sdk/client-ec2';
import {
  AwsThrottled,
  InsufficientCapacity,
  NotYetVisible,
  PermissionDenied,
  ResourceConflict,
  ResourceNotReady,
} from '../../../functions/core/errors';
import { ownedFilters, TAG, toTagList } from '../../../functions/core/tags';
import { deleteNatGateways, ensureNatAddress, ensureNatGateway, natGatewayStates } from '../../../functions/resources/nat-gateways';
import { awsError, mockAws, ownedTagSpecifications } from '../../fixtures/aws';
import { BUILD_ID, closedNetworkPlan } from '../../fixtures/build';

const { ec2, clients } = mockAws();
const plan = closedNetworkPlan();
const [natA, natB] = plan.natGateways;
const SUBNET = 'subnet-public-a';

const address = (extra: Partial<Address> = {}): Address => ({
  AllocationId: 'eipalloc-a',
  PublicIp: '198.51.100.7',
  Domain: 'vpc',
  Tags: toTagList(natA.addressTags),
  ...extra,
});
const gateway = (state: NatGatewayState, extra: Partial<NatGateway> = {}): NatGateway => ({
  NatGatewayId: 'nat-a',
  State: state,
  SubnetId: SUBNET,
  Tags: toTagList(natA.tags),
  ...extra,
});

beforeEach(() => {
  ec2.on(AllocateAddressCommand).resolves({ AllocationId: 'eipalloc-a', PublicIp: '198.51.100.7' });
  ec2.on(CreateNatGatewayCommand).resolves({ NatGateway: { NatGatewayId: 'nat-a', State: 'pending' } });
  ec2.on(DeleteNatGatewayCommand).resolves({ NatGatewayId: 'nat-a' });
  ec2.on(ReleaseAddressCommand).resolves({});
});

describe('ensureNatAddress', () => {
  it.each([
    { state: 'found by tag', addresses: [address()], outcome: { id: 'eipalloc-a', created: false }, allocates: 0 },
    { state: 'absent (allocated, returned at once)', addresses: [], outcome: { id: 'eipalloc-a', created: true }, allocates: 1 },
  ])('returns $outcome when the address is $state', async ({ addresses, outcome, allocates }) => {
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: addresses });
    await expect(ensureNatAddress(clients, plan, natA)).resolves.toEqual(outcome);
    expect(ec2.commandCalls(AllocateAddressCommand)).toHaveLength(allocates);
  });

  it('looks for its own zone’s address by role and Name', async () => {
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
    await ensureNatAddress(clients, plan, natB);
    expect(ec2.commandCalls(DescribeAddressesCommand)[0].args[0].input.Filters).toEqual([
      ...ownedFilters(BUILD_ID, 'nat-eip'),
      { Name: `tag:${TAG.name}`, Values: ['fin-k8s-dev-nat-b-eip'] },
    ]);
  });

  it('allocates a VPC address tagged on create, through the client that never resends', async () => {
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
    await ensureNatAddress(clients, plan, natA);
    const [allocate] = ec2.commandCalls(AllocateAddressCommand);
    expect(allocate.args[0].input).toEqual({
      Domain: 'vpc',
      TagSpecifications: ownedTagSpecifications('elastic-ip', 'fin-k8s-dev-nat-a-eip', 'nat-eip'),
    });
    expect(allocate.thisValue === clients.ec2Once ? 'ec2Once' : 'ec2').toBe('ec2Once');
  });

  it('allocates no second address when a repeat, handed the first by the state, does not see it by tag yet', async () => {
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
    const first = await ensureNatAddress(clients, plan, natA);
    await expect(ensureNatAddress(clients, plan, natA, first.id)).resolves.toEqual({ id: 'eipalloc-a', created: false });
    expect(ec2.commandCalls(AllocateAddressCommand)).toHaveLength(1);
  });

  it('uses the allocation id the state carries without a Describe: it came from this build’s AllocateAddress', async () => {
    await expect(ensureNatAddress(clients, plan, natA, 'eipalloc-a')).resolves.toEqual({ id: 'eipalloc-a', created: false });
    expect(ec2.calls()).toHaveLength(0);
  });

  it('raises ResourceConflict naming both when its tags find two addresses for the zone', async () => {
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [address(), address({ AllocationId: 'eipalloc-a2' })] });
    await expect(ensureNatAddress(clients, plan, natA)).rejects.toThrow(/eipalloc-a, eipalloc-a2/);
    expect(ec2.commandCalls(AllocateAddressCommand)).toHaveLength(0);
  });
});

describe('ensureNatGateway', () => {
  it.each([
    { state: 'pending', creates: 0 },
    { state: 'available', creates: 0 },
    { state: 'deleting', creates: 1 },
    { state: 'deleted', creates: 1 },
    { state: 'failed', creates: 1 },
  ] as const)('makes $creates create call(s) when its tags find the gateway $state', async ({ state, creates }) => {
    ec2.on(DescribeNatGatewaysCommand).resolves({ NatGateways: [gateway(state)] });
    await expect(ensureNatGateway(clients, plan, natA, SUBNET, 'eipalloc-a')).resolves.toBe('nat-a');
    expect(ec2.commandCalls(CreateNatGatewayCommand)).toHaveLength(creates);
    expect(ec2.commandCalls(DescribeNatGatewaysCommand)[0].args[0].input).toMatchObject({ Filter: ownedFilters(BUILD_ID, 'nat-gateway') });
  });

  it('does not take another zone’s gateway for its own', async () => {
    ec2
      .on(DescribeNatGatewaysCommand)
      .resolves({ NatGateways: [gateway('available', { NatGatewayId: 'nat-b', Tags: toTagList(natB.tags) })] });
    await expect(ensureNatGateway(clients, plan, natA, SUBNET, 'eipalloc-a')).resolves.toBe('nat-a');
    expect(ec2.commandCalls(CreateNatGatewayCommand)).toHaveLength(1);
  });

  it('creates the gateway in the subnet with the address, tagged on create, with a ClientToken stable across calls', async () => {
    ec2.on(DescribeNatGatewaysCommand).resolves({ NatGateways: [] });
    await ensureNatGateway(clients, plan, natA, SUBNET, 'eipalloc-a');
    await ensureNatGateway(clients, plan, natA, SUBNET, 'eipalloc-a');
    await ensureNatGateway(clients, plan, natA, SUBNET, 'eipalloc-other');
    const [first, repeat, otherAddress] = ec2.commandCalls(CreateNatGatewayCommand).map((c) => c.args[0].input);
    expect(first).toEqual({
      SubnetId: SUBNET,
      AllocationId: 'eipalloc-a',
      ClientToken: expect.stringMatching(/^nat-gateway-[0-9a-f]{40}$/) as unknown,
      TagSpecifications: ownedTagSpecifications('natgateway', 'fin-k8s-dev-nat-a', 'nat-gateway'),
    });
    expect(repeat.ClientToken).toBe(first.ClientToken);
    expect(otherAddress.ClientToken).not.toBe(first.ClientToken);
    // A ClientToken makes the SDK's own resend safe: the create goes through the ordinary client.
    expect(ec2.commandCalls(CreateNatGatewayCommand)[0].thisValue === clients.ec2 ? 'ec2' : 'ec2Once').toBe('ec2');
  });

  it('refuses with ResourceConflict when its gateway is in another subnet', async () => {
    ec2.on(DescribeNatGatewaysCommand).resolves({ NatGateways: [gateway('available', { SubnetId: 'subnet-elsewhere' })] });
    await expect(ensureNatGateway(clients, plan, natA, SUBNET, 'eipalloc-a')).rejects.toBeInstanceOf(ResourceConflict);
  });

  it.each([
    ['IdempotentParameterMismatch', ResourceConflict],
    ['RequestLimitExceeded', AwsThrottled],
  ])('classifies CreateNatGateway failing with %s', async (code, expected) => {
    ec2.on(DescribeNatGatewaysCommand).resolves({ NatGateways: [] });
    ec2.on(CreateNatGatewayCommand).rejects(awsError(code));
    await expect(ensureNatGateway(clients, plan, natA, SUBNET, 'eipalloc-a')).rejects.toBeInstanceOf(expected);
  });
});

describe('natGatewayStates', () => {
  it('asks nothing for no gateways', async () => {
    await expect(natGatewayStates(clients, [])).resolves.toEqual({});
    expect(ec2.calls()).toHaveLength(0);
  });

  it('answers each gateway’s state by id', async () => {
    ec2.on(DescribeNatGatewaysCommand).resolves({
      NatGateways: [gateway('available'), gateway('pending', { NatGatewayId: 'nat-b' })],
    });
    await expect(natGatewayStates(clients, ['nat-a', 'nat-b'])).resolves.toEqual({ 'nat-a': 'available', 'nat-b': 'pending' });
    expect(ec2.commandCalls(DescribeNatGatewaysCommand)[0].args[0].input).toMatchObject({ NatGatewayIds: ['nat-a', 'nat-b'] });
  });

  it.each([
    ['InsufficientFreeAddressesInSubnet', 'Subnet has insufficient free addresses to create this NAT gateway', InsufficientCapacity],
    ['Gateway.NotAttached', 'Network vpc-1 has no Internet gateway attached', ResourceConflict],
    ['InternalError', 'Internal error', ResourceConflict],
  ])('throws a terminal error carrying AWS’s reason when the gateway failed with %s', async (FailureCode, FailureMessage, expected) => {
    ec2.on(DescribeNatGatewaysCommand).resolves({ NatGateways: [gateway('failed', { FailureCode, FailureMessage })] });
    const error = await natGatewayStates(clients, ['nat-a']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(expected);
    expect((error as Error).message).toContain(`nat-a (fin-k8s-dev-nat-a) failed (${FailureCode}: ${FailureMessage})`);
  });

  it('reads NatGatewayNotFound for an id it holds as not visible yet', async () => {
    ec2.on(DescribeNatGatewaysCommand).rejects(awsError('NatGatewayNotFound'));
    await expect(natGatewayStates(clients, ['nat-a'])).rejects.toBeInstanceOf(NotYetVisible);
  });
});

describe('deleteNatGateways', () => {
  const arrange = (gateways: NatGateway[], addresses: Address[] = [address()]) => {
    ec2.on(DescribeNatGatewaysCommand).resolves({ NatGateways: gateways });
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: addresses });
  };

  it.each([
    { state: 'pending', deletes: 1 },
    { state: 'available', deletes: 1 },
    { state: 'deleting', deletes: 0 },
  ] as const)('waits for a $state gateway ($deletes delete call) and releases no address meanwhile', async ({ state, deletes }) => {
    arrange([gateway(state)]);
    await expect(deleteNatGateways(clients, BUILD_ID)).resolves.toEqual({ deleted: [], pending: ['nat-a'] });
    expect(ec2.commandCalls(DeleteNatGatewayCommand).map((c) => c.args[0].input)).toEqual(
      Array.from({ length: deletes }, () => ({ NatGatewayId: 'nat-a' })),
    );
    expect(ec2.commandCalls(ReleaseAddressCommand)).toHaveLength(0);
  });

  it.each(['deleted', 'failed'] as const)('releases the addresses once every gateway is gone (the last one %s)', async (state) => {
    arrange([gateway(state)]);
    await expect(deleteNatGateways(clients, BUILD_ID)).resolves.toEqual({ deleted: ['nat-a', 'eipalloc-a'], pending: [] });
    expect(ec2.commandCalls(DeleteNatGatewayCommand)).toHaveLength(0);
    expect(ec2.commandCalls(ReleaseAddressCommand).map((c) => c.args[0].input)).toEqual([{ AllocationId: 'eipalloc-a' }]);
    expect(ec2.commandCalls(DescribeAddressesCommand)[0].args[0].input.Filters).toEqual(ownedFilters(BUILD_ID, 'nat-eip'));
  });

  it('keeps an address AWS has not unmapped yet in pending rather than releasing it', async () => {
    arrange([gateway('deleted')], [address({ AssociationId: 'eipassoc-1', NetworkInterfaceId: 'eni-nat' })]);
    await expect(deleteNatGateways(clients, BUILD_ID)).resolves.toEqual({ deleted: ['nat-a'], pending: ['eipalloc-a'] });
    expect(ec2.commandCalls(ReleaseAddressCommand)).toHaveLength(0);
  });

  it('deletes the gateway and releases the address the state carries before a Describe by tag shows them', async () => {
    arrange([], []);
    ec2.on(DescribeNatGatewaysCommand, { NatGatewayIds: ['nat-a'] }).resolves({ NatGateways: [gateway('available')] });
    await expect(deleteNatGateways(clients, BUILD_ID, { natGatewayIds: ['nat-a'], addressIds: ['eipalloc-a'] })).resolves.toEqual({
      deleted: [],
      pending: ['nat-a'],
    });
    ec2.on(DescribeNatGatewaysCommand, { NatGatewayIds: ['nat-a'] }).resolves({ NatGateways: [gateway('deleted')] });
    ec2.on(DescribeAddressesCommand, { AllocationIds: ['eipalloc-a'] }).resolves({ Addresses: [address()] });
    await expect(deleteNatGateways(clients, BUILD_ID, { natGatewayIds: ['nat-a'], addressIds: ['eipalloc-a'] })).resolves.toEqual({
      deleted: ['nat-a', 'eipalloc-a'],
      pending: [],
    });
  });

  it('treats carried ids that no longer exist as already gone', async () => {
    arrange([], []);
    ec2.on(DescribeNatGatewaysCommand, { NatGatewayIds: ['nat-a'] }).rejects(awsError('NatGatewayNotFound'));
    ec2.on(DeleteNatGatewayCommand).rejects(awsError('NatGatewayNotFound'));
    ec2.on(DescribeAddressesCommand, { AllocationIds: ['eipalloc-a'] }).rejects(awsError('InvalidAllocationID.NotFound'));
    ec2.on(ReleaseAddressCommand).rejects(awsError('InvalidAllocationID.NotFound'));
    await expect(deleteNatGateways(clients, BUILD_ID, { natGatewayIds: ['nat-a'], addressIds: ['eipalloc-a'] })).resolves.toEqual({
      deleted: ['nat-a', 'eipalloc-a'],
      pending: [],
    });
  });

  it.each([
    ['InvalidIPAddress.InUse', ResourceNotReady],
    ['UnauthorizedOperation', PermissionDenied],
  ])('classifies a release refused with %s', async (code, expected) => {
    arrange([gateway('deleted')]);
    ec2.on(ReleaseAddressCommand).rejects(awsError(code));
    await expect(deleteNatGateways(clients, BUILD_ID)).rejects.toBeInstanceOf(expected);
  });

  it('classifies a delete refused for another reason', async () => {
    arrange([gateway('available')]);
    ec2.on(DeleteNatGatewayCommand).rejects(awsError('UnauthorizedOperation'));
    await expect(deleteNatGateways(clients, BUILD_ID)).rejects.toBeInstanceOf(PermissionDenied);
  });
});
