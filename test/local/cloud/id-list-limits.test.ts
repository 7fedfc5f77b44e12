/**
 * Calls that take a bounded list of IDs, as documented, and the product staying within them:
 * - EC2 DescribeInstanceStatus: "Maximum 100 explicitly specified instance IDs"
 *   (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstanceStatus.html), more is InvalidRequest;
 * - ELBv2 DescribeTags: "up to 20 resources in a single call" (API_DescribeTags.html);
 * - ELBv2 DescribeLoadBalancers: "up to 20 load balancers" by ARN (API_DescribeLoadBalancers.html); names have no stated limit.
 */
import * as E from '@aws-sdk/client-ec2';
import * as elb from '@aws-sdk/client-elastic-load-balancing-v2';
import { describeStatusChecks } from '../../../functions/resources/instance-status';
import { MANAGED_BY, TAG } from '../../../functions/core/tags';
import { ownedArns } from '../../../functions/resources/elb-owned';
import { QUOTA_CODES } from '../../../local/cloud';
import { network, runInput } from './fixtures';
import { Harness, rejection, startHarness, stopHarness } from './helpers';

let h: Harness;
// The largest build has 108 instances (7 control planes, 100 workers, the bastion): 216 t3.micro vCPUs. The
// token buckets are off: dozens of CreateTargetGroup calls would only wait for refills.
beforeAll(async () => {
  h = await startHarness({ throttling: false, quotas: { [QUOTA_CODES.onDemandStandardVcpus]: 1000 } });
});
afterAll(() => stopHarness(h));
afterEach(() => h.cloud.reset());

/** Our tags when `ours`, another build's otherwise (what ownedArns tells apart). */
const tags = (buildId: string, ours: boolean) => [
  { Key: TAG.buildId, Value: ours ? buildId : 'another-build' },
  { Key: TAG.managedBy, Value: MANAGED_BY },
];

async function launch(count: number): Promise<string[]> {
  const { subnetId, groupId } = await network(h.ec2);
  const run = await h.ec2.send(new E.RunInstancesCommand(runInput(subnetId, groupId, { MinCount: count, MaxCount: count })));
  return run.Instances!.map((i) => i.InstanceId!);
}

async function targetGroups(count: number, buildId: string): Promise<string[]> {
  const { vpcId } = await network(h.ec2);
  const arns: string[] = [];
  for (let i = 0; i < count; i++) {
    const out = await h.elbv2.send(
      new elb.CreateTargetGroupCommand({
        Name: `tg-${i}`,
        Protocol: 'TCP',
        Port: 30000 + i,
        VpcId: vpcId,
        TargetType: 'instance',
        Tags: tags(buildId, i % 2 === 1),
      }),
    );
    arns.push(out.TargetGroups![0].TargetGroupArn!);
  }
  return arns;
}

describe('DescribeInstanceStatus instance IDs', () => {
  it('answers for 100 explicit IDs and refuses 101 with InvalidRequest in AWS’s words', async () => {
    const ids = await launch(101);
    const hundred = await h.ec2.send(new E.DescribeInstanceStatusCommand({ InstanceIds: ids.slice(0, 100), IncludeAllInstances: true }));
    expect(hundred.InstanceStatuses).toHaveLength(100);
    const err = await rejection(h.ec2.send(new E.DescribeInstanceStatusCommand({ InstanceIds: ids, IncludeAllInstances: true })));
    expect([err.name, err.$metadata.httpStatusCode]).toEqual(['InvalidRequest', 400]);
    expect(err.message).toBe(
      '101 exceeds the maximum number of instance IDs that can be specificied (100). Please specify fewer than 100 instance IDs.',
    );
  });

  it('counts the IDs before looking them up', async () => {
    const unknown = Array.from({ length: 101 }, (_, i) => `i-${String(i).padStart(17, '0')}`);
    expect((await rejection(h.ec2.send(new E.DescribeInstanceStatusCommand({ InstanceIds: unknown })))).name).toBe('InvalidRequest');
  });

  it('is asked in batches by the product, which reads all 108 instances of the largest build', async () => {
    const ids = await launch(108);
    const checks = await describeStatusChecks(h, ids);
    expect([...checks.keys()].sort()).toEqual([...ids].sort());
  });
});

describe('ELBv2 ARN lists', () => {
  it('DescribeTags answers for 20 ARNs and refuses 21 with ValidationError', async () => {
    const arns = await targetGroups(21, 'b-1');
    const twenty = await h.elbv2.send(new elb.DescribeTagsCommand({ ResourceArns: arns.slice(0, 20) }));
    expect(twenty.TagDescriptions).toHaveLength(20);
    expect((await rejection(h.elbv2.send(new elb.DescribeTagsCommand({ ResourceArns: arns })))).name).toBe('ValidationError');
  });

  it('DescribeTags is asked in batches by the product, which finds its own among 41 target groups', async () => {
    const arns = await targetGroups(41, 'b-1');
    const owned = await ownedArns(h, arns, 'b-1');
    expect([...owned].sort()).toEqual(arns.filter((_, i) => i % 2).sort());
  });

  it.each<[string, elb.DescribeLoadBalancersCommandInput, string]>([
    [
      '21 ARNs are refused',
      {
        LoadBalancerArns: Array.from(
          { length: 21 },
          (_, i) => `arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:loadbalancer/net/lb-${i}/0123456789abcdef`,
        ),
      },
      'ValidationError',
    ],
    [
      '21 names are looked up (no count limit)',
      { Names: Array.from({ length: 21 }, (_, i) => `lb-${i}`) },
      'LoadBalancerNotFoundException',
    ],
  ])('DescribeLoadBalancers: %s', async (_what, input, code) => {
    expect((await rejection(h.elbv2.send(new elb.DescribeLoadBalancersCommand(input)))).name).toBe(code);
  });
});
