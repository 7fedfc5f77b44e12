import { DescribeInstancesCommand, type InstanceStateName } from '@aws-sdk/client-ec2';
import { DescribeTargetHealthCommand, RegisterTargetsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { LoadBalancerIds } from '../../../functions/core/contracts';
import { ResourceNotReady, WorkflowContractError } from '../../../functions/core/errors';
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

function givenInstances(state: (id: string) => InstanceStateName): void {
  ec2
    .on(DescribeInstancesCommand)
    .resolves({ Reservations: [{ Instances: nodes.map((n) => ({ InstanceId: n.instanceId, State: { Name: state(n.instanceId) } })) }] });
  elbv2.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: [] });
}

describe('register-targets handler', () => {
  it('registers control planes with the API group and workers with the ingress groups once all nodes run', async () => {
    givenInstances(() => 'running');
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
  });

  it('throws ResourceNotReady (the state machine waits) while a node is pending, and registers nothing', async () => {
    givenInstances((id) => (id === 'i-cp3' ? 'pending' : 'running'));
    await expect(handler(seoulState({ nodes, loadBalancer }))).rejects.toThrow(ResourceNotReady);
    expect(elbv2.commandCalls(RegisterTargetsCommand)).toHaveLength(0);
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
