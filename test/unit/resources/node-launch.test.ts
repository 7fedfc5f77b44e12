import { CreateTagsCommand, RunInstancesCommand, type RunInstancesCommandInput } from '@aws-sdk/client-ec2';
import type { NodesProgress } from '../../../functions/core/contracts';
import {
  AwsThrottled,
  AwsUnavailable,
  InsufficientCapacity,
  NotYetVisible,
  PermissionDenied,
  QuotaExceeded,
  WorkflowContractError,
} from '../../../functions/core/errors';
import { TAG } from '../../../functions/core/tags';
import { clientTokenFor } from '../../../functions/resources/instances';
import { ensureNodes, launchGroups } from '../../../functions/resources/node-launch';
import { awsError, mockAws } from '../../fixtures/aws';
import { BUILD_ID, seoulPlan, seoulState } from '../../fixtures/build';
import { NETWORK, PREFLIGHT } from '../../fixtures/ids';

const { ec2, clients } = mockAws();
const IMAGE = 'ami-0123456789abcdef0';
/** 7 control planes and 10 workers over three zones: groups of 3, 2, 2 and 4, 3, 3. */
const big = seoulPlan({ controlPlane: { count: 7 }, workers: { count: 10, instanceTypes: ['m6i.xlarge', 'm5.xlarge'] } });
/** A clock running 1000 times faster than real time, so the launches' pacing costs the tests no real time. */
const FAST_CLOCK = { now: () => performance.now() * 1000 };
const input = (progress?: NodesProgress) => ({ imageId: IMAGE, network: NETWORK, progress, clock: FAST_CLOCK });
/** RunInstances' LaunchTime for every instance the fake launches. */
const LAUNCH_TIME = new Date('2026-11-25T10:00:00.000Z');

/**
 * RunInstances as AWS does it: MaxCount instances per ClientToken, the same ones again for a repeated token,
 * answered in reverse launch order (AWS does not promise an order; AmiLaunchIndex says which is which).
 */
function fakeRunInstances(failFor: (input: RunInstancesCommandInput) => Error | undefined = () => undefined) {
  const byToken = new Map<string, string[]>();
  let next = 0;
  ec2.on(RunInstancesCommand).callsFake((launch: RunInstancesCommandInput) => {
    const failure = failFor(launch);
    if (failure) return Promise.reject(failure);
    const token = launch.ClientToken as string;
    if (!byToken.has(token))
      byToken.set(
        token,
        Array.from({ length: launch.MaxCount as number }, () => `i-${String(++next).padStart(17, '0')}`),
      );
    const ids = byToken.get(token) as string[];
    return Promise.resolve({
      Instances: ids
        .map((InstanceId, AmiLaunchIndex) => ({
          InstanceId,
          AmiLaunchIndex,
          InstanceType: launch.InstanceType,
          PrivateIpAddress: `10.0.0.${AmiLaunchIndex}`,
          LaunchTime: LAUNCH_TIME,
        }))
        .reverse(),
    });
  });
  ec2.on(CreateTagsCommand).resolves({});
  return byToken;
}
const launches = () => ec2.commandCalls(RunInstancesCommand).map((call) => call.args[0].input);
const names = () => ec2.commandCalls(CreateTagsCommand).map((call) => call.args[0].input);
const nameTag = (launch: RunInstancesCommandInput) => launch.TagSpecifications?.[0].Tags?.find((tag) => tag.Key === TAG.name)?.Value;

describe('launchGroups', () => {
  it('groups the nodes by role and zone, in plan order', () => {
    expect(launchGroups(big).map((group) => [group.key, group.members.map((node) => node.index)])).toEqual([
      ['control-plane/ap-northeast-2a', [1, 4, 7]],
      ['control-plane/ap-northeast-2b', [2, 5]],
      ['control-plane/ap-northeast-2c', [3, 6]],
      ['worker/ap-northeast-2a', [1, 4, 7, 10]],
      ['worker/ap-northeast-2b', [2, 5, 8]],
      ['worker/ap-northeast-2c', [3, 6, 9]],
    ]);
  });
});

