import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DisassociateAddressCommand,
  ReleaseAddressCommand,
  RunInstancesCommand,
  type Address,
  type Instance,
} from '@aws-sdk/client-ec2';
import {
  AwsThrottled,
  NotYetVisible,
  PermissionDenied,
  ResourceConflict,
  ResourceNotReady,
  WorkflowContractError,
} from '../../../functions/core/errors';
import { TAG, toTagList } from '../../../functions/core/tags';
import { associateBastionAddress, ensureBastion, releaseBastionAddress } from '../../../functions/resources/bastion';
import { clientTokenFor } from '../../../functions/resources/instances';
import { awsError, mockAws } from '../../fixtures/aws';
import { BUILD_ID, seoulPlan } from '../../fixtures/build';
import { NETWORK } from '../../fixtures/ids';

const { ec2, clients } = mockAws();
const plan = seoulPlan();
const IMAGE = 'ami-0123456789abcdef0';
const input = { imageId: IMAGE, network: NETWORK };

const address = (extra: Partial<Address> = {}): Address => ({
  AllocationId: 'eipalloc-1',
  PublicIp: '198.51.100.7',
  Domain: 'vpc',
  Tags: toTagList(plan.bastion.addressTags),
  ...extra,
});
const ASSOCIATED = { AssociationId: 'eipassoc-1', InstanceId: 'i-bastion' };

function arrange({ instance, addresses }: { instance?: Instance; addresses: Address[] }) {
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: instance ? [{ Instances: [instance] }] : [] });
  ec2.on(DescribeAddressesCommand).resolves({ Addresses: addresses });
  ec2.on(RunInstancesCommand).resolves({
    Instances: [{ InstanceId: 'i-bastion', InstanceType: 't3.micro', State: { Name: 'pending' }, PrivateIpAddress: '10.0.255.10' }],
  });
  ec2.on(AllocateAddressCommand).resolves({ AllocationId: 'eipalloc-1', PublicIp: '198.51.100.7' });
  ec2.on(AssociateAddressCommand).resolves({ AssociationId: 'eipassoc-1' });
}
const count = (command: Parameters<typeof ec2.commandCalls>[0]) => ec2.commandCalls(command).length;

