/** Instance lifecycle from the simulated clock, ClientToken idempotency, launch validation. */
import * as E from '@aws-sdk/client-ec2';
import { BUILD_TAG, network, runInput, tagSpec } from './fixtures';
import { Harness, rejection, startHarness, stopHarness } from './helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    latency: { instancePendingToRunning: 15, statusChecksInitializingToOk: 150, instanceShuttingDownToTerminated: 45 },
  });
});
afterAll(() => stopHarness(h));
afterEach(() => h.cloud.reset());

const describe1 = async (id: string) =>
  (await h.ec2.send(new E.DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0].Instances![0];
const status1 = async (id: string) =>
  (await h.ec2.send(new E.DescribeInstanceStatusCommand({ InstanceIds: [id], IncludeAllInstances: true }))).InstanceStatuses![0];

describe('instances', () => {
  it('goes pending → running → status ok, then shutting-down → terminated', async () => {
    const { subnetId, groupId } = await network(h.ec2);
    const run = await h.ec2.send(new E.RunInstancesCommand(runInput(subnetId, groupId)));
    const id = run.Instances![0].InstanceId!;
    expect(id).toMatch(/^i-[0-9a-f]{17}$/);
    expect(run.ReservationId).toMatch(/^r-[0-9a-f]{17}$/);
    expect(run.Instances![0].State).toEqual({ Code: 0, Name: 'pending' });
    const hidden = await h.ec2.send(new E.DescribeInstanceStatusCommand({ InstanceIds: [id] }));
    expect(hidden.InstanceStatuses).toEqual([]); // only running instances without IncludeAllInstances

    h.cloud.clock.advance(14.999);
    expect((await describe1(id)).State?.Name).toBe('pending');
    h.cloud.clock.advance(0.001); // 15 simulated seconds after launch
    expect((await describe1(id)).State?.Name).toBe('running');
    expect((await status1(id)).InstanceStatus?.Status).toBe('initializing');

    h.cloud.clock.advance(149.999);
    expect((await status1(id)).InstanceStatus?.Status).toBe('initializing');
    h.cloud.clock.advance(0.001); // 150 simulated seconds of status checks
    const ok = await status1(id);
    expect([ok.InstanceStatus?.Status, ok.SystemStatus?.Status]).toEqual(['ok', 'ok']);

    const term = await h.ec2.send(new E.TerminateInstancesCommand({ InstanceIds: [id] }));
    expect(term.TerminatingInstances?.[0]).toMatchObject({ PreviousState: { Name: 'running' }, CurrentState: { Name: 'shutting-down' } });
    h.cloud.clock.advance(44.999);
    expect((await describe1(id)).State?.Name).toBe('shutting-down');
    h.cloud.clock.advance(0.001); // 45 simulated seconds
    expect((await describe1(id)).State?.Name).toBe('terminated');
    const running = await h.ec2.send(
      new E.DescribeInstancesCommand({ Filters: [{ Name: 'instance-state-name', Values: ['pending', 'running'] }] }),
    );
    expect(running.Reservations).toEqual([]);
  });

  it('launches with the requested metadata options, encrypted volumes, private IPs from the subnet and no public IP', async () => {
    const { subnetId, groupId } = await network(h.ec2);
    const run = await h.ec2.send(
      new E.RunInstancesCommand(
        runInput(subnetId, groupId, {
          MinCount: 2,
          MaxCount: 2,
          MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled' },
          BlockDeviceMappings: [{ DeviceName: '/dev/sda1', Ebs: { VolumeSize: 50, VolumeType: 'gp3', Encrypted: true } }],
          TagSpecifications: [tagSpec('instance', { [BUILD_TAG]: 'b-1', Name: 'cp-1' }), tagSpec('volume', { [BUILD_TAG]: 'b-1' })],
        }),
      ),
    );
    const [a, b] = run.Instances!;
    expect(a.MetadataOptions?.HttpTokens).toBe('required');
    expect(a.PrivateIpAddress).toMatch(/^10\.0\.1\.\d+$/);
    expect(a.PrivateIpAddress).not.toBe(b.PrivateIpAddress);
    expect(a.PublicIpAddress).toBeUndefined();
    expect(a.Placement?.AvailabilityZone).toBe('ap-northeast-2a');
    expect(a.SecurityGroups?.map((g) => g.GroupId)).toEqual([groupId]);
    expect(a.Tags).toEqual(expect.arrayContaining([{ Key: 'Name', Value: 'cp-1' }]));
    const { Volumes } = await h.ec2.send(
      new E.DescribeVolumesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: [a.InstanceId!] }] }),
    );
    expect(Volumes?.map((v) => [v.Encrypted, v.VolumeType, v.Size])).toEqual([[true, 'gp3', 50]]);
    expect(Volumes?.[0].Tags).toEqual([{ Key: BUILD_TAG, Value: 'b-1' }]);
    const byTag = await h.ec2.send(
      new E.DescribeInstancesCommand({
        Filters: [
          { Name: `tag:${BUILD_TAG}`, Values: ['b-1'] },
          { Name: 'subnet-id', Values: [subnetId] },
        ],
      }),
    );
    expect(byTag.Reservations?.[0].Instances).toHaveLength(2);
  });

  it('returns the same reservation for a repeated ClientToken and rejects a changed request', async () => {
    const { subnetId, groupId } = await network(h.ec2);
    const input = runInput(subnetId, groupId, { ClientToken: 'b-1-cp-1-gen0' });
    const first = await h.ec2.send(new E.RunInstancesCommand(input));
    const second = await h.ec2.send(new E.RunInstancesCommand(input));
    expect(second.ReservationId).toBe(first.ReservationId);
    expect(second.Instances?.map((i) => i.InstanceId)).toEqual(first.Instances?.map((i) => i.InstanceId));
    const all = await h.ec2.send(new E.DescribeInstancesCommand({}));
    expect(all.Reservations?.flatMap((r) => r.Instances)).toHaveLength(1);
    const err = await rejection(h.ec2.send(new E.RunInstancesCommand({ ...input, InstanceType: 'm5.large' })));
    expect(err.name).toBe('IdempotentParameterMismatch');
    expect(err.$metadata.httpStatusCode).toBe(400);
  });

  it.each([
    ['an instance type not offered in the AZ', { InstanceType: 'm6i.metal' }, 'Unsupported'],
    ['an unknown AMI', { ImageId: 'ami-0123456789abcdef0' }, 'InvalidAMIID.NotFound'],
    ['a missing key pair', { KeyName: 'nope' }, 'InvalidKeyPair.NotFound'],
    ['more vCPUs than the quota', { InstanceType: 'm6i.4xlarge', MinCount: 5, MaxCount: 5 }, 'VcpuLimitExceeded'],
  ])('rejects %s', async (_what, extra, code) => {
    const { subnetId, groupId } = await network(h.ec2, 'b-1', 'ap-northeast-2b');
    const err = await rejection(
      h.ec2.send(new E.RunInstancesCommand(runInput(subnetId, groupId, extra as Partial<E.RunInstancesCommandInput>))),
    );
    expect(err.name).toBe(code);
  });

  it("lists a build's live resources across services, without terminated instances", async () => {
    const { subnetId, groupId } = await network(h.ec2, 'b-9');
    const run = await h.ec2.send(
      new E.RunInstancesCommand(runInput(subnetId, groupId, { TagSpecifications: [tagSpec('instance', { [BUILD_TAG]: 'b-9' })] })),
    );
    expect(
      h.cloud
        .resources('b-9')
        .map((r) => `${r.service}:${r.type}`)
        .sort(),
    ).toEqual(['ec2:instance', 'ec2:security-group', 'ec2:subnet', 'ec2:vpc']);
    await h.ec2.send(new E.TerminateInstancesCommand({ InstanceIds: [run.Instances![0].InstanceId!] }));
    expect(h.cloud.resources('b-9').map((r) => r.type)).toContain('instance'); // shutting-down is still live
    h.cloud.clock.advance(45);
    expect(h.cloud.resources('b-9').map((r) => r.type)).not.toContain('instance');
  });

  it('keeps a volume launched with DeleteOnTermination false past termination, detached (available)', async () => {
    const { subnetId, groupId } = await network(h.ec2);
    const run = await h.ec2.send(
      new E.RunInstancesCommand(
        runInput(subnetId, groupId, {
          BlockDeviceMappings: [{ DeviceName: '/dev/sda1', Ebs: { VolumeSize: 20, DeleteOnTermination: false } }],
          TagSpecifications: [tagSpec('volume', { [BUILD_TAG]: 'b-1' })],
        }),
      ),
    );
    const id = run.Instances![0].InstanceId!;
    const volume = async () => {
      const { Volumes } = await h.ec2.send(new E.DescribeVolumesCommand({ Filters: [{ Name: `tag:${BUILD_TAG}`, Values: ['b-1'] }] }));
      return Volumes?.map((v) => [v.State, v.Attachments?.map((a) => a.InstanceId)]);
    };
    expect(await volume()).toEqual([['in-use', [id]]]);

    await h.ec2.send(new E.TerminateInstancesCommand({ InstanceIds: [id] }));
    h.cloud.clock.advance(45);
    expect(await volume()).toEqual([['available', []]]);
    const detached = await h.ec2.send(new E.DescribeVolumesCommand({ Filters: [{ Name: 'status', Values: ['available'] }] }));
    expect(detached.Volumes).toHaveLength(1);
  });

  it('tags and untags existing resources and finds them with DescribeTags', async () => {
    const { vpcId } = await network(h.ec2);
    await h.ec2.send(new E.CreateTagsCommand({ Resources: [vpcId], Tags: [{ Key: 'team', Value: 'platform' }] }));
    const { Tags } = await h.ec2.send(
      new E.DescribeTagsCommand({
        Filters: [
          { Name: 'resource-id', Values: [vpcId] },
          { Name: 'key', Values: ['team'] },
        ],
      }),
    );
    expect(Tags).toEqual([{ ResourceId: vpcId, ResourceType: 'vpc', Key: 'team', Value: 'platform' }]);
    await h.ec2.send(new E.DeleteTagsCommand({ Resources: [vpcId], Tags: [{ Key: 'team' }] }));
    const after = await h.ec2.send(new E.DescribeVpcsCommand({ Filters: [{ Name: 'tag-key', Values: ['team'] }] }));
    expect(after.Vpcs).toEqual([]);
  });
});
