import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  ModifyLoadBalancerAttributesCommand,
  ModifyTargetGroupAttributesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { AwsThrottled, WorkflowContractError } from '../../../functions/core/errors';
import { handler } from '../../../functions/handlers/create-load-balancer';
import { awsError, mockAws } from '../../fixtures/aws';
import { seoulPlan, seoulState } from '../../fixtures/build';
import { LB_ARN, listenerArn, NETWORK, tgArn } from '../../fixtures/ids';

const { elbv2 } = mockAws();
const plan = seoulPlan();
const DNS = 'fin-k8s-dev-nlb-0123.elb.ap-northeast-2.amazonaws.com';
const nlb = { LoadBalancerArn: LB_ARN, LoadBalancerName: plan.loadBalancer.name, DNSName: DNS, State: { Code: 'provisioning' as const } };
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

/** What ELBv2 answers: a create hands back the resource (a new one, or the existing one with the same settings). */
function givenCreates(): void {
  elbv2.on(CreateLoadBalancerCommand).resolves({ LoadBalancers: [nlb] });
  elbv2
    .on(CreateTargetGroupCommand)
    .callsFake(({ Name }: { Name: string }) => ({ TargetGroups: [{ TargetGroupArn: tgArn(Name), TargetGroupName: Name }] }));
  elbv2.on(CreateListenerCommand).callsFake(({ Port }: { Port: number }) => ({ Listeners: [{ ListenerArn: listenerArn(Port), Port }] }));
  elbv2.on(ModifyLoadBalancerAttributesCommand).resolves({});
  elbv2.on(ModifyTargetGroupAttributesCommand).resolves({});
}
const sent = () => elbv2.calls().map((c) => c.args[0].constructor.name.replace(/Command$/, ''));

describe('create-load-balancer handler', () => {
  it('returns the NLB, target group and listener ARNs in 12 calls: one lookup of the NLB, then creates and attribute sets', async () => {
    givenCreates();
    await expect(handler(seoulState({ network: NETWORK }))).resolves.toEqual(expected);
    expect(sent()).toEqual([
      'DescribeLoadBalancers',
      'CreateLoadBalancer',
      'ModifyLoadBalancerAttributes',
      ...plan.targetGroups.flatMap(() => ['CreateTargetGroup', 'ModifyTargetGroupAttributes']),
      ...plan.targetGroups.map(() => 'CreateListener'),
    ]);
  });

  it('makes the very same calls on a rerun, and gets the same ARNs back (ELBv2 creates are idempotent)', async () => {
    givenCreates();
    const first = await handler(seoulState({ network: NETWORK }));
    const calls = elbv2.calls().map((c) => c.args[0].input);
    elbv2.resetHistory();
    await expect(handler(seoulState({ network: NETWORK }))).resolves.toEqual(first);
    expect(elbv2.calls().map((c) => c.args[0].input)).toEqual(calls);
  });

  it('does not wait for the NLB to become active: listeners are added while it provisions', async () => {
    givenCreates();
    await handler(seoulState({ network: NETWORK }));
    expect(elbv2.commandCalls(CreateListenerCommand).map((c) => c.args[0].input.LoadBalancerArn)).toEqual([LB_ARN, LB_ARN, LB_ARN]);
  });

  it('throws WorkflowContractError and calls nothing when the network is not in the state', async () => {
    await expect(handler(seoulState())).rejects.toThrow(WorkflowContractError);
    expect(elbv2.calls()).toHaveLength(0);
  });

  it('holds CreateLoadBalancer until ELB is expected to see a network made moments ago, and not for an older one', async () => {
    givenCreates();
    let now = 1_000_000;
    const slept: number[] = [];
    // A clock with timers of its own (the local event clock's shape): the handler waits on it.
    const clock = { now: () => now, sleep: (ms: number) => (slept.push(ms), (now += ms), Promise.resolve()) };
    const clocked = handler.withDependencies({ clock });
    let sentAt: number | undefined;
    elbv2.on(CreateLoadBalancerCommand).callsFake(() => ((sentAt = now), { LoadBalancers: [nlb] }));
    await clocked(seoulState({ network: { ...NETWORK, completedAt: now - 2_000 } }));
    expect(slept).toEqual([3_000]);
    expect(sentAt).toBe(1_003_000);
    slept.length = 0;
    await clocked(seoulState({ network: { ...NETWORK, completedAt: now - 60_000 } }));
    // Whatever another Lambda's clock said, never longer than the expected lag.
    await clocked(seoulState({ network: { ...NETWORK, completedAt: now + 3_600_000 } }));
    expect(slept).toEqual([5_000]);
  });

  it('lets a throttled AWS answer surface as AwsThrottled for the state machine to retry', async () => {
    elbv2.on(CreateLoadBalancerCommand).rejects(awsError('Throttling'));
    await expect(handler(seoulState({ network: NETWORK }))).rejects.toMatchObject({ name: 'AwsThrottled' });
    await expect(handler(seoulState({ network: NETWORK }))).rejects.toThrow(AwsThrottled);
  });
});
