import { DescribeInstancesCommand, DescribeVolumesCommand, RunInstancesCommand, type Instance } from '@aws-sdk/client-ec2';
import fc from 'fast-check';
import { InvalidSpec, NotYetVisible } from '../../../functions/core/errors';
import type { NodePlan } from '../../../functions/core/plan';
import { TAG, toTagList } from '../../../functions/core/tags';
import {
  clientTokenFor,
  describeInstancesById,
  describeNodes,
  runInstances,
  type LaunchRequest,
} from '../../../functions/resources/instances';
import { awsError, mockAws } from '../../fixtures/aws';
import { BUILD_ID, seoulPlan } from '../../fixtures/build';

const { ec2, clients } = mockAws();

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

describe('clientTokenFor', () => {
  it('is deterministic, at most 64 ASCII characters, and names the first instance and the generation', () => {
    const token = clientTokenFor(BUILD_ID, 'control-plane', [3, 6], 'ap-northeast-2c', 1);
    expect(token).toBe(clientTokenFor(BUILD_ID, 'control-plane', [3, 6], 'ap-northeast-2c', 1));
    expect(token).toMatch(/^control-plane-3-g1-[0-9a-f]{40}$/);
    expect(token.length).toBeLessThanOrEqual(64);
  });

  it('for one instance, hashes what it hashed before launches were grouped (so a launch repeated across the upgrade finds its instance)', () => {
    expect(clientTokenFor(BUILD_ID, 'bastion', [1], 'ap-northeast-2a', 0)).toBe('bastion-1-g0-dfe1d166c882f472d028059b6b109db74d5948f8');
  });

  type TokenArgs = Parameters<typeof clientTokenFor>;
  it.each<[string, TokenArgs]>([
    ['build id', ['other-build', 'worker', [1, 4], 'ap-northeast-2a', 0]],
    ['role', [BUILD_ID, 'control-plane', [1, 4], 'ap-northeast-2a', 0]],
    ['instances', [BUILD_ID, 'worker', [1, 4, 7], 'ap-northeast-2a', 0]],
    ['zone', [BUILD_ID, 'worker', [1, 4], 'ap-northeast-2b', 0]],
    ['generation', [BUILD_ID, 'worker', [1, 4], 'ap-northeast-2a', 1]],
  ])('changes when the %s changes', (_part, args) => {
    expect(clientTokenFor(...args)).not.toBe(clientTokenFor(BUILD_ID, 'worker', [1, 4], 'ap-northeast-2a', 0));
  });

  it('stays within AWS’s limit for any build id the workflow accepts', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9_-]{1,80}$/),
        fc.constantFrom('control-plane', 'worker', 'bastion'),
        fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 100 }),
        fc.integer({ min: 0, max: 4 }),
        (buildId, role, indices, generation) => {
          const token = clientTokenFor(buildId, role, indices, 'ap-northeast-2a', generation);
          return token.length <= 64 && /^[\x20-\x7e]+$/.test(token);
        },
      ),
    );
  });
});

describe('describeNodes', () => {
  it('returns state, addresses, metadata options and volume encryption of our nodes only', async () => {
    const stranger = described(plan.nodes[1], 'i-stranger', 'running', { Tags: [{ Key: TAG.buildId, Value: 'someone-else' }] });
    ec2.on(DescribeInstancesCommand).resolves(
      reservation(
        described(plan.nodes[0], 'i-cp1', 'running', {
          PublicIpAddress: undefined,
          SubnetId: 'subnet-a',
          SecurityGroups: [{ GroupId: 'sg-cp' }],
          MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 2 },
          BlockDeviceMappings: [{ DeviceName: '/dev/sda1', Ebs: { VolumeId: 'vol-1' } }],
        }),
        stranger,
      ),
    );
    ec2.on(DescribeVolumesCommand).resolves({
      Volumes: [
        { VolumeId: 'vol-1', Encrypted: true, VolumeType: 'gp3', Size: 50, Attachments: [{ InstanceId: 'i-cp1', Device: '/dev/sda1' }] },
      ],
    });
    const nodes = await describeNodes(clients, BUILD_ID);
    expect(nodes).toHaveLength(1);
    expect(nodes[0]).toMatchObject({
      instanceId: 'i-cp1',
      name: 'fin-k8s-dev-cp-1',
      role: 'control-plane',
      state: 'running',
      privateIp: '10.0.1.10',
      publicIp: undefined,
      subnetId: 'subnet-a',
      securityGroupIds: ['sg-cp'],
      metadata: { httpTokens: 'required', httpEndpoint: 'enabled', hopLimit: 2 },
      volumes: [{ volumeId: 'vol-1', deviceName: '/dev/sda1', encrypted: true, volumeType: 'gp3', sizeGiB: 50 }],
    });
    expect(ec2.commandCalls(DescribeVolumesCommand)[0].args[0].input.Filters).toEqual([
      { Name: 'attachment.instance-id', Values: ['i-cp1'] },
    ]);
  });

  it('does not ask for volumes when there are no nodes', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    await expect(describeNodes(clients, BUILD_ID)).resolves.toEqual([]);
    expect(ec2.commandCalls(DescribeVolumesCommand)).toHaveLength(0);
  });
});

