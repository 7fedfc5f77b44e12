import type { LoadBalancerIds } from '../core/contracts';
import { WorkflowContractError } from '../core/errors';
import { createStepHandler } from '../core/step-handler';
import { ensureListeners } from '../resources/listeners';
import { ensureLoadBalancer } from '../resources/load-balancer';
import { ensureTargetGroups } from '../resources/target-groups';

/**
 * CreateLoadBalancer: the internal NLB, its target groups and listeners. Runs in parallel with the nodes
 * and the bastion. It does not wait for the NLB to become `active` (≈2.5 min): listeners can be added while
 * it provisions, and WaitUntilReady does the waiting in the state machine.
 */
export const handler = createStepHandler('create-load-balancer', async ({ state, plan, clients, logger }): Promise<LoadBalancerIds> => {
  const network = state.network;
  if (!network) throw new WorkflowContractError('state.network: missing; CreateLoadBalancer runs after CreateNetwork');
  const loadBalancer = await ensureLoadBalancer(clients, plan, network);
  const targetGroupArns = await ensureTargetGroups(clients, plan, network.vpcId);
  const listenerArns = await ensureListeners(clients, loadBalancer.loadBalancerArn, plan, targetGroupArns);
  logger.info('load balancer ensured', { loadBalancerArn: loadBalancer.loadBalancerArn, state: loadBalancer.state });
  return { loadBalancerArn: loadBalancer.loadBalancerArn, dnsName: loadBalancer.dnsName, targetGroupArns, listenerArns };
});
