import { carriedConnections, carriedNetwork } from '../core/carried';
import type { TeardownResult } from '../core/contracts';
import { createStepHandler } from '../core/step-handler';
import { deleteConnectionsWithoutRoutes, requireConnectionsGone } from '../resources/connections';
import { deleteInstanceProfile } from '../resources/instance-profile';
import { deleteNetwork } from '../resources/network';

/**
 * Teardown of the network, last of the teardown steps, once TerminateInstances' loop found nothing left to wait for: the
 * connections (their deletes were started by DeleteLoadBalancer: here their Elastic IPs are released once they
 * are gone), then the network itself. It throws ResourceNotReady (the state machine polls it every 5 s) while
 * anything still holds the network (an interface in the VPC, a connection not yet deleted) or AWS answers
 * DependencyViolation; after the Wait that is usually never, or once. Safe to repeat: what an earlier attempt
 * deleted is simply no longer found. A build whose VPC is gone succeeds. In a rollback it also deletes the ids
 * the build's state carries (not visible by tag yet, maybe).
 */
export const handler = createStepHandler('teardown-network', async ({ state, plan, clients, logger }): Promise<TeardownResult> => {
  const network = carriedNetwork(state);
  // The connections' interfaces and addresses hold the subnets and the Internet Gateway: they go first. Their
  // Transit Gateway routes were removed by DeleteLoadBalancer, and the route tables take what is left with them.
  const connections = await deleteConnectionsWithoutRoutes(clients, plan, carriedConnections(state));
  const deleted = [
    ...requireConnectionsGone(connections),
    ...(await deleteNetwork(clients, plan.buildId, network)),
    // Last: the nodes that used it are terminated by now.
    ...(plan.instanceProfile ? await deleteInstanceProfile(clients, plan.buildId, plan.instanceProfile) : []),
  ];
  logger.info('network deleted', { deleted });
  return { step: 'teardown-network', deleted };
});
