import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeListenersCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  ModifyLoadBalancerAttributesCommand,
  ModifyTargetGroupAttributesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { AwsThrottled, WorkflowContractError } from '../../../functions/core/errors';
import { handler } from '../../../functions/handlers/create-load-balancer';
import { elbTags } from '../../../functions/resources/elb-owned';
import { awsError, loadBalancerNotFound, mockAws, targetGroupNotFound } from '../../fixtures/aws';
import { seoulPlan, seoulState } from '../../fixtures/build';
import { LB_ARN, listenerArn, NETWORK, tgArn } from '../../fixtures/ids';

const { elbv2 } = mockAws();
const plan = seoulPlan();
const DNS = 'fin-k8s-dev-nlb-0123.elb.ap-northeast-2.amazonaws.com';
const nlb = { LoadBalancerArn: LB_ARN, LoadBalancerName: plan.loadBalancer.name, DNSName: DNS, State: { Code: 'provisioning' as const } };
const ownTags = new Map<string, ReturnType<typeof elbTags>>([
  [LB_ARN, elbTags(plan.loadBalancer.tags)],
  ...plan.targetGroups.map((tg) => [tgArn(tg.name), elbTags(tg.tags)] as [string, ReturnType<typeof elbTags>]),
]);
const expected = {
  loadBalancerArn: LB_ARN,
  dnsName: DNS,
  targetGroupArns: {
    api: tgArn('fin-k8s-dev-tg-6443'),
    'ingress-80': tgArn('fin-k8s-dev-tg-80'),
    'ingress-443': tgArn('fin-k8s-dev-tg-443'),
  },
  listenerArns: { '6443': listenerArn(6443), '80': listenerArn(80), '443': listenerArn(443) },
};

function givenSettledAttributes(): void {
  elbv2.on(DescribeLoadBalancerAttributesCommand).resolves({ Attributes: [{ Key: 'load_balancing.cross_zone.enabled', Value: 'true' }] });
  elbv2.on(DescribeTargetGroupAttributesCommand).resolves({
    Attributes: [
      { Key: 'preserve_client_ip.enabled', Value: 'false' },
      { Key: 'deregistration_delay.timeout_seconds', Value: '30' },
    ],
  });
  elbv2.on(DescribeTagsCommand).callsFake(({ ResourceArns }: { ResourceArns: string[] }) => ({
    TagDescriptions: ResourceArns.map((ResourceArn) => ({ ResourceArn, Tags: ownTags.get(ResourceArn) })),
  }));
}
/** A fresh account: nothing exists; creates answer with the resources. */
function givenNothing(): void {
  givenSettledAttributes();
  elbv2.on(DescribeLoadBalancersCommand).rejects(loadBalancerNotFound());
  elbv2.on(DescribeTargetGroupsCommand).rejects(targetGroupNotFound());
  elbv2.on(DescribeListenersCommand).resolves({ Listeners: [] });
  elbv2.on(CreateLoadBalancerCommand).resolves({ LoadBalancers: [nlb] });
  elbv2
    .on(CreateTargetGroupCommand)
    .callsFake(({ Name }: { Name: string }) => ({ TargetGroups: [{ TargetGroupArn: tgArn(Name), TargetGroupName: Name }] }));
  elbv2.on(CreateListenerCommand).callsFake(({ Port }: { Port: number }) => ({ Listeners: [{ ListenerArn: listenerArn(Port), Port }] }));
}
/** A rerun after a complete create: everything exists, tagged ours, settled. */
function givenEverything(): void {
  givenSettledAttributes();
  elbv2.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [nlb] });
  elbv2.on(DescribeTargetGroupsCommand).callsFake(({ Names }: { Names: string[] }) => ({
    TargetGroups: [{ TargetGroupArn: tgArn(Names[0]), TargetGroupName: Names[0], VpcId: NETWORK.vpcId }],
  }));
  elbv2.on(DescribeListenersCommand).resolves({
    Listeners: plan.targetGroups.map((tg) => ({
      ListenerArn: listenerArn(tg.listenerPort),
      Port: tg.listenerPort,
      DefaultActions: [{ Type: 'forward' as const, TargetGroupArn: tgArn(tg.name) }],
    })),
  });
}

describe('create-load-balancer handler', () => {
  it.each([
    { case: 'nothing exists yet', given: givenNothing, creates: { lb: 1, tg: 3, listener: 3 } },
    { case: 'everything exists (a rerun)', given: givenEverything, creates: { lb: 0, tg: 0, listener: 0 } },
  ])('when $case, returns the NLB, target group and listener ARNs', async ({ given, creates }) => {
    given();
    await expect(handler(seoulState({ network: NETWORK }))).resolves.toEqual(expected);
    expect(elbv2.commandCalls(CreateLoadBalancerCommand)).toHaveLength(creates.lb);
    expect(elbv2.commandCalls(CreateTargetGroupCommand)).toHaveLength(creates.tg);
    expect(elbv2.commandCalls(CreateListenerCommand)).toHaveLength(creates.listener);
    expect(elbv2.commandCalls(ModifyLoadBalancerAttributesCommand)).toHaveLength(0);
    expect(elbv2.commandCalls(ModifyTargetGroupAttributesCommand)).toHaveLength(0);
  });

  it('does not wait for the NLB to become active: one look, listeners added while it provisions', async () => {
    givenNothing();
    await handler(seoulState({ network: NETWORK }));
    expect(elbv2.commandCalls(DescribeLoadBalancersCommand)).toHaveLength(1);
    expect(elbv2.commandCalls(CreateListenerCommand).map((c) => c.args[0].input.LoadBalancerArn)).toEqual([LB_ARN, LB_ARN, LB_ARN]);
  });

  it('throws WorkflowContractError and calls nothing when the network is not in the state', async () => {
    await expect(handler(seoulState())).rejects.toThrow(WorkflowContractError);
    expect(elbv2.calls()).toHaveLength(0);
  });

  it('lets a throttled AWS answer surface as AwsThrottled for the state machine to retry', async () => {
    elbv2.on(DescribeLoadBalancersCommand).rejects(awsError('Throttling'));
    await expect(handler(seoulState({ network: NETWORK }))).rejects.toMatchObject({ name: 'AwsThrottled' });
    await expect(handler(seoulState({ network: NETWORK }))).rejects.toThrow(AwsThrottled);
  });
});
