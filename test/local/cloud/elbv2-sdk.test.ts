/**
 * The unchanged SDK clients over HTTP against the embedded cloud: EC2 builds the network and nodes, ELBv2
 * the internal NLB in front of them. The cloud runs on a manual clock that only `cloud.clock.advance` moves,
 * so every state is asserted at an exact simulated instant, independent of machine speed.
 */
import * as ec2 from '@aws-sdk/client-ec2';
import * as elb from '@aws-sdk/client-elastic-load-balancing-v2';
import { EmbeddedCloud, startCloud } from '../../../local/cloud';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const region = 'ap-northeast-2';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const RHEL8 = 'ami-0a1b2c3d4e5f60810';
const LATENCY = {
  instancePendingToRunning: 15,
  instanceShuttingDownToTerminated: 45,
  nlbProvisioningToActive: 150,
  nlbEniLingerAfterDelete: 60,
};
/** ELBv2 learns of new EC2 subnets, groups and instances a few simulated seconds late (eventual consistency). */
const ELBV2_LAG = 5;

describe('elbv2 over HTTP with the real SDK clients', () => {
  let cloud: EmbeddedCloud;
  let e: ec2.EC2Client;
  let c: elb.ElasticLoadBalancingV2Client;

  beforeAll(async () => {
    cloud = await startCloud({ port: 0, clock: 'manual', throttling: false, latency: LATENCY });
    e = new ec2.EC2Client({ region, credentials, endpoint: cloud.url, maxAttempts: 1 });
    c = new elb.ElasticLoadBalancingV2Client({ region, credentials, endpoint: cloud.url, maxAttempts: 1 });
  });
  afterAll(async () => {
    e?.destroy();
    c?.destroy();
    await cloud?.close();
  });

  async function network() {
    const vpcId = (await e.send(new ec2.CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc!.VpcId!;
    const subnetIds: string[] = [];
    for (const [i, az] of ['a', 'b', 'c'].entries()) {
      const s = await e.send(
        new ec2.CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.0.${i * 16}.0/20`, AvailabilityZone: `${region}${az}` }),
      );
      subnetIds.push(s.Subnet!.SubnetId!);
    }
    const sgId = (await e.send(new ec2.CreateSecurityGroupCommand({ GroupName: 'nlb', Description: 'nlb', VpcId: vpcId }))).GroupId!;
    const instanceIds: string[] = [];
    for (const subnetId of subnetIds) {
      const r = await e.send(
        new ec2.RunInstancesCommand({ ImageId: RHEL8, InstanceType: 'm6i.large', MinCount: 1, MaxCount: 1, SubnetId: subnetId }),
      );
      instanceIds.push(r.Instances![0].InstanceId!);
    }
    return { vpcId, subnetIds, sgId, instanceIds };
  }

  it('creates an internal NLB whose ENIs block subnet deletion until they have lingered out', async () => {
    const { vpcId, subnetIds, sgId, instanceIds } = await network();
    cloud.clock.advance(ELBV2_LAG);
    const lb = (
      await c.send(
        new elb.CreateLoadBalancerCommand({
          Name: 'fin-k8s-dev',
          Type: 'network',
          Scheme: 'internal',
          SecurityGroups: [sgId],
          SubnetMappings: subnetIds.map((SubnetId) => ({ SubnetId })),
          Tags: [{ Key: 'k8s-ec2:build-id', Value: 'b-sdk' }],
        }),
      )
    ).LoadBalancers![0];
    expect(lb).toMatchObject({ VpcId: vpcId, Scheme: 'internal', Type: 'network', State: { Code: 'provisioning' } });
    expect(lb.DNSName).toMatch(/\.elb\.ap-northeast-2\.amazonaws\.com$/);

    const enis = (
      await e.send(
        new ec2.DescribeNetworkInterfacesCommand({
          Filters: [
            { Name: 'interface-type', Values: ['network_load_balancer'] },
            { Name: 'vpc-id', Values: [vpcId] },
          ],
        }),
      )
    ).NetworkInterfaces!;
    expect(enis.map((n) => n.SubnetId).sort()).toEqual([...subnetIds].sort());
    expect(enis.every((n) => n.Description === `ELB net/fin-k8s-dev/${lb.LoadBalancerArn!.split('/').pop()}`)).toBe(true);

    // Registration needs running instances: pending ones are refused, as in AWS.
    const tg = (
      await c.send(
        new elb.CreateTargetGroupCommand({
          Name: 'fin-k8s-dev-api',
          Protocol: 'TCP',
          Port: 6443,
          VpcId: vpcId,
          TargetType: 'instance',
          HealthCheckIntervalSeconds: 10,
          HealthyThresholdCount: 3,
        }),
      )
    ).TargetGroups![0];
    cloud.clock.advance(LATENCY.instancePendingToRunning - ELBV2_LAG); // the instances are running
    await c.send(new elb.RegisterTargetsCommand({ TargetGroupArn: tg.TargetGroupArn, Targets: instanceIds.map((Id) => ({ Id })) }));
    await c.send(
      new elb.CreateListenerCommand({
        LoadBalancerArn: lb.LoadBalancerArn,
        Protocol: 'TCP',
        Port: 6443,
        DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }],
      }),
    );
    const states = async () =>
      (await c.send(new elb.DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }))).TargetHealthDescriptions!.map(
        (d) => d.TargetHealth!.State,
      );
    const lbState = async () =>
      (await c.send(new elb.DescribeLoadBalancersCommand({ LoadBalancerArns: [lb.LoadBalancerArn!] }))).LoadBalancers![0].State!.Code;
    expect(await states()).toEqual(['initial', 'initial', 'initial']);
    cloud.clock.advance(ELBV2_LAG + LATENCY.nlbProvisioningToActive - LATENCY.instancePendingToRunning - 1);
    expect(await lbState()).toBe('provisioning');
    cloud.clock.advance(1); // 150 s after CreateLoadBalancer; health checks start now
    expect(await lbState()).toBe('active');
    cloud.clock.advance(3 * 10 - 1); // HealthyThresholdCount 3 × interval 10 s
    expect(await states()).toEqual(['initial', 'initial', 'initial']);
    cloud.clock.advance(1);
    expect(await states()).toEqual(['healthy', 'healthy', 'healthy']);
    expect(
      cloud
        .resources('b-sdk')
        .filter((r) => r.service === 'elbv2')
        .map((r) => r.type),
    ).toEqual(['load-balancer', 'listener']);

    await c.send(new elb.DeleteLoadBalancerCommand({ LoadBalancerArn: lb.LoadBalancerArn }));
    await expect(c.send(new elb.DescribeLoadBalancersCommand({ Names: ['fin-k8s-dev'] }))).rejects.toBeInstanceOf(
      elb.LoadBalancerNotFoundException,
    );
    await c.send(new elb.DeleteTargetGroupCommand({ TargetGroupArn: tg.TargetGroupArn }));
    await e.send(new ec2.TerminateInstancesCommand({ InstanceIds: instanceIds }));
    // Terminated instances are gone after shutting-down (45 s); the NLB's ENIs linger 60 s, so the subnet cannot go yet.
    cloud.clock.advance(LATENCY.instanceShuttingDownToTerminated);
    const left = (await e.send(new ec2.DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'subnet-id', Values: [subnetIds[0]] }] })))
      .NetworkInterfaces!;
    expect(left.map((n) => n.InterfaceType)).toEqual(['network_load_balancer']);
    await expect(e.send(new ec2.DeleteSubnetCommand({ SubnetId: subnetIds[0] }))).rejects.toMatchObject({ name: 'DependencyViolation' });
    cloud.clock.advance(LATENCY.nlbEniLingerAfterDelete - LATENCY.instanceShuttingDownToTerminated);
    await e.send(new ec2.DeleteSubnetCommand({ SubnetId: subnetIds[0] }));
  });

  it('rejects a pending instance and reports AWS error codes through the SDK', async () => {
    const { vpcId, subnetIds } = await network();
    const tg = (await c.send(new elb.CreateTargetGroupCommand({ Name: 'pending-tg', Protocol: 'TCP', Port: 80, VpcId: vpcId })))
      .TargetGroups![0];
    const r = await e.send(
      new ec2.RunInstancesCommand({ ImageId: RHEL8, InstanceType: 'm6i.large', MinCount: 1, MaxCount: 1, SubnetId: subnetIds[1] }),
    );
    cloud.clock.advance(ELBV2_LAG); // known to ELBv2, still pending
    await expect(
      c.send(new elb.RegisterTargetsCommand({ TargetGroupArn: tg.TargetGroupArn, Targets: [{ Id: r.Instances![0].InstanceId }] })),
    ).rejects.toBeInstanceOf(elb.InvalidTargetException);
    await expect(
      c.send(
        new elb.CreateLoadBalancerCommand({ Name: 'bad', Type: 'network', Scheme: 'internal', Subnets: ['subnet-00000000000000000'] }),
      ),
    ).rejects.toBeInstanceOf(elb.SubnetNotFoundException);
    const limits = (await c.send(new elb.DescribeAccountLimitsCommand({}))).Limits!;
    expect(limits).toContainEqual({ Name: 'network-load-balancers', Max: '50' });
  });
});
