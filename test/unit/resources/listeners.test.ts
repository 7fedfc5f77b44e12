import {
  CreateListenerCommand,
  DeleteListenerCommand,
  DescribeListenersCommand,
  ListenerNotFoundException,
  type Listener,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { AwsThrottled, NotYetVisible, PermissionDenied, ResourceConflict, WorkflowContractError } from '../../../functions/core/errors';
import { TAG } from '../../../functions/core/tags';
import { deleteListeners, ensureListeners } from '../../../functions/resources/listeners';
import { awsError, loadBalancerNotFound, mockAws } from '../../fixtures/aws';
import { BUILD_ID, seoulPlan } from '../../fixtures/build';
import { LB_ARN, listenerArn, tgArn } from '../../fixtures/ids';

const { elbv2, clients } = mockAws();
const plan = seoulPlan();
const targetGroupArns = { api: tgArn('api'), 'ingress-80': tgArn('ingress-80'), 'ingress-443': tgArn('ingress-443') };
const expectedListeners = { '6443': listenerArn(6443), '80': listenerArn(80), '443': listenerArn(443) };

/** A listener as AWS describes it: the forward target both as TargetGroupArn and in ForwardConfig. */
function listener(port: number, target: string, form: 'arn' | 'config' = 'arn'): Listener {
  const action =
    form === 'arn'
      ? { Type: 'forward' as const, TargetGroupArn: target }
      : { Type: 'forward' as const, ForwardConfig: { TargetGroups: [{ TargetGroupArn: target, Weight: 1 }] } };
  return { ListenerArn: listenerArn(port), LoadBalancerArn: LB_ARN, Port: port, Protocol: 'TCP', DefaultActions: [action] };
}
function givenListeners(listeners: Listener[]): void {
  elbv2.on(DescribeListenersCommand).resolves({ Listeners: listeners });
  elbv2.on(CreateListenerCommand).callsFake(({ Port }: { Port: number }) => ({ Listeners: [{ ListenerArn: listenerArn(Port), Port }] }));
}

describe('ensureListeners', () => {
  it.each([
    { case: 'none exist', existing: [], created: [6443, 80, 443] },
    {
      case: 'all exist with the same forward',
      existing: [listener(6443, tgArn('api')), listener(80, tgArn('ingress-80')), listener(443, tgArn('ingress-443'), 'config')],
      created: [],
    },
    { case: 'only the API listener exists', existing: [listener(6443, tgArn('api'), 'config')], created: [80, 443] },
  ])('when $case, creates only the missing listeners and returns port → ARN', async ({ existing, created }) => {
    givenListeners(existing);
    await expect(ensureListeners(clients, LB_ARN, plan, targetGroupArns)).resolves.toEqual(expectedListeners);
    expect(elbv2.commandCalls(CreateListenerCommand).map((c) => c.args[0].input.Port)).toEqual(created);
  });

  it('forwards TCP 6443 to the api group and each ingress port to its ingress group, tagged as ours', async () => {
    givenListeners([]);
    await ensureListeners(clients, LB_ARN, plan, targetGroupArns);
    const inputs = elbv2.commandCalls(CreateListenerCommand).map((c) => c.args[0].input);
    expect(inputs.map((i) => [i.Port, i.Protocol, i.DefaultActions])).toEqual([
      [6443, 'TCP', [{ Type: 'forward', TargetGroupArn: tgArn('api') }]],
      [80, 'TCP', [{ Type: 'forward', TargetGroupArn: tgArn('ingress-80') }]],
      [443, 'TCP', [{ Type: 'forward', TargetGroupArn: tgArn('ingress-443') }]],
    ]);
    for (const input of inputs) {
      expect(input.LoadBalancerArn).toBe(LB_ARN);
      expect(input.Tags).toEqual(expect.arrayContaining([{ Key: TAG.buildId, Value: BUILD_ID }]));
    }
  });

  it('pages through DescribeListeners before deciding what is missing', async () => {
    // Markers as each call was sent (the SDK's paginator reuses one input object, so read them at call time).
    const markers: (string | undefined)[] = [];
    elbv2.on(DescribeListenersCommand).callsFake(({ Marker }: { Marker?: string }) => {
      markers.push(Marker);
      return Marker === undefined
        ? { Listeners: [listener(6443, tgArn('api'))], NextMarker: 'page-2' }
        : { Listeners: [listener(80, tgArn('ingress-80')), listener(443, tgArn('ingress-443'))] };
    });
    await ensureListeners(clients, LB_ARN, plan, targetGroupArns);
    expect(markers).toEqual([undefined, 'page-2']);
    expect(elbv2.commandCalls(CreateListenerCommand)).toHaveLength(0);
  });

  it('refuses a listener on our port that forwards somewhere else, and changes nothing', async () => {
    givenListeners([listener(6443, tgArn('someone-else'))]);
    await expect(ensureListeners(clients, LB_ARN, plan, targetGroupArns)).rejects.toThrow(ResourceConflict);
    expect(elbv2.commandCalls(CreateListenerCommand)).toHaveLength(0);
  });

  it('throws WorkflowContractError when a planned target group has no ARN', async () => {
    givenListeners([]);
    await expect(ensureListeners(clients, LB_ARN, plan, { api: tgArn('api') })).rejects.toThrow(WorkflowContractError);
  });

  it.each([
    { code: 'Throttling', errorClass: AwsThrottled },
    { code: 'AccessDenied', errorClass: PermissionDenied },
    { code: 'LoadBalancerNotFound', errorClass: NotYetVisible },
  ])('throws $errorClass.name when DescribeListeners fails with $code, and creates nothing', async ({ code, errorClass }) => {
    elbv2.on(DescribeListenersCommand).rejects(awsError(code));
    await expect(ensureListeners(clients, LB_ARN, plan, targetGroupArns)).rejects.toThrow(errorClass);
    expect(elbv2.commandCalls(CreateListenerCommand)).toHaveLength(0);
  });

  it('throws NotYetVisible when CreateListener returns no listener', async () => {
    elbv2.on(DescribeListenersCommand).resolves({ Listeners: [] });
    elbv2.on(CreateListenerCommand).resolves({ Listeners: [] });
    await expect(ensureListeners(clients, LB_ARN, plan, targetGroupArns)).rejects.toThrow(NotYetVisible);
  });
});

describe('deleteListeners', () => {
  it.each([
    { case: 'the load balancer is absent', given: () => elbv2.on(DescribeListenersCommand).rejects(loadBalancerNotFound()), deleted: [] },
    { case: 'there are no listeners', given: () => elbv2.on(DescribeListenersCommand).resolves({ Listeners: [] }), deleted: [] },
    {
      case: 'listeners exist',
      given: () =>
        elbv2.on(DescribeListenersCommand).resolves({ Listeners: [listener(6443, tgArn('api')), listener(80, tgArn('ingress-80'))] }),
      deleted: [listenerArn(6443), listenerArn(80)],
    },
  ])('when $case, deletes what is there and succeeds', async ({ given, deleted }) => {
    given();
    await expect(deleteListeners(clients, LB_ARN)).resolves.toEqual(deleted);
    expect(elbv2.commandCalls(DeleteListenerCommand).map((c) => c.args[0].input.ListenerArn)).toEqual(deleted);
  });

  it('treats a listener gone during delete as success', async () => {
    elbv2.on(DescribeListenersCommand).resolves({ Listeners: [listener(6443, tgArn('api'))] });
    elbv2
      .on(DeleteListenerCommand)
      .rejects(Object.assign(new ListenerNotFoundException({ message: 'gone', $metadata: {} }), { Code: 'ListenerNotFound' }));
    await expect(deleteListeners(clients, LB_ARN)).resolves.toEqual([]);
  });

  it.each([
    { op: 'DescribeListeners', given: () => elbv2.on(DescribeListenersCommand).rejects(awsError('Throttling')), errorClass: AwsThrottled },
    {
      op: 'DeleteListener',
      given: () => {
        elbv2.on(DescribeListenersCommand).resolves({ Listeners: [listener(6443, tgArn('api'))] });
        elbv2.on(DeleteListenerCommand).rejects(awsError('AccessDenied'));
      },
      errorClass: PermissionDenied,
    },
  ])('throws $errorClass.name when $op fails', async ({ given, errorClass }) => {
    given();
    await expect(deleteListeners(clients, LB_ARN)).rejects.toThrow(errorClass);
  });
});
