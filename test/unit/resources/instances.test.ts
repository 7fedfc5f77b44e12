import {
  DescribeInstancesCommand,
  DescribeVolumesCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type Instance,
  type RunInstancesCommandInput,
} from '@aws-sdk/client-ec2';
import fc from 'fast-check';
import { AwsThrottled, AwsUnavailable, InsufficientCapacity, InvalidSpec, PermissionDenied } from '../../../functions/core/errors';
import type { NodePlan } from '../../../functions/core/plan';
import { TAG, toTagList } from '../../../functions/core/tags';
import {
  clientTokenFor, describeNodes, ensureNodes, terminateInstances, terminateNodes,
} from '../../../functions/resources/instances';
import { awsError, mockAws } from '../../fixtures/aws';
import { BUILD_ID, seoulPlan } from '../../fixtures/build';
import { NETWORK } from '../../fixtures/ids';

const { ec2, clients } = mockAws();
const IMAGE = 'ami-0123456789abcdef0';

const plan = seoulPlan();
const described = (node: NodePlan, id: string, state = 'running', extra: Partial<Instance> = {}): Instance => ({
  InstanceId: id,
  InstanceType: node.instanceTypes[0] as Instance['InstanceType'],
  State: { Name: state as never },
  Placement: { AvailabilityZone: node.az },
  PrivateIpAddress: `10.0.${node.index}.10`,
  Tags: toTagList(node.tags),
  ...extra,
});
const reservation = (...instances: Instance[]) => ({ Reservations: [{ Instances: instances }] });

/** RunInstances as AWS does it: one instance per ClientToken, the same one again for a repeated token. */
function fakeRunInstances(failFor: (input: RunInstancesCommandInput) => Error | undefined = () => undefined) {
  const byToken = new Map<string, string>();
  ec2.on(RunInstancesCommand).callsFake(async (input: RunInstancesCommandInput) => {
    const failure = failFor(input);
    if (failure) throw failure;
    const token = input.ClientToken as string;
    if (!byToken.has(token)) byToken.set(token, `i-${String(byToken.size + 1).padStart(17, '0')}`);
    return { Instances: [{ InstanceId: byToken.get(token), InstanceType: input.InstanceType, State: { Name: 'pending' }, PrivateIpAddress: '10.0.0.99' }] };
  });
  return byToken;
}
const launches = () => ec2.commandCalls(RunInstancesCommand).map((call) => call.args[0].input);

describe('clientTokenFor', () => {
  it('is deterministic, at most 64 ASCII characters, and names the node and generation', () => {
    const token = clientTokenFor(BUILD_ID, 'control-plane', 3, 'ap-northeast-2c', 1);
    expect(token).toBe(clientTokenFor(BUILD_ID, 'control-plane', 3, 'ap-northeast-2c', 1));
    expect(token).toMatch(/^control-plane-3-g1-[0-9a-f]{40}$/);
    expect(token.length).toBeLessThanOrEqual(64);
  });

  type TokenArgs = Parameters<typeof clientTokenFor>;
  it.each<[string, TokenArgs]>([
    ['build id', ['other-build', 'worker', 1, 'ap-northeast-2a', 0]],
    ['role', [BUILD_ID, 'control-plane', 1, 'ap-northeast-2a', 0]],
    ['index', [BUILD_ID, 'worker', 2, 'ap-northeast-2a', 0]],
    ['zone', [BUILD_ID, 'worker', 1, 'ap-northeast-2b', 0]],
    ['generation', [BUILD_ID, 'worker', 1, 'ap-northeast-2a', 1]],
  ])('changes when the %s changes', (_part, args) => {
    expect(clientTokenFor(...args)).not.toBe(clientTokenFor(BUILD_ID, 'worker', 1, 'ap-northeast-2a', 0));
  });

  it('stays within AWS’s limit for any build id the workflow accepts', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{1,80}$/), fc.constantFrom('control-plane', 'worker', 'bastion'), fc.integer({ min: 1, max: 100 }), fc.integer({ min: 0, max: 4 }),
        (buildId, role, index, generation) => {
          const token = clientTokenFor(buildId, role as 'worker', index, 'ap-northeast-2a', generation);
          return token.length <= 64 && /^[\x20-\x7e]+$/.test(token);
        }),
    );
  });
});

