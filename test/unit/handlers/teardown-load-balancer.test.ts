import {
  DeleteLoadBalancerCommand,
  DeleteTargetGroupCommand,
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DeleteNatGatewayCommand, DescribeNatGatewaysCommand, ReleaseAddressCommand } from '@aws-sdk/client-ec2';
import { ResourceNotReady } from '../../../functions/core/errors';
import { TAG, toTagList } from '../../../functions/core/tags';
import { handler as defaultHandler } from '../../../functions/handlers/teardown-load-balancer';
import { elbTags } from '../../../functions/resources/elb-owned';
import { awsError, loadBalancerNotFound, mockAws, targetGroupNotFound } from '../../fixtures/aws';
import { seoulPlan, seoulSpec, seoulState } from '../../fixtures/build';
import { LB_ARN, tgArn } from '../../fixtures/ids';

const ec2Mock = mockAws();
const { elbv2 } = ec2Mock;
const plan = seoulPlan();
const tgArns = plan.targetGroups.map((tg) => tgArn(tg.name));
/** The step's clock: the times it records are read on it. */
const NOW = Date.parse('2026-11-25T10:00:00Z');
const handler = defaultHandler.withDependencies({ clock: { now: () => NOW } });

function givenNothing(): void {
  elbv2.on(DescribeLoadBalancersCommand).rejects(loadBalancerNotFound());
  elbv2.on(DescribeTargetGroupsCommand).rejects(targetGroupNotFound());
}
/**
 * Every resource exists (`buildId` is the build its tags name); deletes remove them, as AWS would: the NLB's
 * listeners go with it, and a target group a listener still forwards to answers ResourceInUse.
 */
function givenEverything(buildId = plan.buildId): void {
  const groups = new Set(tgArns);
  let loadBalancer = true;
  elbv2.on(DescribeLoadBalancersCommand).callsFake(() => {
    if (!loadBalancer) throw loadBalancerNotFound();
    return { LoadBalancers: [{ LoadBalancerArn: LB_ARN, LoadBalancerName: plan.loadBalancer.name }] };
  });
  // Like ELBv2: one name not found fails the whole call.
  elbv2.on(DescribeTargetGroupsCommand).callsFake(({ Names }: { Names: string[] }) => {
    if (Names.some((name) => !groups.has(tgArn(name)))) throw targetGroupNotFound();
    return { TargetGroups: Names.map((name) => ({ TargetGroupArn: tgArn(name), TargetGroupName: name })) };
  });
  elbv2.on(DescribeTagsCommand).callsFake(({ ResourceArns }: { ResourceArns: string[] }) => ({
    TagDescriptions: ResourceArns.map((ResourceArn) => ({
      ResourceArn,
      Tags: elbTags({ ...plan.loadBalancer.tags, [TAG.buildId]: buildId }),
    })),
  }));
  elbv2.on(DeleteTargetGroupCommand).callsFake(({ TargetGroupArn }: { TargetGroupArn: string }) => {
    if (loadBalancer) throw awsError('ResourceInUse');
    return groups.delete(TargetGroupArn) && {};
  });
  elbv2.on(DeleteLoadBalancerCommand).callsFake(() => {
    loadBalancer = false;
    return {};
  });
}
const deletions = () =>
  elbv2
    .calls()
    .map((c) => c.args[0] as unknown as { constructor: { name: string }; input: Record<string, string> })
    .filter((command) => command.constructor.name.startsWith('Delete'))
    .map((command) => [command.constructor.name, Object.values(command.input)[0]]);
const callNames = () => elbv2.calls().map((c) => (c.args[0] as unknown as { constructor: { name: string } }).constructor.name);

