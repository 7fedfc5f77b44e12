import {
  DeleteListenerCommand,
  DeleteLoadBalancerCommand,
  DeleteTargetGroupCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DeleteNatGatewayCommand, DescribeNatGatewaysCommand, ReleaseAddressCommand } from '@aws-sdk/client-ec2';
import { ResourceNotReady } from '../../../functions/core/errors';
import { TAG, toTagList } from '../../../functions/core/tags';
import { handler } from '../../../functions/handlers/teardown-load-balancer';
import { elbTags } from '../../../functions/resources/elb-owned';
import { awsError, loadBalancerNotFound, mockAws, targetGroupNotFound } from '../../fixtures/aws';
import { seoulPlan, seoulSpec, seoulState } from '../../fixtures/build';
import { LB_ARN, listenerArn, tgArn } from '../../fixtures/ids';

const ec2Mock = mockAws();
const { elbv2 } = ec2Mock;
const plan = seoulPlan();
const tgArns = plan.targetGroups.map((tg) => tgArn(tg.name));
const listenerArns = plan.targetGroups.map((tg) => listenerArn(tg.listenerPort));

function givenNothing(): void {
  elbv2.on(DescribeLoadBalancersCommand).rejects(loadBalancerNotFound());
  elbv2.on(DescribeTargetGroupsCommand).rejects(targetGroupNotFound());
}
/** Every resource exists (`buildId` is the build its tags name); deletes remove them, as AWS would. */
function givenEverything(buildId = plan.buildId): void {
  const listeners = new Set(listenerArns);
  const groups = new Set(tgArns);
  let loadBalancer = true;
  elbv2.on(DescribeLoadBalancersCommand).callsFake(() => {
    if (!loadBalancer) throw loadBalancerNotFound();
    return { LoadBalancers: [{ LoadBalancerArn: LB_ARN, LoadBalancerName: plan.loadBalancer.name }] };
  });
  elbv2.on(DescribeTargetGroupsCommand).callsFake(({ Names }: { Names: string[] }) => {
    if (!groups.has(tgArn(Names[0]))) throw targetGroupNotFound();
    return { TargetGroups: [{ TargetGroupArn: tgArn(Names[0]), TargetGroupName: Names[0] }] };
  });
  elbv2.on(DescribeTagsCommand).callsFake(({ ResourceArns }: { ResourceArns: string[] }) => ({
    TagDescriptions: ResourceArns.map((ResourceArn) => ({
      ResourceArn,
      Tags: elbTags({ ...plan.loadBalancer.tags, [TAG.buildId]: buildId }),
    })),
  }));
  elbv2.on(DescribeListenersCommand).callsFake(() => ({ Listeners: [...listeners].map((ListenerArn) => ({ ListenerArn })) }));
  elbv2.on(DeleteListenerCommand).callsFake(({ ListenerArn }: { ListenerArn: string }) => listeners.delete(ListenerArn) && {});
  elbv2.on(DeleteTargetGroupCommand).callsFake(({ TargetGroupArn }: { TargetGroupArn: string }) => groups.delete(TargetGroupArn) && {});
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

describe('teardown-load-balancer handler', () => {
  it.each([
    { case: 'nothing exists (rollback before the NLB was made)', given: givenNothing, deleted: [] },
    { case: 'a same-named NLB and target groups belong to another build', given: () => givenEverything('another-build'), deleted: [] },
    { case: 'everything of ours exists', given: () => givenEverything(), deleted: [...listenerArns, ...tgArns, LB_ARN] },
  ])('when $case, deletes only what is ours and succeeds', async ({ given, deleted }) => {
    given();
    await expect(handler(seoulState())).resolves.toEqual({ step: 'teardown-load-balancer', deleted });
    expect(deletions().map(([, arn]) => arn)).toEqual(deleted);
  });

  it('deletes listeners, then target groups, then the load balancer, found by name and tags without IDs in state', async () => {
    givenEverything();
    await handler(seoulState());
    expect(deletions()).toEqual([
      ...listenerArns.map((arn) => ['DeleteListenerCommand', arn]),
      ...tgArns.map((arn) => ['DeleteTargetGroupCommand', arn]),
      ['DeleteLoadBalancerCommand', LB_ARN],
    ]);
  });

  it('is repeatable: a second run after everything went deletes nothing and succeeds', async () => {
    givenEverything();
    await handler(seoulState());
    const deletesOfFirstRun = deletions().length;
    await expect(handler(seoulState())).resolves.toEqual({ step: 'teardown-load-balancer', deleted: [] });
    expect(deletions()).toHaveLength(deletesOfFirstRun);
  });

  it('throws ResourceNotReady while a target group is still in use, so the state machine retries', async () => {
    givenEverything();
    elbv2.on(DeleteTargetGroupCommand).rejects(awsError('ResourceInUse'));
    await expect(handler(seoulState())).rejects.toThrow(ResourceNotReady);
    expect(elbv2.commandCalls(DeleteLoadBalancerCommand)).toHaveLength(0);
    expect(elbv2.commandCalls(DeleteListenerCommand)).toHaveLength(3);
  });
});

describe('the connections of a build with NAT egress', () => {
  it('starts their deletes with the load balancer and goes on without waiting (DeleteNetwork waits)', async () => {
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
    await expect(handler(seoulState({ spec: seoulSpec({ egress: 'nat-single' }) }))).resolves.toEqual({
      step: 'teardown-load-balancer',
      deleted: [],
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
