import type { Logger } from '@aws-lambda-powertools/logger';
import type { LoadBalancerIds } from '../core/contracts';
import { WorkflowContractError } from '../core/errors';
import { EXPECTED_SECONDS } from '../core/expected-latency';
import type { Clock } from '../core/retry-scope';
import { sleepUntil } from '../core/sleep-until';
import { createStepHandler } from '../core/step-handler';
import { ensureListeners } from '../resources/listeners';
import { ensureLoadBalancer } from '../resources/load-balancer';
import { ensureTargetGroups } from '../resources/target-groups';

/**
 * CreateLoadBalancer: the internal NLB, its target groups and listeners. Runs in parallel with the nodes
 * and the bastion. It does not wait for the NLB to become `active` (≈2.5 min): listeners can be added while
 * it provisions, and WaitUntilReady does the waiting in the state machine.
 */
export const handler = createStepHandler(
  'create-load-balancer',
  async ({ state, plan, clients, logger, clock }): Promise<LoadBalancerIds> => {
    const network = state.network;
    if (!network) throw new WorkflowContractError('state.network: missing; CreateLoadBalancer runs after CreateNetwork');
    await untilElbSeesNetwork(network.completedAt, clock, logger);
    const loadBalancer = await ensureLoadBalancer(clients, plan, network);
    const targetGroupArns = await ensureTargetGroups(clients, plan, network.vpcId);
    const listenerArns = await ensureListeners(clients, loadBalancer.loadBalancerArn, plan, targetGroupArns);
    logger.info('load balancer ensured', { loadBalancerArn: loadBalancer.loadBalancerArn, state: loadBalancer.state });
    return { loadBalancerArn: loadBalancer.loadBalancerArn, dnsName: loadBalancer.dnsName, targetGroupArns, listenerArns };
  },
);

/**
 * Holds the first CreateLoadBalancer until ELB is expected to see the network CreateNetwork just made: sent sooner,
 * it is refused (SubnetNotFound) yet takes a token from the account's CreateLoadBalancer bucket (10, then one every
 * 5 s), which under many builds at once delays every other build's NLB by 5 s (docs/design.md "13.5"). A few
 * seconds of this Lambda's time, in parallel with the launches; a retry long after finds nothing to wait for. Never
 * longer than the expected lag, whatever `completedAt` says (another Lambda's clock).
 */
async function untilElbSeesNetwork(completedAt: number | undefined, clock: Clock, logger: Pick<Logger, 'info'>): Promise<void> {
  if (completedAt === undefined) return;
  const lagMs = EXPECTED_SECONDS.loadBalancerSeesNewNetworkAfter * 1000;
  const waitMs = Math.min(lagMs, completedAt + lagMs - clock.now());
  if (waitMs <= 0) return;
  logger.info('waiting for ELB to see the new network before CreateLoadBalancer', { waitMs });
  await sleepUntil(clock, clock.now() + waitMs);
}