describe('ensureNodes', () => {
  it('launches nothing when every node is found by its tags', async () => {
    ec2.on(DescribeInstancesCommand).resolves(reservation(...plan.nodes.map((node, i) => described(node, `i-found${i}`))));
    const nodes = await ensureNodes(clients, plan, { imageId: IMAGE, network: NETWORK });
    expect(ec2.commandCalls(RunInstancesCommand)).toHaveLength(0);
    expect(nodes.map((node) => node.instanceId)).toEqual(plan.nodes.map((_, i) => `i-found${i}`));
    expect(nodes[0]).toEqual({ name: 'fin-k8s-dev-cp-1', role: 'control-plane', az: 'ap-northeast-2a', instanceId: 'i-found0', instanceType: 'm6i.large', privateIp: '10.0.1.10' });
  });

  it('looks only for this build’s live control planes and workers', async () => {
    ec2.on(DescribeInstancesCommand).resolves(reservation(...plan.nodes.map((node, i) => described(node, `i-found${i}`))));
    await ensureNodes(clients, plan, { imageId: IMAGE, network: NETWORK });
    expect(ec2.commandCalls(DescribeInstancesCommand)[0].args[0].input.Filters).toEqual(
      expect.arrayContaining([
        { Name: `tag:${TAG.buildId}`, Values: [BUILD_ID] },
        { Name: `tag:${TAG.role}`, Values: ['control-plane', 'worker'] },
        { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
      ]),
    );
  });

  it('launches every absent node once, hardened, tagged, in its zone’s private subnet', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    fakeRunInstances();
    const nodes = await ensureNodes(clients, plan, { imageId: IMAGE, network: NETWORK });
    expect(launches()).toHaveLength(6);
    for (const node of plan.nodes) {
      const input = launches().find((call) => call.TagSpecifications?.[0].Tags?.some((tag) => tag.Key === 'Name' && tag.Value === node.name));
      expect(input).toMatchObject({
        ImageId: IMAGE,
        InstanceType: node.instanceTypes[0],
        MinCount: 1,
        MaxCount: 1,
        KeyName: 'fin-k8s-key',
        ClientToken: clientTokenFor(BUILD_ID, node.role, node.index, node.az, 0),
        MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 2 },
        BlockDeviceMappings: [
          { DeviceName: '/dev/sda1', Ebs: { VolumeType: 'gp3', Encrypted: true, DeleteOnTermination: true, VolumeSize: node.role === 'worker' ? 100 : 50 } },
        ],
        NetworkInterfaces: [
          { DeviceIndex: 0, SubnetId: NETWORK.privateSubnetIds[node.az], Groups: [node.role === 'worker' ? 'sg-workers' : 'sg-cp'], AssociatePublicIpAddress: false, DeleteOnTermination: true },
        ],
      });
      expect(input?.TagSpecifications?.map((spec) => spec.ResourceType)).toEqual(['instance', 'volume', 'network-interface']);
      for (const spec of input?.TagSpecifications ?? []) {
        expect(spec.Tags).toEqual(expect.arrayContaining([
          { Key: TAG.buildId, Value: BUILD_ID }, { Key: TAG.role, Value: node.role }, { Key: 'Name', Value: node.name }, { Key: 'team', Value: 'platform' },
        ]));
      }
    }
    expect(new Set(nodes.map((node) => node.instanceId)).size).toBe(6);
    expect(nodes.find((node) => node.name === 'fin-k8s-dev-worker-2')).toMatchObject({ role: 'worker', az: 'ap-northeast-2b', instanceType: 'm6i.xlarge' });
  });

  it('launches only the nodes that are missing', async () => {
    ec2.on(DescribeInstancesCommand).resolves(reservation(described(plan.nodes[0], 'i-cp1'), described(plan.nodes[4], 'i-w2', 'stopped')));
    fakeRunInstances();
    const nodes = await ensureNodes(clients, plan, { imageId: IMAGE, network: NETWORK });
    expect(launches()).toHaveLength(4);
    expect(launches().map((input) => input.ClientToken)).not.toContain(clientTokenFor(BUILD_ID, 'control-plane', 1, 'ap-northeast-2a', 0));
    expect(nodes[0].instanceId).toBe('i-cp1');
    expect(nodes[4].instanceId).toBe('i-w2');
  });

  it('launches no second instance when a repeat finds nothing yet (same ClientTokens)', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    const byToken = fakeRunInstances();
    const first = await ensureNodes(clients, plan, { imageId: IMAGE, network: NETWORK });
    const firstTokens = launches().map((input) => input.ClientToken);
    const second = await ensureNodes(clients, plan, { imageId: IMAGE, network: NETWORK });
    expect(launches().slice(6).map((input) => input.ClientToken)).toEqual(firstTokens);
    expect(byToken.size).toBe(6);
    expect(second.map((node) => node.instanceId)).toEqual(first.map((node) => node.instanceId));
  });

  it('falls back to the next instance type, with a new token, when a type has no capacity', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    fakeRunInstances((input) => (input.InstanceType === 'm6i.xlarge' ? awsError('InsufficientInstanceCapacity', 500) : undefined));
    const nodes = await ensureNodes(clients, plan, { imageId: IMAGE, network: NETWORK });
    const worker1 = plan.nodes.find((node) => node.name === 'fin-k8s-dev-worker-1') as NodePlan;
    const tries = launches().filter((input) => input.ClientToken?.startsWith('worker-1-'));
    expect(tries.map((input) => [input.InstanceType, input.ClientToken])).toEqual([
      ['m6i.xlarge', clientTokenFor(BUILD_ID, 'worker', 1, worker1.az, 0)],
      ['m5.xlarge', clientTokenFor(BUILD_ID, 'worker', 1, worker1.az, 1)],
    ]);
    expect(nodes.filter((node) => node.role === 'worker').map((node) => node.instanceType)).toEqual(['m5.xlarge', 'm5.xlarge', 'm5.xlarge']);
  });

  it('falls back when the type is not offered in the zone (Unsupported), and a repeat starts from the type that worked', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    let capacityBack = false;
    fakeRunInstances((input) => (input.InstanceType === 'm6i.xlarge' && !capacityBack ? awsError('Unsupported') : undefined));
    await ensureNodes(clients, plan, { imageId: IMAGE, network: NETWORK });
    capacityBack = true;
    ec2.resetHistory();
    await ensureNodes(clients, plan, { imageId: IMAGE, network: NETWORK });
    // Retrying generation 0 now that it would succeed would start a second instance beside the m5 one.
    expect(launches().filter((input) => input.ClientToken?.startsWith('worker-')).map((input) => input.InstanceType)).toEqual(['m5.xlarge', 'm5.xlarge', 'm5.xlarge']);
  });

  it('throws InsufficientCapacity naming the node, zone and types once every type is exhausted', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    fakeRunInstances((input) => (input.ClientToken?.startsWith('worker-3-') ? awsError('InsufficientInstanceCapacity', 500) : undefined));
    const error = await ensureNodes(clients, plan, { imageId: IMAGE, network: NETWORK }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InsufficientCapacity);
    expect((error as Error).message).toContain('fin-k8s-dev-worker-3: no capacity in ap-northeast-2c for instance types m6i.xlarge, m5.xlarge');
    expect((error as InsufficientCapacity).details).toEqual({ node: 'fin-k8s-dev-worker-3', az: 'ap-northeast-2c', instanceTypes: ['m6i.xlarge', 'm5.xlarge'] });
  });

  it.each([
    ['a full subnet (another type would not help)', 'InsufficientFreeAddressesInSubnet', InsufficientCapacity],
    ['a missing permission', 'UnauthorizedOperation', PermissionDenied],
  ])('does not fall back on %s and classifies it', async (_case, code, expected) => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    fakeRunInstances(() => awsError(code));
    await expect(ensureNodes(clients, plan, { imageId: IMAGE, network: NETWORK })).rejects.toBeInstanceOf(expected);
    expect(launches().every((input) => input.InstanceType !== 'm5.xlarge')).toBe(true);
  });

  it('reports AwsUnavailable (retryable: the same token finds the instance) when RunInstances answers without one', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    ec2.on(RunInstancesCommand).resolves({ Instances: [] });
    await expect(ensureNodes(clients, plan, { imageId: IMAGE, network: NETWORK })).rejects.toBeInstanceOf(AwsUnavailable);
  });

  it('classifies a failed DescribeInstances and launches nothing', async () => {
    ec2.on(DescribeInstancesCommand).rejects(awsError('RequestLimitExceeded', 503));
    await expect(ensureNodes(clients, plan, { imageId: IMAGE, network: NETWORK })).rejects.toBeInstanceOf(AwsThrottled);
    expect(ec2.commandCalls(RunInstancesCommand)).toHaveLength(0);
  });

  it('refuses to launch when the network has no subnet for a node’s zone', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    fakeRunInstances();
    const network = { ...NETWORK, privateSubnetIds: { 'ap-northeast-2a': 'subnet-a' } };
    await expect(ensureNodes(clients, plan, { imageId: IMAGE, network })).rejects.toBeInstanceOf(InvalidSpec);
  });
});

