import { carriedConnections, carriedNetwork } from '../core/carried';
import type { TeardownResult } from '../core/contracts';
import { createStepHandler } from '../core/step-handler';
import { deleteConnections } from '../resources/connections';
import { deleteInstanceProfile } from '../resources/instance-profile';
import { deleteNetwork } from '../resources/network';

/**
 * Teardown of the network, last of the teardown steps: the connections (Transit Gateway routes and
 * attachment, endpoints, NAT gateways and their addresses), then the network itself. It throws ResourceNotReady (the state machine
 * retries it) while the NLB's interfaces linger or AWS still answers DependencyViolation, and is safe to
 * repeat: what an earlier attempt deleted is simply no longer found. A build whose VPC is gone succeeds.
 * In a rollback it also deletes the ids the build's state carries (not visible by tag yet, maybe).
 */
export const handler = createStepHandler('teardown-network', async ({ state, plan, clients, logger }): Promise<TeardownResult> => {
  const network = carriedNetwork(state);
  // The connections' interfaces and addresses hold the subnets and the Internet Gateway: they go first.
  const deleted = [
    ...(await deleteConnections(clients, plan, network, carriedConnections(state))),
    ...(await deleteNetwork(clients, plan.buildId, network)),
    // Last: the nodes that used it are terminated by now.
    ...(plan.instanceProfile ? await deleteInstanceProfile(clients, plan.buildId, plan.instanceProfile) : []),
  ];
  logger.info('network deleted', { deleted });
  return { step: 'teardown-network', deleted };
});
