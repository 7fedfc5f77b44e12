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

const bastion = (state: string): Instance => ({
  InstanceId: 'i-bastion',
  InstanceType: 't3.micro',
  State: { Name: state as never },
  Placement: { AvailabilityZone: 'ap-northeast-2a' },
  PrivateIpAddress: '10.0.255.10',
  Tags: toTagList(plan.bastion.tags),
});
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
  it.each([
    ['found running and associated', bastion('running'), [address(ASSOCIATED)], { run: 0, allocate: 0, associate: 0 }, 'eipassoc-1', true],
    ['found running, address unassociated', bastion('running'), [address()], { run: 0, allocate: 0, associate: 1 }, 'eipassoc-1', true],
    ['found pending, address unassociated', bastion('pending'), [address()], { run: 0, allocate: 0, associate: 0 }, undefined, true],
    ['absent, address found', undefined, [address()], { run: 1, allocate: 0, associate: 0 }, undefined, true],
  ])('when %s it creates only what is missing', async (_case, instance, addresses, expected, associationId, complete) => {
    arrange({ instance, addresses });
    const ids = await ensureBastion(clients, plan, input);
    expect({ run: count(RunInstancesCommand), allocate: count(AllocateAddressCommand), associate: count(AssociateAddressCommand) }).toEqual(
      expected,
    );
    expect(ids).toEqual({
      instanceId: 'i-bastion',
      allocationId: 'eipalloc-1',
      publicIp: '198.51.100.7',
      privateIp: '10.0.255.10',
      ...(associationId ? { associationId } : {}),
      complete,
    });
  });

  it.each([
    ['found running', bastion('running')],
    ['absent', undefined],
  ])('with no address yet (bastion %s) it allocates one and returns at once, launching nothing first', async (_case, instance) => {
    arrange({ instance, addresses: [] });
    await expect(ensureBastion(clients, plan, input)).resolves.toEqual({
      allocationId: 'eipalloc-1',
      publicIp: '198.51.100.7',
      complete: false,
    });
    expect({ run: count(RunInstancesCommand), allocate: count(AllocateAddressCommand) }).toEqual({ run: 0, allocate: 1 });
  });

  it('returns right after AllocateAddress, before any other call could fail', async () => {
    arrange({ instance: bastion('running'), addresses: [] });
    await expect(ensureBastion(clients, plan, input)).resolves.toMatchObject({ allocationId: 'eipalloc-1', complete: false });
    expect(ec2.calls().at(-1)?.args[0]).toBeInstanceOf(AllocateAddressCommand);
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
    arrange({ instance: bastion('pending'), addresses: [] });
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

  it('allocates no second address when a repeat, handed the first by the state, does not see it by tag yet', async () => {
    arrange({ instance: bastion('pending'), addresses: [] });
    const first = await ensureBastion(clients, plan, input);
    ec2.on(DescribeAddressesCommand, { AllocationIds: ['eipalloc-1'] }).resolves({ Addresses: [address()] });
    const again = await ensureBastion(clients, plan, { ...input, known: first });
    expect(count(AllocateAddressCommand)).toBe(1);
    expect(again).toMatchObject({ allocationId: 'eipalloc-1', complete: true });
  });

  it('uses the bastion the state carries when a Describe by tag does not list it yet: no second launch', async () => {
    arrange({ addresses: [address()] });
    ec2.on(DescribeInstancesCommand, { InstanceIds: ['i-bastion'] }).resolves({ Reservations: [{ Instances: [bastion('pending')] }] });
    await expect(ensureBastion(clients, plan, { ...input, known: { instanceId: 'i-bastion' } })).resolves.toMatchObject({
      instanceId: 'i-bastion',
      complete: true,
    });
    expect(count(RunInstancesCommand)).toBe(0);
  });

  it.each([
    {
      what: 'bastion instances',
      instances: [bastion('running'), { ...bastion('running'), InstanceId: 'i-bastion-2' }],
      addresses: [address()],
      ids: 'i-bastion, i-bastion-2',
    },
    {
      what: 'Elastic IPs',
      instances: [bastion('running')],
      addresses: [address(), address({ AllocationId: 'eipalloc-2' })],
      ids: 'eipalloc-1, eipalloc-2',
    },
  ])(
    'raises ResourceConflict naming both when its tags find two $what, and creates or associates nothing',
    async ({ instances, addresses, ids }) => {
      arrange({ addresses });
      ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: instances }] });
      const error = await ensureBastion(clients, plan, input).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ResourceConflict);
      expect((error as Error).message).toContain(ids);
      expect(count(RunInstancesCommand) + count(AllocateAddressCommand) + count(AssociateAddressCommand)).toBe(0);
    },
  );

  describe('the reported duplicate: a retry in a new Lambda container while DescribeAddresses by tag is still empty', () => {
    it('allocates no second address: the allocation id of the first run comes back in state.bastion', async () => {
      // The association that used to follow AllocateAddress in the same invocation is throttled once.
      arrange({ instance: bastion('running'), addresses: [] });
      ec2.on(AssociateAddressCommand).rejectsOnce(awsError('RequestLimitExceeded')).resolves({ AssociationId: 'eipassoc-1' });
      const first = await ensureBastion(clients, plan, input);
      expect(first).toMatchObject({ allocationId: 'eipalloc-1', complete: false });
      expect(count(AssociateAddressCommand)).toBe(0);

      ec2.on(DescribeAddressesCommand, { AllocationIds: ['eipalloc-1'] }).resolves({ Addresses: [address()] });
      // Nothing of the first run survives in memory: only what the state hands on.
      await expect(ensureBastion(clients, plan, { ...input, known: first })).rejects.toBeInstanceOf(AwsThrottled);
      const second = await ensureBastion(clients, plan, { ...input, known: first });

      expect(second).toMatchObject({ allocationId: 'eipalloc-1', associationId: 'eipassoc-1', complete: true });
      expect(count(AllocateAddressCommand)).toBe(1);
      expect(ec2.commandCalls(DescribeAddressesCommand).at(-1)?.args[0].input).toEqual({ AllocationIds: ['eipalloc-1'] });
    });

    it.each([
      [
        'not visible even by its id',
        () => ec2.on(DescribeAddressesCommand, { AllocationIds: ['eipalloc-1'] }).rejects(awsError('InvalidAllocationID.NotFound')),
        NotYetVisible,
      ],
      [
        'answered empty by its id',
        () => ec2.on(DescribeAddressesCommand, { AllocationIds: ['eipalloc-1'] }).resolves({ Addresses: [] }),
        NotYetVisible,
      ],
      [
        'tagged for another build',
        () =>
          ec2
            .on(DescribeAddressesCommand, { AllocationIds: ['eipalloc-1'] })
            .resolves({ Addresses: [address({ Tags: [{ Key: TAG.buildId, Value: 'other' }] })] }),
        ResourceConflict,
      ],
    ])('refuses to allocate again when the carried address is %s', async (_case, answer, expected) => {
      arrange({ instance: bastion('pending'), addresses: [] });
      answer();
      await expect(ensureBastion(clients, plan, { ...input, known: { allocationId: 'eipalloc-1' } })).rejects.toBeInstanceOf(expected);
      expect(count(AllocateAddressCommand)).toBe(0);
    });
  });

  it.each([
    ['DescribeInstances', () => ec2.on(DescribeInstancesCommand).rejects(awsError('RequestLimitExceeded'))],
    ['DescribeAddresses', () => ec2.on(DescribeAddressesCommand).rejects(awsError('RequestLimitExceeded'))],
  ])('classifies a throttled %s and creates nothing', async (_op, fail) => {
    arrange({ instance: bastion('running'), addresses: [address()] });
    fail();
    await expect(ensureBastion(clients, plan, input)).rejects.toBeInstanceOf(AwsThrottled);
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
  it('uses the ids the state carries when a Describe by tag lists neither the bastion nor its address yet', async () => {
    arrange({ addresses: [] });
    ec2.on(DescribeInstancesCommand, { InstanceIds: ['i-bastion'] }).resolves({ Reservations: [{ Instances: [bastion('running')] }] });
    ec2.on(DescribeAddressesCommand, { AllocationIds: ['eipalloc-1'] }).resolves({ Addresses: [address()] });
    await expect(
      associateBastionAddress(clients, BUILD_ID, { instanceId: 'i-bastion', allocationId: 'eipalloc-1' }),
    ).resolves.toMatchObject({ associationId: 'eipassoc-1' });
  });

  it('associates the address with the running bastion', async () => {
    arrange({ instance: bastion('running'), addresses: [address()] });
    await expect(associateBastionAddress(clients, BUILD_ID)).resolves.toMatchObject({
      associationId: 'eipassoc-1',
      publicIp: '198.51.100.7',
    });
    expect(ec2.commandCalls(AssociateAddressCommand)[0].args[0].input).toEqual({ AllocationId: 'eipalloc-1', InstanceId: 'i-bastion' });
  });

  it('does nothing when it is already associated', async () => {
    arrange({ instance: bastion('running'), addresses: [address(ASSOCIATED)] });
    await expect(associateBastionAddress(clients, BUILD_ID)).resolves.toMatchObject({ associationId: 'eipassoc-1' });
    expect(count(AssociateAddressCommand)).toBe(0);
  });

  it.each([
    ['the bastion is still pending', bastion('pending'), [address()], ResourceNotReady],
    ['the bastion is not visible', undefined, [address()], NotYetVisible],
    ['the address is not visible', bastion('running'), [], NotYetVisible],
    [
      'the address is attached elsewhere',
      bastion('running'),
      [address({ AssociationId: 'eipassoc-x', InstanceId: 'i-other' })],
      ResourceConflict,
    ],
  ])('throws without associating when %s', async (_case, instance, addresses, expected) => {
    arrange({ instance, addresses });
    await expect(associateBastionAddress(clients, BUILD_ID)).rejects.toBeInstanceOf(expected);
    expect(count(AssociateAddressCommand)).toBe(0);
  });

  it.each(['IncorrectInstanceState', 'InvalidInstanceID'])(
    'turns AWS’s %s for an instance not running after all into ResourceNotReady so the state machine waits',
    async (code) => {
      arrange({ instance: bastion('running'), addresses: [address()] });
      ec2.on(AssociateAddressCommand).rejects(awsError(code));
      await expect(associateBastionAddress(clients, BUILD_ID)).rejects.toBeInstanceOf(ResourceNotReady);
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