describe('describeNodes', () => {
  it('returns state, addresses, metadata options and volume encryption of our nodes only', async () => {
    const stranger = described(plan.nodes[1], 'i-stranger', 'running', { Tags: [{ Key: TAG.buildId, Value: 'someone-else' }] });
    ec2.on(DescribeInstancesCommand).resolves(reservation(
      described(plan.nodes[0], 'i-cp1', 'running', {
        PublicIpAddress: undefined,
        SubnetId: 'subnet-a',
        SecurityGroups: [{ GroupId: 'sg-cp' }],
        MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 2 },
        BlockDeviceMappings: [{ DeviceName: '/dev/sda1', Ebs: { VolumeId: 'vol-1' } }],
      }),
      stranger,
    ));
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [{ VolumeId: 'vol-1', Encrypted: true, VolumeType: 'gp3', Size: 50, Attachments: [{ InstanceId: 'i-cp1', Device: '/dev/sda1' }] }] });
    const nodes = await describeNodes(clients, BUILD_ID);
    expect(nodes).toHaveLength(1);
    expect(nodes[0]).toMatchObject({
      instanceId: 'i-cp1', name: 'fin-k8s-dev-cp-1', role: 'control-plane', state: 'running', privateIp: '10.0.1.10', publicIp: undefined,
      subnetId: 'subnet-a', securityGroupIds: ['sg-cp'], metadata: { httpTokens: 'required', httpEndpoint: 'enabled', hopLimit: 2 },
      volumes: [{ volumeId: 'vol-1', deviceName: '/dev/sda1', encrypted: true, volumeType: 'gp3', sizeGiB: 50 }],
    });
    expect(ec2.commandCalls(DescribeVolumesCommand)[0].args[0].input.Filters).toEqual([{ Name: 'attachment.instance-id', Values: ['i-cp1'] }]);
  });

  it('does not ask for volumes when there are no nodes', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    await expect(describeNodes(clients, BUILD_ID)).resolves.toEqual([]);
    expect(ec2.commandCalls(DescribeVolumesCommand)).toHaveLength(0);
  });
});

