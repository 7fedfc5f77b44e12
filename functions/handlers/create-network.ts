import type { NetworkProgress } from '../core/contracts';
import { createStepHandler } from '../core/step-handler';
import { ensureNetwork } from '../resources/network';

/**
 * CreateNetwork: the VPC, Internet Gateway, subnets, route tables and security groups, in that order.
 * Every part is taken from the ids already in `state.network` (not described again), else found by its tags,
 * before it is created. A run that has just created the VPC or the gateway (no ClientToken for either)
 * returns `complete: false` at once; the `NetworkComplete?` Choice runs this step again with those ids in
 * `state.network`, so no retry, in any Lambda container, creates them twice (see ensureNetwork, which also
 * says which lookups a run can skip).
 */
export const handler = createStepHandler('create-network', async ({ state, plan, clients, logger, clock }): Promise<NetworkProgress> => {
  const progress = await ensureNetwork(clients, plan, state.network);
  const network = progress.complete ? { ...progress, completedAt: clock.now() } : progress;
  if (network.complete)
    logger.info('network ready', {
      vpcId: network.vpcId,
      publicSubnetIds: network.publicSubnetIds,
      privateSubnetIds: network.privateSubnetIds,
    });
  else
    logger.info('network in progress: handing the created ids to the state machine', {
      vpcId: network.vpcId,
      internetGatewayId: network.internetGatewayId,
    });
  return network;
});