describe('teardown-load-balancer handler', () => {
  it.each([
    { case: 'nothing exists (rollback before the NLB was made)', given: givenNothing, deleted: [] },
    { case: 'a same-named NLB and target groups belong to another build', given: () => givenEverything('another-build'), deleted: [] },
  ])('when $case, deletes nothing and records no deletion time', async ({ given, deleted }) => {
    given();
    await expect(handler(seoulState())).resolves.toEqual({ step: 'teardown-load-balancer', deleted });
    expect(deletions()).toEqual([]);
  });

  it('deletes the load balancer (its listeners go with it), then the target groups, and records when', async () => {
    givenEverything();
    await expect(handler(seoulState())).resolves.toEqual({
      step: 'teardown-load-balancer',
      deleted: [LB_ARN, ...tgArns],
      loadBalancerDeletedAt: new Date(NOW).toISOString(),
    });
    expect(deletions()).toEqual([['DeleteLoadBalancerCommand', LB_ARN], ...tgArns.map((arn) => ['DeleteTargetGroupCommand', arn])]);
  });

  it('finds everything by name and tags in three reads, without ids in state and without listing listeners', async () => {
    givenEverything();
    await handler(seoulState());
    const reads = callNames().filter((name) => name.startsWith('Describe'));
    expect(reads.sort()).toEqual(['DescribeLoadBalancersCommand', 'DescribeTagsCommand', 'DescribeTargetGroupsCommand']);
    // One DescribeTags for the NLB and every target group.
    expect(elbv2.commandCalls(DescribeTagsCommand)[0].args[0].input.ResourceArns).toEqual([LB_ARN, ...tgArns]);
    expect(elbv2.commandCalls(DescribeTargetGroupsCommand)[0].args[0].input.Names).toEqual(plan.targetGroups.map((tg) => tg.name));
    expect(callNames()).toHaveLength(3 + 1 + tgArns.length);
  });

  it('is repeatable: a second run after everything went deletes nothing, records no time, and succeeds', async () => {
    givenEverything();
    await handler(seoulState());
    const deletesOfFirstRun = deletions().length;
    await expect(handler(seoulState())).resolves.toEqual({ step: 'teardown-load-balancer', deleted: [] });
    expect(deletions()).toHaveLength(deletesOfFirstRun);
  });

  it('deletes the target groups left by an earlier run whose NLB is already gone, and records this run as the NLB’s delete time', async () => {
    givenEverything();
    elbv2.on(DescribeLoadBalancersCommand).rejects(loadBalancerNotFound());
    elbv2.on(DeleteTargetGroupCommand).resolves({});
    await expect(handler(seoulState())).resolves.toEqual({
      step: 'teardown-load-balancer',
      deleted: tgArns,
      loadBalancerDeletedAt: new Date(NOW).toISOString(),
    });
    expect(elbv2.commandCalls(DeleteLoadBalancerCommand)).toHaveLength(0);
  });

  it('keeps the NLB’s delete time across the retry after ResourceInUse on a target group (the usual AWS answer right after)', async () => {
    givenEverything();
    let now = NOW;
    const clocked = defaultHandler.withDependencies({ clock: { now: () => now } });
    // The first attempt deletes the NLB, then meets ResourceInUse on the first target group: no result, no time.
    elbv2.on(DeleteTargetGroupCommand).rejectsOnce(awsError('ResourceInUse')).resolves({});
    await expect(clocked(seoulState())).rejects.toThrow(ResourceNotReady);
    // The retry, 5 s later, no longer finds the NLB, but its target groups tell it went moments ago.
    now = NOW + 5_000;
    await expect(clocked(seoulState())).resolves.toEqual({
      step: 'teardown-load-balancer',
      deleted: tgArns,
      loadBalancerDeletedAt: new Date(now).toISOString(),
    });
    expect(elbv2.commandCalls(DeleteLoadBalancerCommand)).toHaveLength(1);
  });

  it('throws ResourceNotReady while ELBv2 still counts a target group in use, so the state machine retries', async () => {
    givenEverything();
    elbv2.on(DeleteTargetGroupCommand).rejects(awsError('ResourceInUse'));
    await expect(handler(seoulState())).rejects.toThrow(ResourceNotReady);
    expect(elbv2.commandCalls(DeleteLoadBalancerCommand)).toHaveLength(1);
  });
});

describe('the connections of a build with NAT egress', () => {
  it('starts their deletes before the load balancer and goes on without waiting (DeleteNetwork checks they are gone)', async () => {
    givenNothing();
    const { ec2 } = ec2Mock;
    const natPlan = seoulPlan({ egress: 'nat-single' });
    const gateway = {
      NatGatewayId: 'nat-1',
      SubnetId: 'subnet-pub',
      Tags: toTagList(natPlan.natGateways[0].tags),
      State: 'available' as const,
    };
    ec2.on(DescribeNatGatewaysCommand).resolves({ NatGateways: [gateway] });
    ec2.on(DeleteNatGatewayCommand).resolves({});
    // It records when they started, so that the wait before DeleteNetwork covers their minute.
    await expect(handler(seoulState({ spec: seoulSpec({ egress: 'nat-single' }) }))).resolves.toEqual({
      step: 'teardown-load-balancer',
      deleted: [],
      connectionsDeletedAt: new Date(NOW).toISOString(),
    });
    expect(ec2.commandCalls(DeleteNatGatewayCommand).map((c) => c.args[0].input)).toEqual([{ NatGatewayId: 'nat-1' }]);
    // Its Elastic IP is released only once the gateway is deleted: not now.
    expect(ec2.commandCalls(ReleaseAddressCommand)).toHaveLength(0);
  });

  it('makes no EC2 call for a build without connections', async () => {
    givenNothing();
    await handler(seoulState());
    expect(ec2Mock.ec2.calls()).toHaveLength(0);
  });
});