describe('terminateInstances', () => {
  const bastionLike = { ...plan.nodes[0], tags: plan.bastion.tags };

  it.each([
    ['running and stopped instances', [described(plan.nodes[0], 'i-1'), described(plan.nodes[3], 'i-2', 'stopped')], ['i-1', 'i-2'], ['i-1', 'i-2']],
    ['an instance already shutting down', [described(plan.nodes[0], 'i-1'), described(plan.nodes[3], 'i-2', 'shutting-down')], ['i-1'], ['i-1', 'i-2']],
    ['nothing left', [], [], []],
  ])('terminates what is live among %s and reports what is not gone yet', async (_case, instances, terminating, remaining) => {
    ec2.on(DescribeInstancesCommand).resolves(reservation(...instances));
    ec2.on(TerminateInstancesCommand).resolves({});
    await expect(terminateInstances(clients, BUILD_ID)).resolves.toEqual({ terminating, remaining });
    const calls = ec2.commandCalls(TerminateInstancesCommand);
    expect(calls.map((call) => call.args[0].input.InstanceIds)).toEqual(terminating.length ? [terminating] : []);
  });

  it('includes the bastion by default and only nodes in terminateNodes', async () => {
    ec2.on(DescribeInstancesCommand).resolves(reservation(described(bastionLike, 'i-bastion')));
    ec2.on(TerminateInstancesCommand).resolves({});
    await terminateInstances(clients, BUILD_ID);
    ec2.on(DescribeInstancesCommand).resolves(reservation(described(bastionLike, 'i-bastion')));
    await expect(terminateNodes(clients, BUILD_ID)).resolves.toEqual({ terminating: [], remaining: [] });
    const roleFilters = ec2.commandCalls(DescribeInstancesCommand).map((call) => call.args[0].input.Filters?.find((f) => f.Name === `tag:${TAG.role}`)?.Values);
    expect(roleFilters).toEqual([['control-plane', 'worker', 'bastion'], ['control-plane', 'worker']]);
    expect(ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(1);
  });

  it('treats an instance that is already gone as terminated, and still terminates the others', async () => {
    ec2.on(DescribeInstancesCommand).resolves(reservation(described(plan.nodes[0], 'i-1'), described(plan.nodes[1], 'i-gone')));
    ec2.on(TerminateInstancesCommand).callsFake(async ({ InstanceIds }) => {
      if (InstanceIds.includes('i-gone')) throw awsError('InvalidInstanceID.NotFound');
      return {};
    });
    await expect(terminateInstances(clients, BUILD_ID)).resolves.toMatchObject({ terminating: ['i-1', 'i-gone'] });
    expect(ec2.commandCalls(TerminateInstancesCommand).map((call) => call.args[0].input.InstanceIds)).toEqual([['i-1', 'i-gone'], ['i-1'], ['i-gone']]);
  });

  it('succeeds when the only instance is already gone', async () => {
    ec2.on(DescribeInstancesCommand).resolves(reservation(described(plan.nodes[0], 'i-gone')));
    ec2.on(TerminateInstancesCommand).rejects(awsError('InvalidInstanceID.NotFound'));
    await expect(terminateInstances(clients, BUILD_ID)).resolves.toEqual({ terminating: ['i-gone'], remaining: ['i-gone'] });
    expect(ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(1);
  });

  it.each([
    ['DescribeInstances', () => ec2.on(DescribeInstancesCommand).rejects(awsError('UnauthorizedOperation'))],
    ['TerminateInstances', () => {
      ec2.on(DescribeInstancesCommand).resolves(reservation(described(plan.nodes[0], 'i-1')));
      ec2.on(TerminateInstancesCommand).rejects(awsError('UnauthorizedOperation'));
    }],
  ])('classifies a failed %s', async (_op, arrange) => {
    arrange();
    await expect(terminateInstances(clients, BUILD_ID)).rejects.toBeInstanceOf(PermissionDenied);
  });
});