describe('ensureBastion', () => {
  /** What LaunchBastion's first run put in the state: the address it allocated. */
  const allocated = { allocationId: 'eipalloc-1', publicIp: '198.51.100.7', complete: false };
  const sent = () => ec2.calls().map((c) => c.args[0].constructor.name.replace(/Command$/, ''));
  const launchedAs = (state: string) =>
    ec2.on(RunInstancesCommand).resolves({
      Instances: [{ InstanceId: 'i-bastion', InstanceType: 't3.micro', State: { Name: state as never }, PrivateIpAddress: '10.0.255.10' }],
    });

  it('first run: finds no address by tag, allocates one and returns at once, launching nothing', async () => {
    arrange({ addresses: [] });
    await expect(ensureBastion(clients, plan, input)).resolves.toEqual(allocated);
    expect(sent()).toEqual(['DescribeAddresses', 'AllocateAddress']);
  });

  it('second run: uses the address the state carries without a Describe, and launches with RunInstances alone', async () => {
    arrange({ addresses: [] });
    await expect(ensureBastion(clients, plan, { ...input, known: allocated })).resolves.toEqual({
      instanceId: 'i-bastion',
      allocationId: 'eipalloc-1',
      publicIp: '198.51.100.7',
      privateIp: '10.0.255.10',
      complete: true,
    });
    // The fresh bastion is pending: WaitUntilReady associates the address once it runs.
    expect(sent()).toEqual(['RunInstances']);
  });

  it('a repeat of the first run that finds its address by tag launches at once', async () => {
    arrange({ addresses: [address()] });
    await expect(ensureBastion(clients, plan, input)).resolves.toMatchObject({ instanceId: 'i-bastion', complete: true });
    expect(sent()).toEqual(['DescribeAddresses', 'RunInstances']);
  });

  it('launches a hardened bastion in the public subnet without an automatic public IP', async () => {
    arrange({ addresses: [address()] });
    await ensureBastion(clients, plan, input);
    const launch = ec2.commandCalls(RunInstancesCommand)[0].args[0].input;
    expect(launch).toMatchObject({
      ImageId: IMAGE,
      InstanceType: 't3.micro',
      KeyName: 'fin-k8s-key',
      ClientToken: clientTokenFor(BUILD_ID, 'bastion', [1], 'ap-northeast-2a', 0),
      MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 1 },
      BlockDeviceMappings: [{ DeviceName: '/dev/sda1', Ebs: { VolumeType: 'gp3', Encrypted: true, DeleteOnTermination: true } }],
      NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: 'subnet-public', Groups: ['sg-bastion'], AssociatePublicIpAddress: false }],
    });
    expect(launch.TagSpecifications?.map((spec) => spec.ResourceType)).toEqual(['instance', 'volume', 'network-interface']);
    expect(launch.TagSpecifications?.[0].Tags).toEqual(
      expect.arrayContaining([
        { Key: TAG.role, Value: 'bastion' },
        { Key: 'Name', Value: 'fin-k8s-dev-bastion' },
      ]),
    );
  });

  it('allocates a VPC address tagged on create', async () => {
    arrange({ addresses: [] });
    await ensureBastion(clients, plan, input);
    const allocate = ec2.commandCalls(AllocateAddressCommand)[0].args[0].input;
    expect(allocate.Domain).toBe('vpc');
    expect(allocate.TagSpecifications?.[0].ResourceType).toBe('elastic-ip');
    expect(allocate.TagSpecifications?.[0].Tags).toEqual(
      expect.arrayContaining([
        { Key: TAG.buildId, Value: BUILD_ID },
        { Key: TAG.role, Value: 'bastion-eip' },
        { Key: 'Name', Value: 'fin-k8s-dev-bastion-eip' },
      ]),
    );
    expect(ec2.commandCalls(DescribeAddressesCommand)[0].args[0].input.Filters).toEqual(
      expect.arrayContaining([{ Name: `tag:${TAG.role}`, Values: ['bastion-eip'] }]),
    );
  });

  it('never launches a second bastion: a repeat sends the same RunInstances (same ClientToken) and gets the same instance', async () => {
    arrange({ addresses: [] });
    const first = await ensureBastion(clients, plan, { ...input, known: allocated });
    const again = await ensureBastion(clients, plan, { ...input, known: allocated });
    const launches = ec2.commandCalls(RunInstancesCommand).map((c) => c.args[0].input);
    expect(launches).toHaveLength(2);
    expect(launches[1]).toEqual(launches[0]);
    expect(again).toEqual(first);
    expect(count(DescribeInstancesCommand)).toBe(0);
  });

  it.each([
    ['unassociated', [address()], 1],
    ['already associated with it', [address(ASSOCIATED)], 0],
  ])(
    'a repeat that meets the bastion already running reads the address by id and associates it (%s)',
    async (_case, addresses, associates) => {
      arrange({ addresses });
      launchedAs('running');
      await expect(ensureBastion(clients, plan, { ...input, known: allocated })).resolves.toMatchObject({
        associationId: 'eipassoc-1',
        complete: true,
      });
      expect(ec2.commandCalls(DescribeAddressesCommand).map((c) => c.args[0].input)).toEqual([{ AllocationIds: ['eipalloc-1'] }]);
      expect(count(AssociateAddressCommand)).toBe(associates);
    },
  );

  it.each([
    ['not visible yet', [], NotYetVisible],
    ['tagged for another build', [address({ Tags: [{ Key: TAG.buildId, Value: 'other' }] })], ResourceConflict],
    ['associated with another instance', [address({ AssociationId: 'eipassoc-x', InstanceId: 'i-other' })], ResourceConflict],
  ])('a repeat that meets the bastion running refuses to associate a carried address %s', async (_case, addresses, expected) => {
    arrange({ addresses });
    launchedAs('running');
    await expect(ensureBastion(clients, plan, { ...input, known: allocated })).rejects.toBeInstanceOf(expected);
    expect(count(AllocateAddressCommand) + count(AssociateAddressCommand)).toBe(0);
  });

  it('raises ResourceConflict naming both when its tags find two Elastic IPs, and creates nothing', async () => {
    arrange({ addresses: [address(), address({ AllocationId: 'eipalloc-2' })] });
    const error = await ensureBastion(clients, plan, input).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceConflict);
    expect((error as Error).message).toContain('eipalloc-1, eipalloc-2');
    expect(count(RunInstancesCommand) + count(AllocateAddressCommand) + count(AssociateAddressCommand)).toBe(0);
  });

  describe('the reported duplicate: a retry in a new Lambda container while DescribeAddresses by tag is still empty', () => {
    it('allocates no second address: the allocation id of the first run comes back in state.bastion', async () => {
      arrange({ addresses: [] });
      ec2
        .on(RunInstancesCommand)
        .rejectsOnce(awsError('RequestLimitExceeded'))
        .resolves({ Instances: [{ InstanceId: 'i-bastion', State: { Name: 'pending' }, PrivateIpAddress: '10.0.255.10' }] });
      const first = await ensureBastion(clients, plan, input);
      expect(first).toEqual(allocated);

      // Nothing of the first run survives in memory: only what the state hands on.
      await expect(ensureBastion(clients, plan, { ...input, known: first })).rejects.toBeInstanceOf(AwsThrottled);
      const second = await ensureBastion(clients, plan, { ...input, known: first });

      expect(second).toMatchObject({ allocationId: 'eipalloc-1', instanceId: 'i-bastion', complete: true });
      expect(count(AllocateAddressCommand)).toBe(1);
      expect(count(DescribeAddressesCommand)).toBe(1);
    });
  });

  it.each([
    ['DescribeAddresses', input, () => ec2.on(DescribeAddressesCommand).rejects(awsError('RequestLimitExceeded'))],
    ['RunInstances', { ...input, known: allocated }, () => ec2.on(RunInstancesCommand).rejects(awsError('RequestLimitExceeded'))],
  ])('classifies a throttled %s and allocates or associates nothing', async (_op, given, fail) => {
    arrange({ addresses: [address()] });
    fail();
    await expect(ensureBastion(clients, plan, given)).rejects.toBeInstanceOf(AwsThrottled);
    expect(count(AllocateAddressCommand) + count(AssociateAddressCommand)).toBe(0);
  });

  it('refuses to launch without a public subnet', async () => {
    arrange({ addresses: [address()] });
    await expect(ensureBastion(clients, plan, { imageId: IMAGE, network: { ...NETWORK, publicSubnetIds: {} } })).rejects.toBeInstanceOf(
      WorkflowContractError,
    );
  });
});

