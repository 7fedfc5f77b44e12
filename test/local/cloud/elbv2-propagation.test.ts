/**
 * ELBv2 sees subnets, security groups and instances that EC2 has just created only after
 * `latency.elbv2SeesNewEc2ResourcesAfter` simulated seconds (local/cloud/ec2/elbv2-view.ts): before, it answers
 * as for an unknown ID; after, the same request succeeds. The harness clock is manual, so each side of the
 * window is asserted at an exact instant.
 */
import * as E from '@aws-sdk/client-ec2';
import * as elb from '@aws-sdk/client-elastic-load-balancing-v2';
import { codeOf, NotYetVisible, translateAwsError } from '../../../functions/core/errors';
import { DEFAULT_LATENCY } from '../../../local/cloud';
import { network, runInput } from './fixtures';
import { Harness, rejection, startHarness, stopHarness } from './helpers';

const WINDOW = 30;
/** Longer than pending → running, so an instance can be running in EC2 and still unknown to ELBv2. */
const PENDING = 15;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ throttling: false, latency: { elbv2SeesNewEc2ResourcesAfter: WINDOW, instancePendingToRunning: PENDING } });
});
afterAll(() => stopHarness(h));
afterEach(() => h.cloud.reset());

const createNlb = (subnetId: string, groupId: string) =>
  h.elbv2.send(
    new elb.CreateLoadBalancerCommand({
      Name: 'nlb-fresh',
      Type: 'network',
      Scheme: 'internal',
      Subnets: [subnetId],
      SecurityGroups: [groupId],
    }),
  );

/** The AWS code as the product reads it, and the class the product gives it. */
const asProductSeesIt = (err: unknown) => [codeOf(err), (translateAwsError(err, 'op') as Error).constructor];

it('is on by default, a few seconds long', () => {
  expect(DEFAULT_LATENCY.elbv2SeesNewEc2ResourcesAfter).toBeGreaterThan(0);
  expect(DEFAULT_LATENCY.elbv2SeesNewEc2ResourcesAfter).toBeLessThanOrEqual(10);
});

it('refuses a just-created subnet with SubnetNotFound until the window has passed, while EC2 already shows it', async () => {
  const { subnetId, groupId } = await network(h.ec2, 'b-subnet');
  expect((await h.ec2.send(new E.DescribeSubnetsCommand({ SubnetIds: [subnetId] }))).Subnets).toHaveLength(1);
  h.cloud.clock.advance(WINDOW - 1);
  const err = await rejection(createNlb(subnetId, groupId));
  expect([err.name, err.$metadata.httpStatusCode]).toEqual(['SubnetNotFoundException', 400]);
  expect(err.message).toContain(subnetId);
  expect(asProductSeesIt(err)).toEqual(['SubnetNotFound', NotYetVisible]);
  h.cloud.clock.advance(1);
  const lb = (await createNlb(subnetId, groupId)).LoadBalancers![0];
  expect(lb.AvailabilityZones?.map((z) => z.SubnetId)).toEqual([subnetId]);
});

it('refuses a just-created security group with InvalidSecurityGroup until the window has passed', async () => {
  const { vpcId, subnetId } = await network(h.ec2, 'b-group');
  h.cloud.clock.advance(WINDOW); // the subnet is known to ELBv2 by now; the group below is new
  const groupId = (await h.ec2.send(new E.CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: 'nlb', Description: 'nlb' }))).GroupId!;
  h.cloud.clock.advance(WINDOW - 1);
  const err = await rejection(createNlb(subnetId, groupId));
  expect([err.name, err.$metadata.httpStatusCode]).toEqual(['InvalidSecurityGroupException', 400]);
  expect(err.message).toContain(groupId);
  expect(asProductSeesIt(err)).toEqual(['InvalidSecurityGroup', NotYetVisible]);
  h.cloud.clock.advance(1);
  expect((await createNlb(subnetId, groupId)).LoadBalancers![0].SecurityGroups).toEqual([groupId]);
});

it('refuses a just-launched instance with InvalidTarget even once EC2 reports it running, until the window has passed', async () => {
  const { vpcId, subnetId, groupId } = await network(h.ec2, 'b-target');
  const tgArn = (
    await h.elbv2.send(
      new elb.CreateTargetGroupCommand({ Name: 'tg-fresh', Protocol: 'TCP', Port: 6443, VpcId: vpcId, TargetType: 'instance' }),
    )
  ).TargetGroups![0].TargetGroupArn!;
  const instanceId = (await h.ec2.send(new E.RunInstancesCommand(runInput(subnetId, groupId)))).Instances![0].InstanceId!;
  const register = () => h.elbv2.send(new elb.RegisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: instanceId }] }));
  h.cloud.clock.advance(WINDOW - 1);
  const state = (await h.ec2.send(new E.DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations![0].Instances![0].State!
    .Name;
  expect(state).toBe('running');
  const err = await rejection(register());
  expect([err.name, err.$metadata.httpStatusCode]).toEqual(['InvalidTargetException', 400]);
  expect(err.message).toContain('not valid instances');
  expect(codeOf(err)).toBe('InvalidTarget'); // NotYetVisible only where the product rules out its other causes (targets.ts)
  expect(err.message).toContain(instanceId);
  h.cloud.clock.advance(1);
  await register();
  const health = (await h.elbv2.send(new elb.DescribeTargetHealthCommand({ TargetGroupArn: tgArn }))).TargetHealthDescriptions!;
  expect(health.map((d) => d.Target?.Id)).toEqual([instanceId]);
});

it('turns off with a window of 0', async () => {
  const off = await startHarness({ throttling: false, latency: { elbv2SeesNewEc2ResourcesAfter: 0 } });
  try {
    const { subnetId, groupId } = await network(off.ec2, 'b-off');
    await off.elbv2.send(
      new elb.CreateLoadBalancerCommand({
        Name: 'nlb-now',
        Type: 'network',
        Scheme: 'internal',
        Subnets: [subnetId],
        SecurityGroups: [groupId],
      }),
    );
  } finally {
    await stopHarness(off);
  }
});
