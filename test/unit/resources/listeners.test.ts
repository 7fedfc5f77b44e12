import { CreateListenerCommand, DescribeListenersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { AwsThrottled, NotYetVisible, PermissionDenied, ResourceConflict, WorkflowContractError } from '../../../functions/core/errors';
import { TAG } from '../../../functions/core/tags';
import { ensureListeners } from '../../../functions/resources/listeners';
import { awsError, mockAws } from '../../fixtures/aws';
import { BUILD_ID, seoulPlan } from '../../fixtures/build';
import { LB_ARN, listenerArn, tgArn } from '../../fixtures/ids';

const { elbv2, clients } = mockAws();
const plan = seoulPlan();
const targetGroupArns = { api: tgArn('api'), 'ingress-80': tgArn('ingress-80'), 'ingress-443': tgArn('ingress-443') };
const expectedListeners = { '6443': listenerArn(6443), '80': listenerArn(80), '443': listenerArn(443) };

describe('ensureListeners', () => {
  beforeEach(() => {
    elbv2.on(CreateListenerCommand).callsFake(({ Port }: { Port: number }) => ({ Listeners: [{ ListenerArn: listenerArn(Port), Port }] }));
  });

  it('creates (or gets back) each planned listener with one CreateListener and no listing, and returns port → ARN', async () => {
    await expect(ensureListeners(clients, LB_ARN, plan, targetGroupArns)).resolves.toEqual(expectedListeners);
    expect(elbv2.commandCalls(CreateListenerCommand).map((c) => c.args[0].input.Port)).toEqual([6443, 80, 443]);
    expect(elbv2.commandCalls(DescribeListenersCommand)).toHaveLength(0);
  });

  it('forwards TCP 6443 to the api group and each ingress port to its ingress group, tagged as ours', async () => {
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

  it('relies on CreateListener idempotency on a repeat: identical calls, same ARNs', async () => {
    const first = await ensureListeners(clients, LB_ARN, plan, targetGroupArns);
    const second = await ensureListeners(clients, LB_ARN, plan, targetGroupArns);
    const creates = elbv2.commandCalls(CreateListenerCommand).map((c) => c.args[0].input);
    expect(creates.slice(3)).toEqual(creates.slice(0, 3));
    expect(second).toEqual(first);
  });

  it('refuses a listener on our port that forwards somewhere else (DuplicateListener), naming the port', async () => {
    elbv2.on(CreateListenerCommand, { Port: 6443 }).rejects(awsError('DuplicateListener'));
    const error = await ensureListeners(clients, LB_ARN, plan, targetGroupArns).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceConflict);
    expect((error as Error).message).toMatch(/^listener 6443 of .* exists with other settings than TCP forwarding to .* \(api\)/);
    expect(elbv2.commandCalls(CreateListenerCommand)).toHaveLength(1);
  });

  it('throws WorkflowContractError when a planned target group has no ARN', async () => {
    await expect(ensureListeners(clients, LB_ARN, plan, { api: tgArn('api') })).rejects.toThrow(WorkflowContractError);
  });

  it.each([
    { code: 'Throttling', errorClass: AwsThrottled },
    { code: 'AccessDenied', errorClass: PermissionDenied },
    { code: 'LoadBalancerNotFound', errorClass: NotYetVisible },
  ])('throws $errorClass.name when CreateListener fails with $code', async ({ code, errorClass }) => {
    elbv2.on(CreateListenerCommand).rejects(awsError(code));
    await expect(ensureListeners(clients, LB_ARN, plan, targetGroupArns)).rejects.toThrow(errorClass);
  });

  it('throws NotYetVisible when CreateListener returns no listener', async () => {
    elbv2.on(CreateListenerCommand).resolves({ Listeners: [] });
    await expect(ensureListeners(clients, LB_ARN, plan, targetGroupArns)).rejects.toThrow(NotYetVisible);
  });
});