describe('associateBastionAddress', () => {
  /** The ids LaunchBastion put in the state (launched pending, so not associated). */
  const carried = { instanceId: 'i-bastion', allocationId: 'eipalloc-1', publicIp: '198.51.100.7', privateIp: '10.0.255.10' };

  it('associates the address with the bastion by the ids the state carries, describing the address by id only', async () => {
    arrange({ addresses: [address()] });
    await expect(associateBastionAddress(clients, BUILD_ID, carried)).resolves.toEqual({ ...carried, associationId: 'eipassoc-1' });
    expect(ec2.commandCalls(DescribeAddressesCommand).map((c) => c.args[0].input)).toEqual([{ AllocationIds: ['eipalloc-1'] }]);
    expect(ec2.commandCalls(AssociateAddressCommand)[0].args[0].input).toEqual({ AllocationId: 'eipalloc-1', InstanceId: 'i-bastion' });
    // WaitUntilReady has just seen the instance running: it is not described again.
    expect(count(DescribeInstancesCommand)).toBe(0);
  });

  it('does nothing when it is already associated with the bastion (a retried step)', async () => {
    arrange({ addresses: [address(ASSOCIATED)] });
    await expect(associateBastionAddress(clients, BUILD_ID, carried)).resolves.toMatchObject({ associationId: 'eipassoc-1' });
    expect(count(AssociateAddressCommand)).toBe(0);
  });

  it.each([
    ['the address is not visible yet', [], NotYetVisible],
    ['the address is attached elsewhere', [address({ AssociationId: 'eipassoc-x', InstanceId: 'i-other' })], ResourceConflict],
    ['the address is not tagged for the build', [address({ Tags: [] })], ResourceConflict],
  ])('throws without associating when %s', async (_case, addresses, expected) => {
    arrange({ addresses });
    await expect(associateBastionAddress(clients, BUILD_ID, carried)).rejects.toBeInstanceOf(expected);
    expect(count(AssociateAddressCommand)).toBe(0);
  });

  it.each(['IncorrectInstanceState', 'InvalidInstanceID'])(
    'turns AWS’s %s for an instance not running after all into ResourceNotReady, for readiness to check again',
    async (code) => {
      arrange({ addresses: [address()] });
      ec2.on(AssociateAddressCommand).rejects(awsError(code));
      await expect(associateBastionAddress(clients, BUILD_ID, carried)).rejects.toBeInstanceOf(ResourceNotReady);
    },
  );
});