describe('ensureNodes', () => {
  it('launches each group with one hardened RunInstances (MinCount = MaxCount = its size) under the group’s Name', async () => {
    fakeRunInstances();
    await ensureNodes(clients, big, input());
    expect(launches()).toHaveLength(6);
    const workersA = launches().find((launch) => nameTag(launch) === 'fin-k8s-dev-worker-ap-northeast-2a') as RunInstancesCommandInput;
    expect(workersA).toMatchObject({
      ImageId: IMAGE,
      InstanceType: 'm6i.xlarge',
      MinCount: 4,
      MaxCount: 4,
      KeyName: 'fin-k8s-key',
      ClientToken: clientTokenFor(BUILD_ID, 'worker', [1, 4, 7, 10], 'ap-northeast-2a', 0),
      MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 2 },
      BlockDeviceMappings: [
        { DeviceName: '/dev/sda1', Ebs: { VolumeType: 'gp3', Encrypted: true, DeleteOnTermination: true, VolumeSize: 100 } },
      ],
      NetworkInterfaces: [
        { DeviceIndex: 0, SubnetId: 'subnet-a', Groups: ['sg-workers'], AssociatePublicIpAddress: false, DeleteOnTermination: true },
      ],
    });
    expect(workersA.TagSpecifications?.map((spec) => spec.ResourceType)).toEqual(['instance', 'volume', 'network-interface']);
    for (const spec of workersA.TagSpecifications ?? []) {
      expect(spec.Tags).toEqual(
        expect.arrayContaining([
          { Key: TAG.buildId, Value: BUILD_ID },
          { Key: TAG.role, Value: 'worker' },
          { Key: 'team', Value: 'platform' },
        ]),
      );
    }
  });

  it('gives each instance its node’s Name by its launch index, only the Name, and returns every node, complete', async () => {
    const byToken = fakeRunInstances();
    const progress = await ensureNodes(clients, big, input());
    expect(progress).toMatchObject({ complete: true, generations: {}, unnamed: [] });
    const workersA = byToken.get(clientTokenFor(BUILD_ID, 'worker', [1, 4, 7, 10], 'ap-northeast-2a', 0)) as string[];
    expect(progress.nodes.find((node) => node.name === 'fin-k8s-dev-worker-7')).toEqual({
      name: 'fin-k8s-dev-worker-7',
      role: 'worker',
      az: 'ap-northeast-2a',
      instanceId: workersA[2],
      instanceType: 'm6i.xlarge',
      privateIp: '10.0.0.2',
      // For WaitUntilReady to know when to expect it ready without describing it.
      launchedAt: LAUNCH_TIME.toISOString(),
    });
    expect(names()).toHaveLength(17);
    expect(names()).toContainEqual({ Resources: [workersA[2]], Tags: [{ Key: 'Name', Value: 'fin-k8s-dev-worker-7' }] });
    expect(progress.nodes.map((node) => node.name).sort()).toEqual(big.nodes.map((node) => node.name).sort());
  });

  it('starts four launches at once and the others one per token the RunInstances bucket gives back (2 a second), on the step’s clock', async () => {
    fakeRunInstances();
    // 20 times real time: the 500 ms spacing takes 25 real ms.
    const origin = performance.now();
    const clock = { now: () => (performance.now() - origin) * 20 };
    const startedAt: number[] = [];
    ec2.on(RunInstancesCommand).callsFake((launch: RunInstancesCommandInput) => {
      startedAt.push(clock.now());
      return Promise.resolve({
        Instances: Array.from({ length: launch.MaxCount as number }, (_, AmiLaunchIndex) => ({
          InstanceId: `i-${startedAt.length}-${AmiLaunchIndex}`,
          AmiLaunchIndex,
        })),
      });
    });
    await ensureNodes(clients, big, { ...input(), clock });
    expect(startedAt).toHaveLength(6);
    expect(startedAt[4]).toBeGreaterThanOrEqual(500);
    expect(startedAt[5]).toBeGreaterThanOrEqual(1000);
  });

  it('launches a group of one under its node’s own Name, so it needs no CreateTags', async () => {
    fakeRunInstances();
    const progress = await ensureNodes(clients, seoulPlan(), input());
    expect(launches().map(nameTag)).toEqual(seoulPlan().nodes.map((node) => node.name));
    expect(names()).toHaveLength(0);
    expect(progress.complete).toBe(true);
  });

  it('launches nothing for what the state already holds, and launches no second instance when a repeat has lost the answer (same ClientTokens)', async () => {
    const byToken = fakeRunInstances();
    const first = await ensureNodes(clients, big, input());
    ec2.resetHistory();
    await expect(ensureNodes(clients, big, input(first))).resolves.toEqual(first);
    expect(ec2.calls()).toHaveLength(0);
    const repeat = await ensureNodes(clients, big, input());
    expect(byToken.size).toBe(6);
    expect(repeat.nodes.map((node) => node.instanceId).sort()).toEqual(first.nodes.map((node) => node.instanceId).sort());
  });

  it('moves a group without capacity to the next type in the state, without trying it in the same run', async () => {
    fakeRunInstances((launch) => (launch.InstanceType === 'm6i.xlarge' ? awsError('InsufficientInstanceCapacity', 500) : undefined));
    const first = await ensureNodes(clients, big, input());
    expect(first).toMatchObject({
      complete: false,
      generations: { 'worker/ap-northeast-2a': 1, 'worker/ap-northeast-2b': 1, 'worker/ap-northeast-2c': 1 },
    });
    expect(first.nodes.map((node) => node.role)).toEqual(Array(7).fill('control-plane'));
    expect(launches().filter((launch) => launch.InstanceType === 'm5.xlarge')).toHaveLength(0);
  });

  it('continues at the generation the state names in a fresh module (a retry in a new Lambda container), with that generation’s token', async () => {
    fakeRunInstances();
    const progress: NodesProgress = { complete: false, nodes: [], generations: { 'worker/ap-northeast-2b': 1 }, unnamed: [] };
    let fresh!: typeof import('../../../functions/resources/node-launch');
    const sdk = jest.requireActual<typeof import('@aws-sdk/client-ec2')>('@aws-sdk/client-ec2');
    jest.isolateModules(() => {
      // Our modules load afresh (nothing they could have kept survives); the SDK stays the mocked one.
      jest.doMock('@aws-sdk/client-ec2', () => sdk);
      fresh = jest.requireActual<typeof import('../../../functions/resources/node-launch')>('../../../functions/resources/node-launch');
    });
    const done = await fresh.ensureNodes(clients, big, input(progress));
    const workersB = launches().find((launch) => nameTag(launch) === 'fin-k8s-dev-worker-ap-northeast-2b');
    expect(workersB).toMatchObject({
      InstanceType: 'm5.xlarge',
      ClientToken: clientTokenFor(BUILD_ID, 'worker', [2, 5, 8], 'ap-northeast-2b', 1),
    });
    expect(done.nodes.filter((node) => node.az === 'ap-northeast-2b' && node.role === 'worker').map((node) => node.instanceType)).toEqual([
      'm5.xlarge',
      'm5.xlarge',
      'm5.xlarge',
    ]);
    expect(done.generations).toEqual({ 'worker/ap-northeast-2b': 1 });
  });

  it('throws InsufficientCapacity naming the group, zone and types once the state has moved past the last type', async () => {
    fakeRunInstances();
    const progress: NodesProgress = { complete: false, nodes: [], generations: { 'worker/ap-northeast-2c': 2 }, unnamed: [] };
    const first = await ensureNodes(clients, big, input(progress));
    expect(first.complete).toBe(false);
    const error = await ensureNodes(clients, big, input(first)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InsufficientCapacity);
    expect((error as Error).message).toContain(
      'fin-k8s-dev-worker-ap-northeast-2c: no capacity in ap-northeast-2c for instance types m6i.xlarge, m5.xlarge',
    );
  });

  it('hands on what it launched when a group fails part-way, and the next run launches only that group', async () => {
    let throttled = true;
    fakeRunInstances((launch) =>
      throttled && nameTag(launch) === 'fin-k8s-dev-worker-ap-northeast-2b' ? awsError('RequestLimitExceeded', 503) : undefined,
    );
    const first = await ensureNodes(clients, big, input());
    expect(first.complete).toBe(false);
    expect(first.nodes).toHaveLength(14);
    throttled = false;
    ec2.resetHistory();
    const second = await ensureNodes(clients, big, input(first));
    expect(launches().map(nameTag)).toEqual(['fin-k8s-dev-worker-ap-northeast-2b']);
    expect(second).toMatchObject({ complete: true });
    expect(second.nodes).toHaveLength(17);
  });

  it("records a group's terminal failure beside what the others launched, and the next run throws it before launching more", async () => {
    fakeRunInstances((launch) => (nameTag(launch) === 'fin-k8s-dev-worker-ap-northeast-2b' ? awsError('VcpuLimitExceeded') : undefined));
    const first = await ensureNodes(clients, big, input());
    expect(first).toMatchObject({ complete: false, failure: { error: 'QuotaExceeded' } });
    expect(first.failure?.message).toContain('VcpuLimitExceeded');
    expect(first.nodes).toHaveLength(14);
    ec2.resetHistory();
    await expect(ensureNodes(clients, big, input(first))).rejects.toBeInstanceOf(QuotaExceeded);
    expect(launches()).toEqual([]);
  });

  it.each([
    ['a throttle the SDK could not absorb', () => awsError('RequestLimitExceeded', 503), AwsThrottled],
    ['a full subnet (another type would not help)', () => awsError('InsufficientFreeAddressesInSubnet'), InsufficientCapacity],
    ['a missing permission', () => awsError('UnauthorizedOperation'), PermissionDenied],
  ])('throws when nothing moved, on %s', async (_case, failure, expected) => {
    fakeRunInstances(failure);
    await expect(ensureNodes(clients, big, input())).rejects.toBeInstanceOf(expected);
    expect(launches().every((launch) => launch.InstanceType !== 'm5.xlarge')).toBe(true);
  });

  it('throws a terminal failure rather than a retryable one when nothing moved', async () => {
    fakeRunInstances((launch) => (launch.MaxCount === 4 ? awsError('UnauthorizedOperation') : awsError('RequestLimitExceeded', 503)));
    await expect(ensureNodes(clients, big, input())).rejects.toBeInstanceOf(PermissionDenied);
  });

  it('keeps the ids of instances it could not name yet, names them in the next run, and throws if it cannot name any', async () => {
    fakeRunInstances();
    ec2.on(CreateTagsCommand).rejects(awsError('InvalidInstanceID.NotFound'));
    const first = await ensureNodes(clients, big, input());
    expect(first).toMatchObject({ complete: false });
    expect(first.nodes).toHaveLength(17);
    expect(first.unnamed).toHaveLength(17);
    await expect(ensureNodes(clients, big, input(first))).rejects.toBeInstanceOf(NotYetVisible);
    ec2.on(CreateTagsCommand).resolves({});
    ec2.resetHistory();
    await expect(ensureNodes(clients, big, input(first))).resolves.toMatchObject({ complete: true, unnamed: [] });
    expect(launches()).toHaveLength(0);
    expect(names()).toHaveLength(17);
  });

  it('reports AwsUnavailable (retryable: the same token finds the instances) when RunInstances answers with fewer than asked', async () => {
    ec2.on(RunInstancesCommand).resolves({ Instances: [] });
    await expect(ensureNodes(clients, big, input())).rejects.toBeInstanceOf(AwsUnavailable);
  });

  it('keeps the largest build state (107 nodes, carried twice over, plus the Parallel’s outputs) far under Step Functions’ 256 KB', async () => {
    fakeRunInstances();
    const largest = seoulPlan({ controlPlane: { count: 7 }, workers: { count: 100 } });
    const progress = await ensureNodes(clients, largest, input());
    const carried = { preflight: PREFLIGHT, network: NETWORK };
    const state = seoulState({
      ...carried,
      nodes: progress.nodes,
      readiness: {
        ready: true,
        waitSeconds: 0,
        pending: [],
        nodes: progress.nodes,
        bastion: { instanceId: 'i-b', allocationId: 'eipalloc-1', publicIp: '198.51.100.7' },
        loadBalancerState: 'active',
        loadBalancerCreatedAt: LAUNCH_TIME.toISOString(),
        checkingSince: LAUNCH_TIME.toISOString(),
      },
      targets: {
        registered: {
          api: progress.nodes.slice(0, 7).map((n) => n.instanceId),
          'ingress-80': progress.nodes.slice(7).map((n) => n.instanceId),
          'ingress-443': progress.nodes.slice(7).map((n) => n.instanceId),
        },
      },
      provisioned: [{ ...seoulState(carried), nodeLaunch: progress }, seoulState(carried), seoulState(carried)],
    });
    expect(Buffer.byteLength(JSON.stringify(state))).toBeLessThan(128 * 1024);
  });

  it('refuses to launch, before any call, when the network has no subnet for a group’s zone', async () => {
    fakeRunInstances();
    const network = { ...NETWORK, privateSubnetIds: { 'ap-northeast-2a': 'subnet-a' } };
    await expect(ensureNodes(clients, big, { imageId: IMAGE, network })).rejects.toBeInstanceOf(WorkflowContractError);
    expect(ec2.calls()).toHaveLength(0);
  });
});