describe('describeInstancesById', () => {
  it('describes the given ids, whatever their tags', async () => {
    ec2.on(DescribeInstancesCommand, { InstanceIds: ['i-cp1'] }).resolves(reservation(described(plan.nodes[0], 'i-cp1', 'pending')));
    await expect(describeInstancesById(clients, ['i-cp1'])).resolves.toEqual([
      expect.objectContaining({ instanceId: 'i-cp1', state: 'pending', name: 'fin-k8s-dev-cp-1' }),
    ]);
  });

  it('reads InvalidInstanceID.NotFound as "not visible yet" (retried), never as "gone"', async () => {
    ec2.on(DescribeInstancesCommand).rejects(awsError('InvalidInstanceID.NotFound'));
    await expect(describeInstancesById(clients, ['i-new'])).rejects.toBeInstanceOf(NotYetVisible);
  });

  it('asks nothing for no ids', async () => {
    await expect(describeInstancesById(clients, [])).resolves.toEqual([]);
    expect(ec2.calls()).toHaveLength(0);
  });
});

describe('runInstances with the nodes’ instance profile (a build without a bastion)', () => {
  const PROFILE_ARN = 'arn:aws:iam::123456789012:instance-profile/k8s-ec2-builder/fin-k8s-dev-ssm-0a1b2c3d';
  const request = (extra: Partial<LaunchRequest> = {}): LaunchRequest => ({
    buildId: BUILD_ID,
    role: 'worker',
    indices: [3],
    name: 'fin-k8s-dev-worker-1',
    az: 'ap-northeast-2a',
    subnetId: 'subnet-a',
    securityGroupId: 'sg-workers',
    keyName: 'fin-k8s-key',
    imageId: 'ami-0123456789abcdef0',
    instanceTypes: ['m6i.xlarge'],
    hopLimit: 2,
    tags: plan.nodes[3].tags,
    ...extra,
  });
  /** EC2's InvalidParameterValue, whose message says which parameter it refused. */
  const invalidParameter = (message: string) => Object.assign(awsError('InvalidParameterValue'), { message });
  const profileNotKnown = () =>
    invalidParameter(`Value (${PROFILE_ARN}) for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN`);

  it('launches with the profile when the request has one, and with none otherwise', async () => {
    ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-wk1', AmiLaunchIndex: 0 }] });
    await runInstances(clients, request({ instanceProfileArn: PROFILE_ARN }), 0);
    await runInstances(clients, request(), 0);
    const [withProfile, without] = ec2.commandCalls(RunInstancesCommand).map((c) => c.args[0].input);
    expect(withProfile.IamInstanceProfile).toEqual({ Arn: PROFILE_ARN });
    expect(without).not.toHaveProperty('IamInstanceProfile');
  });

  it.each([
    ['ARN', profileNotKnown],
    ['name', () => invalidParameter('Invalid IAM Instance Profile name')],
  ])('reads EC2 refusing the just-made profile’s %s as not visible yet (retried), not as a bad spec', async (_what, error) => {
    ec2.on(RunInstancesCommand).rejects(error());
    const thrown = await runInstances(clients, request({ instanceProfileArn: PROFILE_ARN }), 0).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(NotYetVisible);
    expect((thrown as NotYetVisible).retryable).toBe(true);
    expect((thrown as Error).message).toContain(PROFILE_ARN);
  });

  it.each([
    [
      'about another parameter, with a profile',
      { instanceProfileArn: PROFILE_ARN },
      () => invalidParameter('Value (sg-x) for parameter groupId is invalid.'),
    ],
    ['about a profile the request did not send', {}, profileNotKnown],
  ])('keeps any other InvalidParameterValue (%s) terminal: InvalidSpec', async (_case, extra, error) => {
    ec2.on(RunInstancesCommand).rejects(error());
    await expect(runInstances(clients, request(extra), 0)).rejects.toBeInstanceOf(InvalidSpec);
  });
});