describe('releaseBastionAddress', () => {
  beforeEach(() => {
    ec2.on(DisassociateAddressCommand).resolves({});
    ec2.on(ReleaseAddressCommand).resolves({});
  });
  const order = () =>
    ec2
      .calls()
      .map((call) => call.args[0].constructor.name)
      .filter((name) => name !== 'DescribeAddressesCommand');

  it('disassociates, then releases', async () => {
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [address(ASSOCIATED)] });
    await expect(releaseBastionAddress(clients, BUILD_ID)).resolves.toEqual(['eipalloc-1']);
    expect(order()).toEqual(['DisassociateAddressCommand', 'ReleaseAddressCommand']);
    expect(ec2.commandCalls(DisassociateAddressCommand)[0].args[0].input).toEqual({ AssociationId: 'eipassoc-1' });
    expect(ec2.commandCalls(ReleaseAddressCommand)[0].args[0].input).toEqual({ AllocationId: 'eipalloc-1' });
  });

  it.each([
    ['nothing is allocated', [], () => undefined, [], []],
    [
      'the association is already gone',
      [address(ASSOCIATED)],
      () => ec2.on(DisassociateAddressCommand).rejects(awsError('InvalidAssociationID.NotFound')),
      ['DisassociateAddressCommand', 'ReleaseAddressCommand'],
      ['eipalloc-1'],
    ],
    [
      'the address is already released',
      [address()],
      () => ec2.on(ReleaseAddressCommand).rejects(awsError('InvalidAllocationID.NotFound')),
      ['ReleaseAddressCommand'],
      ['eipalloc-1'],
    ],
    [
      'EC2 answers InvalidAddress.NotFound',
      [address()],
      () => ec2.on(ReleaseAddressCommand).rejects(awsError('InvalidAddress.NotFound')),
      ['ReleaseAddressCommand'],
      ['eipalloc-1'],
    ],
  ])('succeeds when %s', async (_case, addresses, fail, calls, released) => {
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: addresses });
    fail();
    await expect(releaseBastionAddress(clients, BUILD_ID)).resolves.toEqual(released);
    expect(order()).toEqual(calls);
  });

  it('releases the address the state carries even before it is visible by tag, and every duplicate', async () => {
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
    await expect(releaseBastionAddress(clients, BUILD_ID, ['eipalloc-1'])).resolves.toEqual(['eipalloc-1']);
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [address(), address({ AllocationId: 'eipalloc-2' })] });
    await expect(releaseBastionAddress(clients, BUILD_ID, ['eipalloc-1'])).resolves.toEqual(['eipalloc-1', 'eipalloc-2']);
  });

  it('ignores an address tagged for another build', async () => {
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [address({ Tags: [{ Key: TAG.buildId, Value: 'other' }] })] });
    await expect(releaseBastionAddress(clients, BUILD_ID)).resolves.toEqual([]);
    expect(count(ReleaseAddressCommand)).toBe(0);
  });

  it.each([
    ['an address still in use just after disassociation', 'InvalidIPAddress.InUse', ResourceNotReady],
    ['a missing permission', 'UnauthorizedOperation', PermissionDenied],
  ])('classifies %s', async (_case, code, expected) => {
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [address()] });
    ec2.on(ReleaseAddressCommand).rejects(awsError(code));
    await expect(releaseBastionAddress(clients, BUILD_ID)).rejects.toBeInstanceOf(expected);
  });

  it('classifies a failed DescribeAddresses', async () => {
    ec2.on(DescribeAddressesCommand).rejects(awsError('InternalError', 500));
    await expect(releaseBastionAddress(clients, BUILD_ID)).rejects.toMatchObject({ name: 'AwsUnavailable' });
  });
});
