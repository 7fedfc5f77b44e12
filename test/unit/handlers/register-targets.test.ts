import { RegisterTargetsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { LoadBalancerIds } from '../../../functions/core/contracts';
import { WorkflowContractError } from '../../../functions/core/errors';
import { handler } from '../../../functions/handlers/register-targets';
import { mockAws } from '../../fixtures/aws';
import { seoulState } from '../../fixtures/build';
import { NODES, tgArn } from '../../fixtures/ids';

const { ec2, elbv2 } = mockAws();
const loadBalancer: LoadBalancerIds = {
  loadBalancerArn: 'arn:aws:elasticloadbalancing:ap-northeast-2:111122223333:loadbalancer/net/fin-k8s-dev-nlb/0123',
  dnsName: 'fin-k8s-dev-nlb-0123.elb.ap-northeast-2.amazonaws.com',
  targetGroupArns: { api: tgArn('api'), 'ingress-80': tgArn('ingress-80'), 'ingress-443': tgArn('ingress-443') },
  listenerArns: {},
};
const nodes = NODES;

describe('register-targets handler', () => {
  it('registers control planes with the API group and workers with the ingress groups, by the ids in the state, with three calls', async () => {
    await expect(handler(seoulState({ nodes, loadBalancer }))).resolves.toEqual({
      registered: {
        api: ['i-cp1', 'i-cp2', 'i-cp3'],
        'ingress-80': ['i-wk1', 'i-wk2', 'i-wk3'],
        'ingress-443': ['i-wk1', 'i-wk2', 'i-wk3'],
      },
    });
    expect(elbv2.commandCalls(RegisterTargetsCommand).map((c) => c.args[0].input.TargetGroupArn)).toEqual(
      Object.values(loadBalancer.targetGroupArns),
    );
    expect(elbv2.calls()).toHaveLength(3);
    expect(ec2.calls()).toHaveLength(0);
  });

  it.each([
    { missing: 'nodes', state: seoulState({ loadBalancer }) },
    { missing: 'loadBalancer', state: seoulState({ nodes }) },
  ])('throws WorkflowContractError and calls nothing when $missing is not in the state', async ({ state, missing }) => {
    await expect(handler(state)).rejects.toThrow(WorkflowContractError);
    await expect(handler(state)).rejects.toThrow(`state.${missing}`);
    expect(ec2.calls()).toHaveLength(0);
    expect(elbv2.calls()).toHaveLength(0);
  });
});
